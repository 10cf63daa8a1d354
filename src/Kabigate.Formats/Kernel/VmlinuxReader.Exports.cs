using System.Collections.Immutable;
using System.Text;
using Kabigate.Abi;
using Kabigate.Formats.Elf;

namespace Kabigate.Formats.Kernel;

public static partial class VmlinuxReader
{
    /// <summary>How many leading entries of each table must name a string in <c>__ksymtab_strings</c> for a layout to fit.</summary>
    private const int NameProbeEntries = 4;

    // Field indexes in struct kernel_symbol; field 0, the value, is not needed.
    private const int NameField = 1;
    private const int NamespaceField = 2;

    /// <summary>The export tables a vmlinux may have, each with its CRC array and kind (include/asm-generic/vmlinux.lds.h).</summary>
    private static readonly (string Symtab, string Crctab, ExportKind Kind)[] s_tables =
    [
        ("__ksymtab", "__kcrctab", ExportKind.Plain),
        ("__ksymtab_gpl", "__kcrctab_gpl", ExportKind.Gpl),
        ("__ksymtab_unused", "__kcrctab_unused", ExportKind.Unused),           // removed in 5.13
        ("__ksymtab_unused_gpl", "__kcrctab_unused_gpl", ExportKind.UnusedGpl), // removed in 5.13
        ("__ksymtab_gpl_future", "__kcrctab_gpl_future", ExportKind.GplFuture), // removed in 5.13
    ];

    /// <summary>
    /// How <c>struct kernel_symbol</c> is laid out: three (value, name, namespace; since 5.4) or two fields, each a
    /// 32-bit place-relative offset (<c>CONFIG_HAVE_ARCH_PREL32_RELOCATIONS</c>, since 4.19) or an absolute pointer.
    /// </summary>
    private readonly record struct SymbolLayout(bool Prel32, int Fields, int FieldSize)
    {
        public int EntrySize => Fields * FieldSize;
    }

    /// <summary>One export table found in the image, with its CRC array when the kernel has modversions.</summary>
    private readonly record struct Table(Section Symtab, Section? Crcs, ExportKind Kind, Section? Flags);

    private static ImmutableArray<KernelExport> ReadElfExports(ReadOnlySpan<byte> data, string source)
    {
        var elf = OpenElf(data, source);
        var sections = ElfModuleReader.ReadSections(elf, source);
        var tables = FindTables(sections);
        if (tables.Count == 0)
            throw new ModuleFormatException(source, Messages.VmlinuxNoKsymtab);
        if (!sections.TryGet("__ksymtab_strings", out var strings))
            throw new ModuleFormatException(source, Messages.VmlinuxNoKsymtabStrings);

        var map = new AddressMap(sections);
        var layout = ChooseLayout(elf, tables, strings, elf.U16(ElfLayout.MachineOffset, "e_machine"));
        var total = 0;
        foreach (var table in tables)
            total += CheckSizes(elf, table, layout, source);
        var result = ImmutableArray.CreateBuilder<KernelExport>(total);
        var namespaces = new Dictionary<ulong, string?>();
        foreach (var table in tables)
            ReadTable(elf, table, layout, strings, map, namespaces, result, source);
        result.Sort((a, b) => string.CompareOrdinal(a.Symbol, b.Symbol));
        return result.MoveToImmutable();
    }

    private static ElfCursor OpenElf(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < ElfLayout.IdentSize || !ElfModuleReader.IsElf(data))
            throw new ModuleFormatException(source, Messages.NotAKernelImage, 0);
        var elfClass = data[ElfLayout.ClassIndex];
        var elfData = data[ElfLayout.DataIndex];
        if (elfClass is not (ElfLayout.Class32 or ElfLayout.Class64))
            throw new ModuleFormatException(source, Messages.UnsupportedElfClass(elfClass), ElfLayout.ClassIndex);
        if (elfData is not (ElfLayout.DataLsb or ElfLayout.DataMsb))
            throw new ModuleFormatException(source, Messages.UnsupportedElfData(elfData), ElfLayout.DataIndex);
        var elf = new ElfCursor(data, source, elfClass == ElfLayout.Class64, elfData == ElfLayout.DataMsb);
        var headerSize = ElfLayout.HeaderSize(elf.Is64);
        if (data.Length < headerSize)
            throw new ModuleFormatException(source, Messages.TruncatedElfHeader(data.Length, headerSize), data.Length);
        var type = elf.U16(ElfLayout.TypeOffset, "e_type");
        if (type == ElfLayout.TypeRelocatable)
            throw new ModuleFormatException(source, Messages.VmlinuxIsRelocatable, ElfLayout.TypeOffset);
        if (type is not (ElfLayout.TypeExecutable or ElfLayout.TypeShared))
            throw new ModuleFormatException(source, Messages.VmlinuxType(type), ElfLayout.TypeOffset);
        if (elf.Word((ulong)ElfLayout.ShOffOffset(elf.Is64), "e_shoff") == 0)
            throw new ModuleFormatException(source, Messages.VmlinuxNoSectionHeaders, ElfLayout.ShOffOffset(elf.Is64));
        return elf;
    }

    private static List<Table> FindTables(SectionTable sections)
    {
        var tables = new List<Table>(s_tables.Length);
        foreach (var (symtabName, crctabName, kind) in s_tables)
        {
            if (!sections.TryGet(symtabName, out var symtab))
                continue;
            Section? crcs = sections.TryGet(crctabName, out var c) ? c : null;

            // Newest kernels: one __ksymtab, GPL-only-ness in a parallel byte array.
            Section? flags = kind == ExportKind.Plain && sections.TryGet("__kflagstab", out var f) ? f : null;
            tables.Add(new Table(symtab, crcs, kind, flags));
        }
        return tables;
    }

    /// <summary>
    /// The layout is not recorded in the image, and the architecture only suggests it (x86 drops PREL32 under
    /// LTO_GCC; the namespace field appeared in 5.4). The first candidate whose sizes fit and whose first entries all
    /// name a string in <c>__ksymtab_strings</c> wins: under a wrong layout a name field lands on a value field,
    /// which points at code or data. If none fits, the likeliest is returned and its strict reading reports why.
    /// </summary>
    private static SymbolLayout ChooseLayout(ElfCursor elf, List<Table> tables, Section strings, ushort machine)
    {
        var pointer = ElfLayout.Addr(elf.Is64);
        var prel32First = machine is ElfLayout.MachineX86_64 or ElfLayout.Machine386 or ElfLayout.MachineAarch64 or ElfLayout.MachinePpc64
            or ElfLayout.MachineS390 or ElfLayout.MachineRiscv or ElfLayout.MachineLoongArch;
        SymbolLayout[] relative = [new(true, 3, ModversionLayout.Prel32FieldSize), new(true, 2, ModversionLayout.Prel32FieldSize)];
        SymbolLayout[] absolute = [new(false, 3, pointer), new(false, 2, pointer)];
        SymbolLayout[] candidates = prel32First ? [.. relative, .. absolute] : [.. absolute, .. relative];
        foreach (var layout in candidates)
        {
            if (Fits(elf, tables, strings, layout))
                return layout;
        }
        return candidates.FirstOrDefault(l => tables.All(t => t.Symtab.Size % (ulong)l.EntrySize == 0), candidates[0]);
    }

    private static bool Fits(ElfCursor elf, List<Table> tables, Section strings, SymbolLayout layout)
    {
        foreach (var table in tables)
        {
            var entry = (ulong)layout.EntrySize;
            if (table.Symtab.Size % entry != 0)
                return false;
            var count = table.Symtab.Size / entry;
            if (table.Crcs is { } crcs && CrcWidth(crcs.Size, count, elf.Is64) == 0)
                return false;
            if (table.Flags is { } flags && flags.Size != count)
                return false;
            for (var i = 0; i < (int)Math.Min(count, NameProbeEntries); i++)
            {
                var name = Reference(elf, table.Symtab, layout, i, NameField, out _);
                if (name is not { } address || address < strings.Address || address - strings.Address >= strings.Size)
                    return false;
            }
        }
        return true;
    }

    /// <summary>The byte width of each CRC: 4, or 8 before 4.10 on 64-bit; 0 when the array does not fit the table.</summary>
    private static int CrcWidth(ulong crcBytes, ulong count, bool is64)
    {
        if (crcBytes == count * ModversionLayout.KcrctabEntrySize)
            return ModversionLayout.KcrctabEntrySize;
        return is64 && crcBytes == count * ModversionLayout.LegacyKcrctabEntrySize ? ModversionLayout.LegacyKcrctabEntrySize : 0;
    }

    /// <summary>Checks that a table's size fits the layout and its CRC and flag arrays fit the table; returns its entry count.</summary>
    private static int CheckSizes(ElfCursor elf, Table table, SymbolLayout layout, string source)
    {
        var symtab = table.Symtab;
        // The section table lets an SHT_NOBITS section claim any size; the entries must be in the file, since their
        // count sizes the result.
        elf.Slice(symtab.Offset, symtab.Size, $"section '{symtab.Name}'");
        if (symtab.Size % (ulong)layout.EntrySize != 0)
            throw new ModuleFormatException(source, Messages.KsymtabSize(symtab.Name, symtab.Size, layout.EntrySize), (long)symtab.Offset);
        var count = (int)(symtab.Size / (ulong)layout.EntrySize);
        if (table.Crcs is { } crcs && CrcWidth(crcs.Size, (ulong)count, elf.Is64) == 0)
            throw new ModuleFormatException(source, Messages.KcrctabSize(crcs.Name, crcs.Size, symtab.Name, count), (long)crcs.Offset);
        if (table.Flags is { } flags && flags.Size != (ulong)count)
            throw new ModuleFormatException(source, Messages.KflagstabSize(flags.Size, count), (long)flags.Offset);
        return count;
    }

    private static void ReadTable(
        ElfCursor elf, Table table, SymbolLayout layout, Section strings, AddressMap map, Dictionary<ulong, string?> namespaces,
        ImmutableArray<KernelExport>.Builder result, string source)
    {
        var symtab = table.Symtab;
        var count = (int)(symtab.Size / (ulong)layout.EntrySize);
        var crcWidth = table.Crcs is { } c ? CrcWidth(c.Size, (ulong)count, elf.Is64) : 0;
        var flags = table.Flags is { } f ? elf.Slice(f.Offset, f.Size, "section '__kflagstab'") : default;
        for (var i = 0; i < count; i++)
        {
            var nameAddress = Reference(elf, symtab, layout, i, NameField, out var nameField)
                ?? throw new ModuleFormatException(source, Messages.ExportStringOutside("name", symtab.Name, i, 0), (long)nameField);
            var name = ReadString(elf, strings, map, nameAddress, "name", symtab.Name, i, nameField, source);
            if (name.Length == 0)
                throw new ModuleFormatException(source, Messages.ExportNameEmpty(symtab.Name, i), (long)nameField);

            string? ns = null;
            if (layout.Fields > NamespaceField && Reference(elf, symtab, layout, i, NamespaceField, out var nsField) is { } nsAddress)
            {
                if (!namespaces.TryGetValue(nsAddress, out ns))
                {
                    ns = ReadString(elf, strings, map, nsAddress, "namespace", symtab.Name, i, nsField, source);
                    namespaces[nsAddress] = ns = ns.Length == 0 ? null : ns;
                }
            }

            uint? crc = null;
            if (table.Crcs is { } crcs)
            {
                var at = crcs.Offset + ((ulong)i * (ulong)crcWidth);
                crc = crcWidth == ModversionLayout.KcrctabEntrySize ? elf.U32(at, "__kcrctab entry") : (uint)elf.U64(at, "__kcrctab entry");
            }

            var kind = table.Kind;
            if (!flags.IsEmpty && (flags[i] & ModversionLayout.FlagGplOnly) != 0)
                kind = ExportKind.Gpl;
            result.Add(new KernelExport(name, crc, ModuleName, kind, ns));
        }
    }

    /// <summary>
    /// The virtual address a field of entry <paramref name="index"/> refers to, or null for a null reference (a
    /// zero pointer, or a zero offset: 5.4 kernels wrote <c>.long 0</c> for "no namespace").
    /// </summary>
    private static ulong? Reference(ElfCursor elf, Section symtab, SymbolLayout layout, int index, int field, out ulong fieldOffset)
    {
        var within = ((ulong)index * (ulong)layout.EntrySize) + ((ulong)field * (ulong)layout.FieldSize);
        fieldOffset = symtab.Offset + within;
        if (!layout.Prel32)
        {
            var pointer = elf.Word(fieldOffset, "struct kernel_symbol");
            return pointer == 0 ? null : pointer;
        }
        var relative = elf.S32(fieldOffset, "struct kernel_symbol");
        if (relative == 0 && field != NameField)
            return null;
        var target = unchecked(symtab.Address + within + (ulong)(long)relative);
        return elf.Is64 ? target : target & uint.MaxValue;
    }

    /// <summary>The NUL-terminated string at a virtual address; names are nearly always in <c>__ksymtab_strings</c>.</summary>
    private static string ReadString(
        ElfCursor elf, Section strings, AddressMap map, ulong address, string field, string table, int index, ulong fieldOffset, string source)
    {
        var section = strings;
        if (address < strings.Address || address - strings.Address >= strings.Size)
        {
            if (!map.TryFind(address, out section))
                throw new ModuleFormatException(source, Messages.ExportStringOutside(field, table, index, address), (long)fieldOffset);
        }
        var within = address - section.Address;
        var bytes = elf.Slice(section.Offset + within, section.Size - within, $"section '{section.Name}'");
        var end = bytes.IndexOf((byte)0);
        if (end < 0)
            throw new ModuleFormatException(source, Messages.ExportStringUnterminated(field, table, index, section.Name), (long)(section.Offset + within));
        return Encoding.UTF8.GetString(bytes[..end]);
    }
}

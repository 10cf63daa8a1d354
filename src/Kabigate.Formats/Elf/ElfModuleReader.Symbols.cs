using System.Collections.Immutable;
using System.Text;
using Kabigate.Abi;

namespace Kabigate.Formats.Elf;

public static partial class ElfModuleReader
{
    private static ReadOnlySpan<byte> KsymtabPrefix => "__ksymtab_"u8;
    private static ReadOnlySpan<byte> CrcPrefix => "__crc_"u8;
    private static ReadOnlySpan<byte> NamespacePrefix => "__kstrtabns_"u8;

    private readonly record struct Located(int Section, ulong Value);

    private static (ImmutableArray<ModuleImport>, ImmutableArray<ModuleExport>) ReadSymbols(ElfCursor elf, SectionTable sections, string source)
    {
        var symtab = sections.All.FirstOrDefault(s => s.Type == ElfLayout.SectionTypeSymtab);
        if (symtab.Name is null)
            throw new ModuleFormatException(source, "module has no symbols (stripped?)");
        if (!sections.TryGet((int)symtab.Link, out var strtab))
            throw new ModuleFormatException(source, $"symbol table links to missing string table section {symtab.Link}", (long)symtab.Offset);
        var strings = elf.Slice(strtab.Offset, strtab.Size, "symbol string table");
        var entrySize = (ulong)ElfLayout.SymbolSize(elf.Is64);
        if (symtab.Size % entrySize != 0)
            throw new ModuleFormatException(source, $"symbol table size {symtab.Size} is not a multiple of {entrySize}", (long)symtab.Offset);

        var imports = ImmutableArray.CreateBuilder<ModuleImport>();
        var ksymtab = new Dictionary<string, Located>(StringComparer.Ordinal);
        var crcs = new Dictionary<string, uint>(StringComparer.Ordinal);
        var nsSymbols = new Dictionary<string, Located>(StringComparer.Ordinal);
        var count = symtab.Size / entrySize;
        for (ulong i = 1; i < count; i++)
        {
            var at = symtab.Offset + (i * entrySize);
            var nameOffset = elf.U32(at, "symbol");
            byte info;
            ushort shndx;
            ulong value;
            if (elf.Is64)
            {
                info = elf.Slice(at + 4, 1, "symbol")[0];
                shndx = elf.U16(at + 6, "symbol");
                value = elf.U64(at + 8, "symbol");
            }
            else
            {
                value = elf.U32(at + 4, "symbol");
                info = elf.Slice(at + 12, 1, "symbol")[0];
                shndx = elf.U16(at + 14, "symbol");
            }
            if (nameOffset == 0)
                continue;
            var name = NameAt(strings, nameOffset, source, strtab.Offset);
            var bind = (byte)(info >> 4);
            if (shndx == ElfLayout.SectionUndefined)
            {
                if (bind is ElfLayout.BindGlobal or ElfLayout.BindWeak)
                    imports.Add(new ModuleImport(Encoding.UTF8.GetString(name), bind == ElfLayout.BindWeak));
            }
            else if (name.StartsWith(KsymtabPrefix))
            {
                if (sections.TryGet(shndx, out var section) && section.Name.StartsWith("__ksymtab", StringComparison.Ordinal) && section.Name != "__ksymtab_strings")
                    ksymtab.TryAdd(Encoding.UTF8.GetString(name[KsymtabPrefix.Length..]), new Located(shndx, value));
            }
            else if (name.StartsWith(CrcPrefix))
            {
                crcs.TryAdd(Encoding.UTF8.GetString(name[CrcPrefix.Length..]), ResolveCrc(elf, sections, shndx, value, source));
            }
            else if (name.StartsWith(NamespacePrefix))
            {
                nsSymbols.TryAdd(Encoding.UTF8.GetString(name[NamespacePrefix.Length..]), new Located(shndx, value));
            }
        }

        var exports = BuildExports(elf, sections, symtab, strings, strtab, ksymtab, crcs, nsSymbols, source);
        return (imports.ToImmutable(), exports);
    }

    private static ReadOnlySpan<byte> NameAt(ReadOnlySpan<byte> strings, uint offset, string source, ulong tableOffset)
    {
        if (offset >= strings.Length)
            throw new ModuleFormatException(source, $"symbol name offset {offset} lies outside the string table ({strings.Length} bytes)", (long)tableOffset);
        var rest = strings[(int)offset..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
            throw new ModuleFormatException(source, $"symbol name at offset {offset} is not NUL-terminated", (long)(tableOffset + offset));
        return rest[..end];
    }

    /// <summary>kmod_elf_resolve_crc: an absolute symbol holds the CRC itself; otherwise it is a u32 in its section.</summary>
    private static uint ResolveCrc(ElfCursor elf, SectionTable sections, ushort shndx, ulong value, string source)
    {
        if (shndx == ElfLayout.SectionAbsolute)
            return (uint)value;
        if (!sections.TryGet(shndx, out var section) || value + 4 > section.Size || value + 4 < value)
            throw new ModuleFormatException(source, $"CRC symbol points outside its section (index {shndx}, offset 0x{value:x})");
        return elf.U32(section.Offset + value, "CRC");
    }

    private static ImmutableArray<ModuleExport> BuildExports(
        ElfCursor elf, SectionTable sections, Section symtab, ReadOnlySpan<byte> strings, Section strtab,
        Dictionary<string, Located> ksymtab, Dictionary<string, uint> crcs, Dictionary<string, Located> nsSymbols, string source)
    {
        if (ksymtab.Count == 0)
            return [];
        var entriesPerSection = ksymtab.Values.GroupBy(l => l.Section).ToDictionary(g => g.Key, g => g.Count());
        sections.TryGet("__kflagstab", out var flagstab);
        var relocations = new Dictionary<int, Dictionary<ulong, (uint Symbol, long Addend)>>();
        var result = ImmutableArray.CreateBuilder<ModuleExport>(ksymtab.Count);
        foreach (var (symbol, location) in ksymtab.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sections.TryGet(location.Section, out var section);
            var entrySize = section.Size / (ulong)entriesPerSection[location.Section];
            var kind = section.Name switch
            {
                "__ksymtab_gpl" => ExportKind.Gpl,
                "__ksymtab_gpl_future" => ExportKind.GplFuture,
                "__ksymtab_unused" => ExportKind.Unused,
                "__ksymtab_unused_gpl" => ExportKind.UnusedGpl,
                _ => ExportKind.Plain,
            };
            if (kind == ExportKind.Plain && flagstab.Name is not null && entrySize > 0)
            {
                // Newest kernels: one __ksymtab and a flag byte per entry in __kflagstab.
                var index = location.Value / entrySize;
                if (index < flagstab.Size && (elf.Slice(flagstab.Offset + index, 1, "__kflagstab")[0] & ModversionLayout.FlagGplOnly) != 0)
                    kind = ExportKind.Gpl;
            }

            string? ns = null;
            if (nsSymbols.TryGetValue(symbol, out var nsLocation))
                ns = StringInSection(elf, sections, nsLocation.Section, nsLocation.Value, source);
            else if (entrySize % 3 == 0 && entrySize > 0)
                ns = NamespaceFromRelocation(elf, sections, symtab, relocations, location, entrySize / 3, source);
            result.Add(new ModuleExport(symbol, crcs.TryGetValue(symbol, out var crc) ? crc : null, kind, string.IsNullOrEmpty(ns) ? null : ns));
        }
        return result.MoveToImmutable();
    }

    /// <summary>
    /// Since the export rework (6.5) the namespace is only reachable through the relocation of the third
    /// field of struct kernel_symbol: follow it to the string it names.
    /// </summary>
    private static string? NamespaceFromRelocation(
        ElfCursor elf, SectionTable sections, Section symtab, Dictionary<int, Dictionary<ulong, (uint Symbol, long Addend)>> cache,
        Located entry, ulong fieldSize, string source)
    {
        if (!cache.TryGetValue(entry.Section, out var relocs))
            cache[entry.Section] = relocs = ReadRelocations(elf, sections, entry.Section, fieldSize, source);
        if (!relocs.TryGetValue(entry.Value + (2 * fieldSize), out var reloc))
            return null;
        var symbolSize = (ulong)ElfLayout.SymbolSize(elf.Is64);
        if (reloc.Symbol == 0 || (reloc.Symbol + 1UL) * symbolSize > symtab.Size)
            return null;
        var at = symtab.Offset + (reloc.Symbol * symbolSize);
        var shndx = elf.U16(at + (elf.Is64 ? 6UL : 14UL), "symbol");
        var value = elf.Is64 ? elf.U64(at + 8, "symbol") : elf.U32(at + 4, "symbol");
        return StringInSection(elf, sections, shndx, (ulong)((long)value + reloc.Addend), source);
    }

    private static Dictionary<ulong, (uint Symbol, long Addend)> ReadRelocations(ElfCursor elf, SectionTable sections, int target, ulong fieldSize, string source)
    {
        var result = new Dictionary<ulong, (uint, long)>();
        foreach (var section in sections.All)
        {
            if (section.Info != target || section.Type is not (ElfLayout.SectionTypeRela or ElfLayout.SectionTypeRel))
                continue;
            var withAddend = section.Type == ElfLayout.SectionTypeRela;
            var size = (ulong)ElfLayout.RelocationSize(elf.Is64, withAddend);
            var a = (ulong)ElfLayout.Addr(elf.Is64);
            for (var at = section.Offset; at + size <= section.Offset + section.Size; at += size)
            {
                var offset = elf.Word(at, "relocation");
                var info = elf.Word(at + a, "relocation");
                var symbol = elf.Is64 ? (uint)(info >> 32) : (uint)(info >> 8);
                long addend;
                if (withAddend)
                    addend = elf.Is64 ? (long)elf.U64(at + a + a, "relocation") : elf.S32(at + a + a, "relocation");
                else if (sections.TryGet(target, out var place) && offset + fieldSize <= place.Size)
                    addend = fieldSize == 4 ? elf.S32(place.Offset + offset, "relocation addend") : (long)elf.Word(place.Offset + offset, "relocation addend");
                else
                    throw new ModuleFormatException(source, $"relocation at 0x{offset:x} lies outside section '{place.Name}'", (long)at);
                result.TryAdd(offset, (symbol, addend));
            }
        }
        return result;
    }

    private static string? StringInSection(ElfCursor elf, SectionTable sections, int index, ulong offset, string source)
    {
        if (!sections.TryGet(index, out var section) || section.Type == ElfLayout.SectionTypeNoBits)
            return null;
        var bytes = elf.Slice(section.Offset, section.Size, $"section '{section.Name}'");
        return CString(bytes, offset, source, $"section '{section.Name}'", section.Offset);
    }
}

using System.Collections.Immutable;
using System.Text;
using Kabigate.Abi;

namespace Kabigate.Formats.Elf;

/// <summary>
/// Reads a kernel module (<c>.ko</c>) ELF image: <c>.modinfo</c>, <c>__versions</c> and the extended version
/// tables, exports (<c>__ksymtab*</c>, <c>__kcrctab*</c>/<c>__crc_*</c>, <c>__kstrtabns_*</c> or relocated
/// namespace fields, <c>__kflagstab</c>), undefined symbols, and whether a signature is appended.
/// ELF32 and ELF64, either byte order. Absent sections give empty results; malformed ones throw.
/// </summary>
public static partial class ElfModuleReader
{
    /// <summary>The section holding the module's <c>struct module __this_module</c>.</summary>
    private const string ThisModuleSection = ".gnu.linkonce.this_module";

    /// <summary>Whether the bytes start like an ELF file.</summary>
    public static bool IsElf(ReadOnlySpan<byte> head) => head.StartsWith(ElfLayout.Magic);

    /// <summary>Reads a module from an uncompressed ELF image.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="sourceName">The path shown in messages and stored as <see cref="ModuleImage.Path"/>.</param>
    /// <returns>The module.</returns>
    /// <exception cref="ModuleFormatException">The image is not ELF or is malformed.</exception>
    public static ModuleImage Read(ReadOnlySpan<byte> data, string sourceName)
    {
        if (data.Length < ElfLayout.IdentSize || !IsElf(data))
            throw new ModuleFormatException(sourceName, "not an ELF file (bad magic)", 0);
        var elfClass = data[ElfLayout.ClassIndex];
        var elfData = data[ElfLayout.DataIndex];
        if (elfClass is not (ElfLayout.Class32 or ElfLayout.Class64))
            throw new ModuleFormatException(sourceName, $"unsupported ELF class {elfClass}", ElfLayout.ClassIndex);
        if (elfData is not (ElfLayout.DataLsb or ElfLayout.DataMsb))
            throw new ModuleFormatException(sourceName, $"unsupported ELF data encoding {elfData}", ElfLayout.DataIndex);
        var elf = new ElfCursor(data, sourceName, elfClass == ElfLayout.Class64, elfData == ElfLayout.DataMsb);
        var sections = ReadSections(elf, sourceName);
        var machine = elf.U16(ElfLayout.MachineOffset, "e_machine");

        var modinfo = ReadModinfo(elf, sections, sourceName);
        var basic = ReadBasicVersions(elf, sections, sourceName);
        var extended = ReadExtendedVersions(elf, sections, sourceName);
        var (imports, exports) = ReadSymbols(elf, sections, sourceName);

        var tables = (basic is null ? ModversionTables.None : ModversionTables.Basic) | (extended is null ? ModversionTables.None : ModversionTables.Extended);
        var name = modinfo.FirstOrDefault(p => p.Key == "name").Value;
        return new ModuleImage
        {
            Path = sourceName,
            Name = ModuleNames.Normalize(string.IsNullOrEmpty(name) ? sourceName : name),
            Elf = new ElfIdentity(elf.Is64, elf.BigEndian, machine),
            Modinfo = modinfo,
            Imports = imports,
            Exports = exports,
            BasicVersions = basic ?? [],
            ExtendedVersions = extended ?? [],
            VersionTables = tables,
            Signed = data.EndsWith(ModversionLayout.SignatureMarker),
            ThisModuleSize = sections.TryGet(ThisModuleSection, out var thisModule) && thisModule.Type != ElfLayout.SectionTypeNoBits ? thisModule.Size : null,
            Btf = ReadBtf(elf, sections, sourceName),
            Signature = ModuleSignatureReader.Read(data),
            ExportFlagsTable = sections.TryGet("__kflagstab", out _),
        };
    }

    /// <summary>
    /// The module's split BTF. A malformed one does not make the module unreadable (the loader reads BTF last and
    /// only warns or refuses): it gets facts no kernel's BTF can satisfy, as the kernel's parse of it fails.
    /// </summary>
    private static BtfFacts? ReadBtf(ElfCursor elf, SectionTable sections, string source)
    {
        if (!sections.TryGet(".BTF", out var section) || section.Type == ElfLayout.SectionTypeNoBits)
            return null;
        try
        {
            return BtfReader.Read(elf.Slice(section.Offset, section.Size, "section '.BTF'"), source).Facts;
        }
        catch (ModuleFormatException)
        {
            return new BtfFacts(0, 0, uint.MaxValue, uint.MaxValue, null);
        }
    }

    private static ImmutableArray<KeyValuePair<string, string>> ReadModinfo(ElfCursor elf, SectionTable sections, string source)
    {
        if (!sections.TryGet(".modinfo", out var section))
            return [];
        var bytes = elf.Slice(section.Offset, section.Size, "section '.modinfo'");
        if (bytes.Length > 0 && bytes[^1] != 0)
            throw new ModuleFormatException(source, "section '.modinfo' is not NUL-terminated", (long)(section.Offset + section.Size - 1));
        var result = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        while (bytes.Length > 0)
        {
            var end = bytes.IndexOf((byte)0);
            var entry = bytes[..end];
            bytes = bytes[(end + 1)..];
            if (entry.IsEmpty)
                continue; // alignment padding between entries
            var eq = entry.IndexOf((byte)'=');
            if (eq < 0)
                continue; // the kernel's get_modinfo skips entries without '=' as well
            result.Add(new(Encoding.UTF8.GetString(entry[..eq]), Encoding.UTF8.GetString(entry[(eq + 1)..])));
        }
        return result.ToImmutable();
    }

    private static ImmutableArray<SymbolVersion>? ReadBasicVersions(ElfCursor elf, SectionTable sections, string source)
    {
        if (!sections.TryGet("__versions", out var section))
            return null;
        var entrySize = (ulong)ModversionLayout.EntrySize;
        if (section.Size % entrySize != 0)
            throw new ModuleFormatException(source, $"section '__versions' size {section.Size} is not a multiple of {entrySize}", (long)section.Offset);
        var crcSize = (ulong)ModversionLayout.CrcSize(elf.Is64);
        var result = ImmutableArray.CreateBuilder<SymbolVersion>((int)(section.Size / entrySize));
        for (var offset = section.Offset; offset < section.Offset + section.Size; offset += entrySize)
        {
            // Only the low 32 bits of the CRC are meaningful (the loader compares them as u32).
            var crc = (uint)(elf.Is64 ? elf.U64(offset, "__versions entry") : elf.U32(offset, "__versions entry"));
            var nameField = elf.Slice(offset + crcSize, entrySize - crcSize, "__versions entry");
            var end = nameField.IndexOf((byte)0);
            if (end < 0)
                throw new ModuleFormatException(source, "__versions entry name is not NUL-terminated", (long)offset);
            result.Add(new SymbolVersion(SymbolName(nameField[..end]), crc));
        }
        return result.MoveToImmutable();
    }

    /// <summary>
    /// The extended version tables as elf_validity_cache_index_versions (kernel/module/main.c, 6.14+) validates
    /// them: both or neither, and a name for every CRC (the count is the CRC section's size / 4; trailing bytes and
    /// spare names are ignored, as there). A 6.14+ kernel refuses a module failing either check with -ENOEXEC;
    /// such a module is malformed here.
    /// </summary>
    private static ImmutableArray<SymbolVersion>? ReadExtendedVersions(ElfCursor elf, SectionTable sections, string source)
    {
        var hasCrcs = sections.TryGet("__version_ext_crcs", out var crcs);
        var hasNames = sections.TryGet("__version_ext_names", out var names);
        if (!hasCrcs && !hasNames)
            return null;
        if (hasCrcs != hasNames)
            throw new ModuleFormatException(source, $"section '{(hasCrcs ? "__version_ext_crcs" : "__version_ext_names")}' without '{(hasCrcs ? "__version_ext_names" : "__version_ext_crcs")}': extended version crc+name presence does not match (the loader refuses it, -ENOEXEC)");
        var nameBytes = elf.Slice(names.Offset, names.Size, "section '__version_ext_names'");
        var count = (int)Math.Min(crcs.Size / ModversionLayout.ExtendedCrcSize, int.MaxValue);
        if ((ulong)count > names.Size)
            throw new ModuleFormatException(source, $"more extended version crcs than names ({count} CRCs, {names.Size} bytes of names; the loader refuses it, -ENOEXEC)", (long)names.Offset);
        var result = ImmutableArray.CreateBuilder<SymbolVersion>(count);
        for (var i = 0; i < count; i++)
        {
            var end = nameBytes.IndexOf((byte)0);
            if (end < 0)
                throw new ModuleFormatException(source, $"more extended version crcs than names ({count} CRCs, {i} names; the loader refuses it, -ENOEXEC)", (long)names.Offset);
            var crc = elf.U32(crcs.Offset + ((ulong)i * ModversionLayout.ExtendedCrcSize), "__version_ext_crcs entry");
            result.Add(new SymbolVersion(SymbolName(nameBytes[..end]), crc));
            nameBytes = nameBytes[(end + 1)..];
        }
        return result.MoveToImmutable();
    }

    /// <summary>modversions names of ppc64 dot-symbols drop the dot, as kmod and the loader do.</summary>
    private static string SymbolName(ReadOnlySpan<byte> name) =>
        Encoding.UTF8.GetString(name.Length > 0 && name[0] == (byte)'.' ? name[1..] : name);
}

using System.Text;

namespace Kabigate.Formats.Elf;

/// <summary>One section header, validated to lie inside the file.</summary>
/// <remarks><see cref="Address"/> and <see cref="Flags"/> matter in linked images (vmlinux), where references are virtual addresses.</remarks>
internal readonly record struct Section(int Index, string Name, uint Type, ulong Offset, ulong Size, uint Link, uint Info, ulong EntrySize, ulong Address, ulong Flags);

/// <summary>The validated section headers, by index and by name (first of a name wins).</summary>
internal sealed class SectionTable
{
    private readonly Section[] sections;
    private readonly Dictionary<string, Section> _byName;

    public SectionTable(Section[] sections)
    {
        this.sections = sections;
        _byName = new Dictionary<string, Section>(sections.Length, StringComparer.Ordinal);
        foreach (var section in sections)
            _byName.TryAdd(section.Name, section);
    }

    public IReadOnlyList<Section> All => sections;

    public bool TryGet(string name, out Section section) => _byName.TryGetValue(name, out section);

    public bool TryGet(int index, out Section section)
    {
        if (index > 0 && index < sections.Length)
        {
            section = sections[index];
            return true;
        }
        section = default;
        return false;
    }
}

public static partial class ElfModuleReader
{
    private const int MaxSections = 1 << 20;

    internal static SectionTable ReadSections(ElfCursor elf, string source)
    {
        var headerSize = ElfLayout.HeaderSize(elf.Is64);
        if (elf.Length < headerSize)
            throw new ModuleFormatException(source, $"truncated ELF header ({elf.Length} bytes, need {headerSize})", elf.Length);
        var shoff = elf.Word((ulong)ElfLayout.ShOffOffset(elf.Is64), "e_shoff");
        var entsizeOffset = (ulong)ElfLayout.ShEntSizeOffset(elf.Is64);
        var shentsize = elf.U16(entsizeOffset, "e_shentsize");
        int shnum = elf.U16(entsizeOffset + 2, "e_shnum");
        int shstrndx = elf.U16(entsizeOffset + 4, "e_shstrndx");
        var expected = ElfLayout.SectionHeaderSize(elf.Is64);
        if (shoff == 0)
            throw new ModuleFormatException(source, "no section headers (e_shoff is 0)", ElfLayout.ShOffOffset(elf.Is64));
        if (shentsize != expected)
            throw new ModuleFormatException(source, $"e_shentsize is {shentsize}, expected {expected}", (long)entsizeOffset);

        // Extended numbering: counts that do not fit 16 bits live in section header 0.
        var first = ReadSectionHeader(elf, shoff, 0, "(null)");
        if (shnum == 0)
            shnum = (int)Math.Min(first.Size, MaxSections + 1UL);
        if (shstrndx == ElfLayout.SectionExtended)
            shstrndx = (int)first.Link;
        if (shnum > MaxSections)
            throw new ModuleFormatException(source, $"implausible section count {shnum}", (long)entsizeOffset + 2);
        elf.Slice(shoff, (ulong)shnum * shentsize, "section header table");
        if (shstrndx <= 0 || shstrndx >= shnum)
            throw new ModuleFormatException(source, $"section name table index {shstrndx} is out of range (0..{shnum - 1})", (long)entsizeOffset + 4);

        var names = ReadSectionHeader(elf, shoff, shstrndx, ".shstrtab");
        var nameTable = elf.Slice(names.Offset, names.Size, "section name table");
        var sections = new Section[shnum];
        for (var i = 0; i < shnum; i++)
        {
            var nameOffset = elf.U32(shoff + ((ulong)i * shentsize), "section header");
            var name = i == 0 ? "" : CString(nameTable, nameOffset, source, "section name table", names.Offset);
            var section = ReadSectionHeader(elf, shoff, i, name);
            if (section.Type != ElfLayout.SectionTypeNoBits)
                elf.Slice(section.Offset, section.Size, $"section '{name}'");
            sections[i] = section;
        }
        return new SectionTable(sections);
    }

    private static Section ReadSectionHeader(ElfCursor elf, ulong shoff, int index, string name)
    {
        var a = (ulong)ElfLayout.Addr(elf.Is64);
        var at = shoff + ((ulong)index * (ulong)ElfLayout.SectionHeaderSize(elf.Is64));
        var type = elf.U32(at + 4, "section header");
        var flags = elf.Word(at + 8, "section header");
        var address = elf.Word(at + 8 + a, "section header");
        var offsetField = at + 8 + a + a; // after sh_name, sh_type, sh_flags, sh_addr
        var offset = elf.Word(offsetField, "section header");
        var size = elf.Word(offsetField + a, "section header");
        var link = elf.U32(offsetField + a + a, "section header");
        var info = elf.U32(offsetField + a + a + 4, "section header");
        var entsize = elf.Word(offsetField + a + a + 4 + 4 + a, "section header");
        return new Section(index, name, type, offset, size, link, info, entsize, address, flags);
    }

    /// <summary>A NUL-terminated string inside a table; running off its end is malformed.</summary>
    internal static string CString(ReadOnlySpan<byte> table, ulong offset, string source, string what, ulong tableFileOffset)
    {
        if (offset >= (ulong)table.Length)
            throw new ModuleFormatException(source, $"string offset {offset} lies outside the {what} ({table.Length} bytes)", (long)tableFileOffset);
        var rest = table[(int)offset..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
            throw new ModuleFormatException(source, $"string at offset {offset} of the {what} is not NUL-terminated", (long)(tableFileOffset + offset));
        return Encoding.UTF8.GetString(rest[..end]);
    }
}

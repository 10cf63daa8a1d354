using System.Buffers.Binary;
using System.Text;

namespace Kabigate.Tests.Support;

/// <summary>
/// Writes small relocatable ELF kernel modules for the odd cases real kbuild output does not cover here
/// (ELF32, big endian, extended modversions, corrupt headers). Exports are laid out as 6.1 kernels do:
/// <c>__ksymtab[_gpl]</c> entries with <c>__ksymtab_X</c>, <c>__crc_X</c> in <c>__kcrctab[_gpl]</c> and <c>__kstrtabns_X</c>.
/// </summary>
internal sealed class ElfBuilder
{
    public bool Is64 { get; init; } = true;
    public bool BigEndian { get; init; }
    public ushort Machine { get; init; } = 62;
    public List<(string Key, string Value)> Modinfo { get; init; } = [];
    public List<(string Name, uint Crc)>? Versions { get; init; }
    public List<(string Name, uint Crc)>? ExtendedVersions { get; init; }
    public List<(string Name, bool Weak)> Undefined { get; init; } = [];
    public List<(string Name, uint Crc, bool Gpl, string? Namespace)> Exports { get; init; } = [];
    public bool Signed { get; init; }

    /// <summary>
    /// Lay exports out as kernels since the 6.5 export rework do: one <c>__ksymtab</c>, no <c>__kstrtabns_*</c>
    /// symbols (the namespace is reachable only through the relocation of each entry's third field), and
    /// GPL-only-ness in <c>__kflagstab</c>. 64-bit only.
    /// </summary>
    public bool ModernExports { get; init; }

    private sealed record Sec(string Name, uint Type, byte[] Data, uint Link = 0, uint Info = 0, ulong EntSize = 0);

    private sealed record Sym(string Name, byte Info, ushort Shndx, ulong Value);

    public byte[] Build()
    {
        var sections = new List<Sec> { new("", 0, []) };
        int Add(Sec s)
        {
            sections.Add(s);
            return sections.Count - 1;
        }

        if (Modinfo.Count > 0)
            Add(new Sec(".modinfo", 1, Encoding.ASCII.GetBytes(string.Concat(Modinfo.Select(p => $"{p.Key}={p.Value}\0")))));
        if (Versions is not null)
            Add(new Sec("__versions", 1, VersionsBytes(Versions)));
        if (ExtendedVersions is not null)
        {
            var crcs = new byte[ExtendedVersions.Count * 4];
            for (var i = 0; i < ExtendedVersions.Count; i++)
                U32(crcs, i * 4, ExtendedVersions[i].Crc);
            Add(new Sec("__version_ext_crcs", 1, crcs));
            Add(new Sec("__version_ext_names", 1, Encoding.ASCII.GetBytes(string.Concat(ExtendedVersions.Select(v => v.Name + "\0")))));
        }

        var symbols = new List<Sym>();
        foreach (var (name, weak) in Undefined)
            symbols.Add(new Sym(name, (byte)((weak ? 2 : 1) << 4), 0, 0));
        if (Exports.Count > 0 && ModernExports)
            LayModernExports(sections, symbols, Add);
        else if (Exports.Count > 0)
        {
            var strings = new MemoryStream();
            var stringsIndex = sections.Count + 4; // ksymtab, ksymtab_gpl, kcrctab, kcrctab_gpl come first
            var plain = Exports.Where(e => !e.Gpl).ToList();
            var gpl = Exports.Where(e => e.Gpl).ToList();
            var ksymtab = Add(new Sec("__ksymtab", 1, new byte[plain.Count * 12]));
            var ksymtabGpl = Add(new Sec("__ksymtab_gpl", 1, new byte[gpl.Count * 12]));
            var crcPlain = new byte[plain.Count * 4];
            var crcGpl = new byte[gpl.Count * 4];
            var kcrctab = Add(new Sec("__kcrctab", 1, crcPlain));
            var kcrctabGpl = Add(new Sec("__kcrctab_gpl", 1, crcGpl));
            void Lay(List<(string Name, uint Crc, bool Gpl, string? Namespace)> list, int symtabSection, int crcSection, byte[] crcBytes)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    var e = list[i];
                    symbols.Add(new Sym("__ksymtab_" + e.Name, 0, (ushort)symtabSection, (ulong)(i * 12)));
                    U32(crcBytes, i * 4, e.Crc);
                    symbols.Add(new Sym("__crc_" + e.Name, 0, (ushort)crcSection, (ulong)(i * 4)));
                    symbols.Add(new Sym("__kstrtab_" + e.Name, 0, (ushort)stringsIndex, (ulong)strings.Length));
                    strings.Write(Encoding.ASCII.GetBytes(e.Name + "\0"));
                    symbols.Add(new Sym("__kstrtabns_" + e.Name, 0, (ushort)stringsIndex, (ulong)strings.Length));
                    strings.Write(Encoding.ASCII.GetBytes((e.Namespace ?? "") + "\0"));
                }
            }
            Lay(plain, ksymtab, kcrctab, crcPlain);
            Lay(gpl, ksymtabGpl, kcrctabGpl, crcGpl);
            Add(new Sec("__ksymtab_strings", 1, strings.ToArray()));
        }

        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        var symEntSize = Is64 ? 24 : 16;
        var symtabBytes = new byte[(symbols.Count + 1) * symEntSize];
        for (var i = 0; i < symbols.Count; i++)
        {
            var s = symbols[i];
            var at = (i + 1) * symEntSize;
            var nameOffset = (uint)strtab.Length;
            strtab.Write(Encoding.ASCII.GetBytes(s.Name + "\0"));
            U32(symtabBytes, at, nameOffset);
            if (Is64)
            {
                symtabBytes[at + 4] = s.Info;
                U16(symtabBytes, at + 6, s.Shndx);
                U64(symtabBytes, at + 8, s.Value);
            }
            else
            {
                U32(symtabBytes, at + 4, (uint)s.Value);
                symtabBytes[at + 12] = s.Info;
                U16(symtabBytes, at + 14, s.Shndx);
            }
        }
        var strtabIndex = sections.Count + 1;
        Add(new Sec(".symtab", 2, symtabBytes, (uint)strtabIndex, 0, (ulong)symEntSize));
        Add(new Sec(".strtab", 3, strtab.ToArray()));

        var shstrtab = new MemoryStream();
        shstrtab.WriteByte(0);
        var nameOffsets = new List<uint>();
        foreach (var s in sections)
        {
            if (s.Name.Length == 0)
            {
                nameOffsets.Add(0);
                continue;
            }
            nameOffsets.Add((uint)shstrtab.Length);
            shstrtab.Write(Encoding.ASCII.GetBytes(s.Name + "\0"));
        }
        nameOffsets.Add((uint)shstrtab.Length);
        shstrtab.Write(".shstrtab\0"u8);
        Add(new Sec(".shstrtab", 3, shstrtab.ToArray()));

        var headerSize = Is64 ? 64 : 52;
        var shentsize = Is64 ? 64 : 40;
        var body = new MemoryStream();
        body.Write(new byte[headerSize]);
        var offsets = new List<long>();
        foreach (var s in sections)
        {
            while (body.Length % 8 != 0)
                body.WriteByte(0);
            offsets.Add(body.Length);
            body.Write(s.Data);
        }
        while (body.Length % 8 != 0)
            body.WriteByte(0);
        var shoff = body.Length;
        var table = new byte[sections.Count * shentsize];
        for (var i = 0; i < sections.Count; i++)
        {
            var s = sections[i];
            var at = i * shentsize;
            U32(table, at, nameOffsets[i]);
            U32(table, at + 4, s.Type);
            if (Is64)
            {
                U64(table, at + 24, i == 0 ? 0 : (ulong)offsets[i]);
                U64(table, at + 32, (ulong)s.Data.Length);
                U32(table, at + 40, s.Link);
                U32(table, at + 44, s.Info);
                U64(table, at + 56, s.EntSize);
            }
            else
            {
                U32(table, at + 16, i == 0 ? 0 : (uint)offsets[i]);
                U32(table, at + 20, (uint)s.Data.Length);
                U32(table, at + 24, s.Link);
                U32(table, at + 28, s.Info);
                U32(table, at + 36, (uint)s.EntSize);
            }
        }
        body.Write(table);
        if (Signed)
            body.Write("\0\0\0\0signature-bytes~Module signature appended~\n"u8);

        var image = body.ToArray();
        image[0] = 0x7f;
        image[1] = (byte)'E';
        image[2] = (byte)'L';
        image[3] = (byte)'F';
        image[4] = (byte)(Is64 ? 2 : 1);
        image[5] = (byte)(BigEndian ? 2 : 1);
        image[6] = 1;
        U16(image, 16, 1); // ET_REL
        U16(image, 18, Machine);
        U32(image, 20, 1);
        if (Is64)
        {
            U64(image, 40, (ulong)shoff);
            U16(image, 52, (ushort)headerSize);
            U16(image, 58, (ushort)shentsize);
            U16(image, 60, (ushort)sections.Count);
            U16(image, 62, (ushort)(sections.Count - 1));
        }
        else
        {
            U32(image, 32, (uint)shoff);
            U16(image, 40, (ushort)headerSize);
            U16(image, 46, (ushort)shentsize);
            U16(image, 48, (ushort)sections.Count);
            U16(image, 50, (ushort)(sections.Count - 1));
        }
        return image;
    }

    private void LayModernExports(List<Sec> sections, List<Sym> symbols, Func<Sec, int> add)
    {
        var sorted = Exports.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        var strings = new MemoryStream();
        var nameOffsets = new List<long>();
        var nsOffsets = new List<long>();
        foreach (var e in sorted)
        {
            nameOffsets.Add(strings.Length);
            strings.Write(Encoding.ASCII.GetBytes(e.Name + "\0"));
            nsOffsets.Add(strings.Length);
            strings.Write(Encoding.ASCII.GetBytes((e.Namespace ?? "") + "\0"));
        }
        var ksymtab = add(new Sec("__ksymtab", 1, new byte[sorted.Count * 12]));
        var crcs = new byte[sorted.Count * 4];
        var kcrctab = add(new Sec("__kcrctab", 1, crcs));
        var flags = sorted.Select(e => (byte)(e.Gpl ? 1 : 0)).ToArray();
        add(new Sec("__kflagstab", 1, flags));
        var stringsIndex = add(new Sec("__ksymtab_strings", 1, strings.ToArray()));
        symbols.Add(new Sym("", 3, (ushort)stringsIndex, 0)); // STT_SECTION symbol the relocations point at
        var sectionSymbol = (ulong)symbols.Count;
        var rela = new byte[sorted.Count * 2 * 24];
        for (var i = 0; i < sorted.Count; i++)
        {
            symbols.Add(new Sym("__ksymtab_" + sorted[i].Name, 0, (ushort)ksymtab, (ulong)(i * 12)));
            U32(crcs, i * 4, sorted[i].Crc);
            symbols.Add(new Sym("__crc_" + sorted[i].Name, 0, (ushort)kcrctab, (ulong)(i * 4)));
            for (var field = 1; field <= 2; field++)
            {
                var at = ((i * 2) + field - 1) * 24;
                U64(rela, at, (ulong)((i * 12) + (field * 4)));
                U64(rela, at + 8, (sectionSymbol << 32) | 2); // R_X86_64_PC32
                U64(rela, at + 16, (ulong)(field == 1 ? nameOffsets[i] : nsOffsets[i]));
            }
        }
        add(new Sec(".rela__ksymtab", 4, rela, 0, (uint)ksymtab, 24));
    }

    /// <summary>The byte offset of the section header table's e_shoff field, for corruption tests.</summary>
    public int ShOffFieldOffset => Is64 ? 40 : 32;

    private byte[] VersionsBytes(List<(string Name, uint Crc)> versions)
    {
        var bytes = new byte[versions.Count * 64];
        for (var i = 0; i < versions.Count; i++)
        {
            if (Is64)
                U64(bytes, i * 64, versions[i].Crc);
            else
                U32(bytes, i * 64, versions[i].Crc);
            Encoding.ASCII.GetBytes(versions[i].Name).CopyTo(bytes, (i * 64) + (Is64 ? 8 : 4));
        }
        return bytes;
    }

    private void U16(byte[] b, int at, ushort v) => new EndianWriter(BigEndian).U16(b, at, v);

    private void U32(byte[] b, int at, uint v) => new EndianWriter(BigEndian).U32(b, at, v);

    private void U64(byte[] b, int at, ulong v) => new EndianWriter(BigEndian).U64(b, at, v);
}

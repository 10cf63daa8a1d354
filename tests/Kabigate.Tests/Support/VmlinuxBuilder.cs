using System.Buffers.Binary;
using System.Text;

namespace Kabigate.Tests.Support;

/// <summary>
/// Writes a small linked kernel image (ET_EXEC, symbols stripped, sections kept, as <c>objcopy -S</c> leaves
/// vmlinux.bin) whose exports are laid out as the kernel lays out its own: sorted <c>struct kernel_symbol</c> arrays in
/// <c>__ksymtab</c>/<c>__ksymtab_gpl</c> with references that are virtual addresses, parallel <c>__kcrctab</c> arrays,
/// and names in <c>__ksymtab_strings</c>.
/// </summary>
internal sealed class VmlinuxBuilder
{
    public bool Is64 { get; init; } = true;
    public bool BigEndian { get; init; }
    public ushort Machine { get; init; } = 62;
    public ushort Type { get; init; } = 2;

    /// <summary>32-bit place-relative fields (since 4.19 on PREL32 architectures), else absolute pointers.</summary>
    public bool Prel32 { get; init; } = true;

    /// <summary>The namespace field (since 5.4); without it entries have two fields.</summary>
    public bool NamespaceField { get; init; } = true;

    /// <summary>5.4's <c>.long 0</c> for "no namespace" rather than a reference to an empty string.</summary>
    public bool ZeroForNoNamespace { get; init; }

    /// <summary>Whether <c>__kcrctab*</c> exist (CONFIG_MODVERSIONS).</summary>
    public bool Crcs { get; init; } = true;

    /// <summary>Kernels before 4.10 stored each CRC as an unsigned long (8 bytes on 64-bit).</summary>
    public bool WideCrcs { get; init; }

    /// <summary>Newest kernels: one <c>__ksymtab</c> and a <c>__kflagstab</c> byte per entry.</summary>
    public bool Flagstab { get; init; }

    /// <summary>Bytes appended to <c>__kflagstab</c>, to make it disagree with <c>__ksymtab</c>.</summary>
    public int ExtraFlagBytes { get; init; }

    public List<(string Name, uint Crc, bool Gpl, string? Namespace)> Exports { get; init; } = [];

    /// <summary>Bytes after the ELF (vmlinux.bin.all appends the relocations).</summary>
    public byte[] Trailer { get; init; } = [];

    /// <summary>After <see cref="Build"/>: each section's file offset, by name.</summary>
    public Dictionary<string, int> SectionOffsets { get; } = new(StringComparer.Ordinal);

    private ulong Base => Is64 ? 0xffffffff81000000UL : 0xc1000000UL;
    private int Pointer => Is64 ? 8 : 4;
    private int FieldSize => Prel32 ? 4 : Pointer;
    public int EntrySize => FieldSize * (NamespaceField ? 3 : 2);

    private sealed record Sec(string Name, byte[] Data, bool Alloc = true, uint Type = 1);

    /// <summary>The file offset of field <paramref name="field"/> (0 value, 1 name, 2 namespace) of an entry.</summary>
    public int FieldOffset(string section, int index, int field) => SectionOffsets[section] + (index * EntrySize) + (field * FieldSize);

    public byte[] Build()
    {
        var sorted = Exports.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        List<(string Symtab, string Crctab, List<(string Name, uint Crc, bool Gpl, string? Namespace)> List)> tables = Flagstab
            ? [("__ksymtab", "__kcrctab", sorted)]
            : [("__ksymtab", "__kcrctab", [.. sorted.Where(e => !e.Gpl)]), ("__ksymtab_gpl", "__kcrctab_gpl", [.. sorted.Where(e => e.Gpl)])];

        // Strings first, so their addresses are known; names and namespaces as the kernel writes them.
        var strings = new MemoryStream();
        var nameAt = new Dictionary<string, long>(StringComparer.Ordinal);
        var nsAt = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in Exports)
        {
            nameAt[e.Name] = strings.Length;
            strings.Write(Encoding.ASCII.GetBytes(e.Name + "\0"));
            nsAt[e.Name] = strings.Length;
            strings.Write(Encoding.ASCII.GetBytes((e.Namespace ?? "") + "\0"));
        }

        var sections = new List<Sec> { new(".text", new byte[256]) };
        foreach (var (symtab, _, list) in tables)
            sections.Add(new Sec(symtab, new byte[list.Count * EntrySize]));
        if (Crcs)
        {
            foreach (var (_, crctab, list) in tables)
            {
                var width = WideCrcs ? 8 : 4;
                var crcs = new byte[list.Count * width];
                for (var i = 0; i < list.Count; i++)
                {
                    if (WideCrcs)
                        U64(crcs, i * 8, list[i].Crc);
                    else
                        U32(crcs, i * 4, list[i].Crc);
                }
                sections.Add(new Sec(crctab, crcs));
            }
        }
        if (Flagstab)
            sections.Add(new Sec("__kflagstab", [.. tables[0].List.Select(e => (byte)(e.Gpl ? 1 : 0)), .. new byte[ExtraFlagBytes]]));
        sections.Add(new Sec("__ksymtab_strings", strings.ToArray()));
        sections.Add(new Sec(".shstrtab", [], Alloc: false, Type: 3));

        // Lay sections out: file offset and address advance together, as in a linked image.
        var headerSize = Is64 ? 64 : 52;
        var offsets = new int[sections.Count];
        var position = headerSize;
        var shstrtab = new MemoryStream();
        shstrtab.WriteByte(0);
        var nameOffsets = new uint[sections.Count];
        for (var i = 0; i < sections.Count; i++)
        {
            nameOffsets[i] = (uint)shstrtab.Length;
            shstrtab.Write(Encoding.ASCII.GetBytes(sections[i].Name + "\0"));
        }
        sections[^1] = sections[^1] with { Data = shstrtab.ToArray() };
        for (var i = 0; i < sections.Count; i++)
        {
            position = Align(position, 16);
            offsets[i] = position;
            SectionOffsets[sections[i].Name] = position;
            position += sections[i].Data.Length;
        }
        ulong Address(string name) => Base + (ulong)SectionOffsets[name];

        // Fill the symbol tables now that every address is known.
        foreach (var (symtab, _, list) in tables)
        {
            var data = sections.First(s => s.Name == symtab).Data;
            for (var i = 0; i < list.Count; i++)
            {
                var e = list[i];
                var entry = Address(symtab) + (ulong)(i * EntrySize);
                Field(data, i, 0, entry, Address(".text") + (ulong)(i * 4));
                Field(data, i, 1, entry, Address("__ksymtab_strings") + (ulong)nameAt[e.Name]);
                if (NamespaceField)
                {
                    if (ZeroForNoNamespace && e.Namespace is null)
                        continue;
                    Field(data, i, 2, entry, Address("__ksymtab_strings") + (ulong)nsAt[e.Name]);
                }
            }
        }

        position = Align(position, 8);
        var shoff = position;
        var shentsize = Is64 ? 64 : 40;
        var image = new byte[shoff + ((sections.Count + 1) * shentsize) + Trailer.Length];
        for (var i = 0; i < sections.Count; i++)
            sections[i].Data.CopyTo(image, offsets[i]);
        for (var i = 0; i < sections.Count; i++)
        {
            var s = sections[i];
            var at = shoff + ((i + 1) * shentsize);
            U32(image, at, nameOffsets[i]);
            U32(image, at + 4, s.Type);
            var flags = s.Alloc ? 2UL : 0UL;
            var address = s.Alloc ? Address(s.Name) : 0;
            if (Is64)
            {
                U64(image, at + 8, flags);
                U64(image, at + 16, address);
                U64(image, at + 24, (ulong)offsets[i]);
                U64(image, at + 32, (ulong)s.Data.Length);
            }
            else
            {
                U32(image, at + 8, (uint)flags);
                U32(image, at + 12, (uint)address);
                U32(image, at + 16, (uint)offsets[i]);
                U32(image, at + 20, (uint)s.Data.Length);
            }
        }
        Trailer.CopyTo(image, image.Length - Trailer.Length);

        image[0] = 0x7f;
        image[1] = (byte)'E';
        image[2] = (byte)'L';
        image[3] = (byte)'F';
        image[4] = (byte)(Is64 ? 2 : 1);
        image[5] = (byte)(BigEndian ? 2 : 1);
        image[6] = 1;
        U16(image, 16, Type);
        U16(image, 18, Machine);
        U32(image, 20, 1);
        var count = (ushort)(sections.Count + 1);
        if (Is64)
        {
            U64(image, 40, (ulong)shoff);
            U16(image, 52, (ushort)headerSize);
            U16(image, 58, (ushort)shentsize);
            U16(image, 60, count);
            U16(image, 62, (ushort)(count - 1));
        }
        else
        {
            U32(image, 32, (uint)shoff);
            U16(image, 40, (ushort)headerSize);
            U16(image, 46, (ushort)shentsize);
            U16(image, 48, count);
            U16(image, 50, (ushort)(count - 1));
        }
        return image;
    }

    /// <summary>The byte offset of e_shoff, for corruption tests.</summary>
    public int ShOffFieldOffset => Is64 ? 40 : 32;

    /// <summary>Writes field <paramref name="field"/> of entry <paramref name="index"/> referring to <paramref name="target"/>.</summary>
    private void Field(byte[] table, int index, int field, ulong entryAddress, ulong target)
    {
        var at = (index * EntrySize) + (field * FieldSize);
        if (Prel32)
            U32(table, at, unchecked((uint)(long)(target - (entryAddress + (ulong)(field * FieldSize)))));
        else if (Is64)
            U64(table, at, target);
        else
            U32(table, at, (uint)target);
    }

    /// <summary>Overwrites a 32-bit field of a built image in its byte order.</summary>
    public void Patch32(byte[] image, int at, uint value) => U32(image, at, value);

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private void U16(byte[] b, int at, ushort v) => new EndianWriter(BigEndian).U16(b, at, v);

    private void U32(byte[] b, int at, uint v) => new EndianWriter(BigEndian).U32(b, at, v);

    private void U64(byte[] b, int at, ulong v) => new EndianWriter(BigEndian).U64(b, at, v);
}

using System.Buffers.Binary;

namespace Kabigate.Formats.Elf;

/// <summary>BTF layout constants (include/uapi/linux/btf.h).</summary>
internal static class BtfLayout
{
    public const ushort Magic = 0xeb9f;      // BTF_MAGIC, in the writer's byte order
    public const int HeaderSize = 24;        // struct btf_header: magic, version, flags, hdr_len, then 4 u32 offsets/lengths
    public const int TypeSize = 12;          // struct btf_type: name_off, info, size_or_type
    public const int KindStruct = 4;         // BTF_KIND_STRUCT

    /// <summary>The bytes that follow a btf_type of each kind (BTF_KIND_INT .. BTF_KIND_ENUM64), per vlen or fixed.</summary>
    public static long Trailer(int kind, int vlen) => kind switch
    {
        1 or 14 or 17 => 4,        // INT: u32 encoding; VAR: linkage; DECL_TAG: component_idx
        3 => 12,                   // ARRAY: struct btf_array
        4 or 5 => vlen * 12L,      // STRUCT, UNION: struct btf_member
        6 or 13 => vlen * 8L,      // ENUM: struct btf_enum; FUNC_PROTO: struct btf_param
        15 or 19 => vlen * 12L,    // DATASEC: struct btf_var_secinfo; ENUM64: struct btf_enum64
        2 or 7 or 8 or 9 or 10 or 11 or 12 or 16 or 18 => 0,
        _ => -1,
    };
}

/// <summary>What kabigate takes from a BTF blob: the facts of the BTF rule and the size of <c>struct module</c>.</summary>
/// <param name="Facts">Type count, string length, reach of its references, its build base.</param>
/// <param name="ModuleStructSize">The byte size of <c>struct module</c>, or null when it defines none.</param>
internal readonly record struct BtfSummary(Abi.BtfFacts Facts, ulong? ModuleStructSize);

/// <summary>
/// Reads the <c>.BTF</c> section of an ELF image (the BTF-only vmlinux Debian's 6.12 headers ship, or a module).
/// Bounded: every offset is checked against the section; an unknown kind stops the walk as malformed.
/// </summary>
internal static class BtfReader
{
    /// <summary>The <c>.BTF</c> of an ELF file, or null when it has none.</summary>
    /// <exception cref="ModuleFormatException">The ELF or its BTF is malformed.</exception>
    public static BtfSummary? ReadElf(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < ElfLayout.IdentSize || !ElfModuleReader.IsElf(data))
            throw new ModuleFormatException(source, "not an ELF file (bad magic)", 0);
        var elf = new ElfCursor(data, source, data[ElfLayout.ClassIndex] == ElfLayout.Class64, data[ElfLayout.DataIndex] == ElfLayout.DataMsb);
        var sections = ElfModuleReader.ReadSections(elf, source);
        if (!sections.TryGet(".BTF", out var btf) || btf.Type == ElfLayout.SectionTypeNoBits)
            return null;
        return Read(elf.Slice(btf.Offset, btf.Size, "section '.BTF'"), source);
    }

    /// <summary>Reads a BTF blob.</summary>
    /// <exception cref="ModuleFormatException">The BTF is malformed.</exception>
    public static BtfSummary Read(ReadOnlySpan<byte> btf, string source)
    {
        if (btf.Length < BtfLayout.HeaderSize)
            throw new ModuleFormatException(source, $"BTF shorter than its header ({btf.Length} bytes)", 0);
        var bigEndian = BinaryPrimitives.ReadUInt16LittleEndian(btf) != BtfLayout.Magic;
        uint U32(ReadOnlySpan<byte> s, long at) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s[(int)at..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[(int)at..]);
        if ((bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(btf) : BtfLayout.Magic) != BtfLayout.Magic)
            throw new ModuleFormatException(source, "bad BTF magic", 0);
        long headerLength = U32(btf, 4);
        long typeOff = U32(btf, 8), typeLen = U32(btf, 12), strOff = U32(btf, 16), strLen = U32(btf, 20);
        if (headerLength < BtfLayout.HeaderSize || headerLength + typeOff + typeLen > btf.Length || headerLength + strOff + strLen > btf.Length)
            throw new ModuleFormatException(source, "BTF header points outside the section", 4);
        var types = btf.Slice((int)(headerLength + typeOff), (int)typeLen);
        var strings = btf.Slice((int)(headerLength + strOff), (int)strLen);

        var count = 0;
        ulong? moduleSize = null;
        uint maxName = 0, maxType = 0;
        void Name(uint offset) => maxName = Math.Max(maxName, offset);
        void Type(uint id) => maxType = Math.Max(maxType, id);
        long at = 0;
        while (at < types.Length)
        {
            if (at + BtfLayout.TypeSize > types.Length)
                throw new ModuleFormatException(source, $"BTF type {count + 1} is truncated", at);
            var nameOff = U32(types, at);
            var info = U32(types, at + 4);
            var kind = (int)((info >> 24) & 0x1f);
            var vlen = (int)(info & 0xffff);
            var trailer = BtfLayout.Trailer(kind, vlen);
            if (trailer < 0)
                throw new ModuleFormatException(source, $"BTF type {count + 1} has unknown kind {kind}", at);
            if (at + BtfLayout.TypeSize + trailer > types.Length)
                throw new ModuleFormatException(source, $"BTF type {count + 1} is truncated", at);
            if (kind == BtfLayout.KindStruct && moduleSize is null && NameIs(strings, nameOff, "module"u8))
                moduleSize = U32(types, at + 8);
            Name(nameOff);
            var body = at + BtfLayout.TypeSize;
            switch (kind)
            {
                case 2 or 8 or 9 or 10 or 11 or 12 or 13 or 14 or 17 or 18: // the third word is a type id
                    Type(U32(types, at + 8));
                    break;
            }
            for (var i = 0; i < vlen; i++)
            {
                switch (kind)
                {
                    case 4 or 5: // btf_member: name_off, type, offset
                        Name(U32(types, body + (i * 12)));
                        Type(U32(types, body + (i * 12) + 4));
                        break;
                    case 6 or 19: // btf_enum / btf_enum64: name_off first
                        Name(U32(types, body + (i * (kind == 6 ? 8 : 12))));
                        break;
                    case 13: // btf_param: name_off, type
                        Name(U32(types, body + (i * 8)));
                        Type(U32(types, body + (i * 8) + 4));
                        break;
                    case 15: // btf_var_secinfo: type, offset, size
                        Type(U32(types, body + (i * 12)));
                        break;
                }
            }
            if (kind == 3) // btf_array: type, index_type, nelems
            {
                Type(U32(types, body));
                Type(U32(types, body + 4));
            }
            at += BtfLayout.TypeSize + trailer;
            count++;
        }
        if (at != types.Length)
            throw new ModuleFormatException(source, "BTF type section ends inside a type", types.Length);
        return new BtfSummary(new Abi.BtfFacts(count, (uint)strLen, maxName, maxType, BuildBase(strings, maxName)), moduleSize);
    }

    /// <summary>
    /// Split BTF numbers its own strings from the end of its base's, in the order pahole added them, each one used:
    /// the largest name offset names the last own string, so the base's length is that offset less the last string's start.
    /// </summary>
    private static uint? BuildBase(ReadOnlySpan<byte> strings, uint maxName)
    {
        if (strings.Length < 2 || strings[^1] != 0)
            return null;
        var lastStart = strings[..^1].LastIndexOf((byte)0) + 1;
        return maxName >= (uint)lastStart ? maxName - (uint)lastStart : null;
    }

    private static bool NameIs(ReadOnlySpan<byte> strings, uint offset, ReadOnlySpan<byte> name) =>
        offset + (ulong)name.Length < (ulong)strings.Length && strings.Slice((int)offset, name.Length).SequenceEqual(name) && strings[(int)offset + name.Length] == 0;

}

using System.Buffers.Binary;

namespace Kabigate.Formats.Elf;

/// <summary>
/// Bounds-checked reads from an ELF image in its own class and byte order. Every read checks
/// <c>offset + count</c> against the image without overflow and throws <see cref="ModuleFormatException"/>.
/// </summary>
internal readonly ref struct ElfCursor
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _source;

    public ElfCursor(ReadOnlySpan<byte> data, string source, bool is64, bool bigEndian)
    {
        _data = data;
        _source = source;
        Is64 = is64;
        BigEndian = bigEndian;
    }

    public bool Is64 { get; }
    public bool BigEndian { get; }
    public int Length => _data.Length;

    public ReadOnlySpan<byte> Slice(ulong offset, ulong count, string what)
    {
        if (offset + count < offset || offset + count > (ulong)_data.Length)
            throw new ModuleFormatException(_source, $"{what} lies outside the file ({count} bytes at 0x{offset:x}, file is {_data.Length} bytes)", (long)Math.Min(offset, long.MaxValue));
        return _data.Slice((int)offset, (int)count);
    }

    public ushort U16(ulong offset, string what)
    {
        var s = Slice(offset, 2, what);
        return BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    }

    public uint U32(ulong offset, string what)
    {
        var s = Slice(offset, 4, what);
        return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    public ulong U64(ulong offset, string what)
    {
        var s = Slice(offset, 8, what);
        return BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
    }

    /// <summary>An address-sized field: 8 bytes in ELF64, 4 in ELF32.</summary>
    public ulong Word(ulong offset, string what) => Is64 ? U64(offset, what) : U32(offset, what);

    /// <summary>A signed 32-bit field (PREL32 offsets).</summary>
    public int S32(ulong offset, string what) => unchecked((int)U32(offset, what));
}

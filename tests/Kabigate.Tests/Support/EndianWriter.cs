using System.Buffers.Binary;

namespace Kabigate.Tests.Support;

/// <summary>Writes integers into a byte array in one byte order: the shared part of the test ELF builders.</summary>
internal readonly struct EndianWriter(bool bigEndian)
{
    public void U16(byte[] b, int at, ushort v)
    {
        if (bigEndian)
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), v);
        else
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), v);
    }

    public void U32(byte[] b, int at, uint v)
    {
        if (bigEndian)
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v);
    }

    public void U64(byte[] b, int at, ulong v)
    {
        if (bigEndian)
            BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(at), v);
        else
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), v);
    }
}

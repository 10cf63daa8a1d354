using System.Buffers.Binary;
using System.IO.Compression;
using Kabigate.Abi;

namespace Kabigate.Store;

/// <summary>One export with its names interned: what the store keeps per symbol of a release.</summary>
/// <param name="Symbol">The symbol's id in the <c>symbols</c> table.</param>
/// <param name="Crc">The CRC, meaningful when <paramref name="HasCrc"/>.</param>
/// <param name="HasCrc">Whether the export has a CRC.</param>
/// <param name="Module">The exporting module's id in the <c>names</c> table.</param>
/// <param name="Kind">The export kind.</param>
/// <param name="Namespace">The namespace's id in the <c>names</c> table, or 0 for none.</param>
internal readonly record struct AbiRow(int Symbol, uint Crc, bool HasCrc, int Module, ExportKind Kind, int Namespace)
{
    public bool SameExportAs(in AbiRow other) =>
        Crc == other.Crc && HasCrc == other.HasCrc && Module == other.Module && Kind == other.Kind && Namespace == other.Namespace;
}

/// <summary>
/// The store's encoding of an ABI: rows sorted by symbol id, written either in full (a keyframe) or as the changes
/// against a base ABI (a delta), then deflated. A row whose CRC alone changed costs a symbol-id step, a tag byte and
/// four CRC bytes, so a release costs little more than its changes.
/// </summary>
/// <remarks>
/// Layout after inflating: <c>u8 version(1)</c>, <c>u8 isDelta</c>, <c>varint count</c>, then per record
/// <c>varint symbolStep</c>, <c>u8 tag</c> (bits 0–2 kind, bit 3 has CRC, bit 4 has namespace, bits 5–6 operation:
/// 0 full row, 1 removed, 2 CRC only), then for a full row <c>[u32 crc] varint module [varint namespace]</c>, for a
/// CRC-only row <c>u32 crc</c>.
/// </remarks>
internal static class AbiCodec
{
    private const byte Version = 1;
    private const int OpFull = 0, OpRemoved = 1, OpCrcOnly = 2;

    public static byte[] EncodeFull(ReadOnlySpan<AbiRow> rows)
    {
        var writer = new Writer(rows.Length * 8 + 16);
        writer.Byte(Version);
        writer.Byte(0);
        writer.VarInt((uint)rows.Length);
        int previous = 0;
        foreach (ref readonly var row in rows)
        {
            writer.VarInt((uint)(row.Symbol - previous));
            previous = row.Symbol;
            WriteFull(ref writer, row);
        }
        return Deflate(writer.Written);
    }

    public static byte[] EncodeDelta(ReadOnlySpan<AbiRow> baseRows, ReadOnlySpan<AbiRow> rows)
    {
        var records = new Writer(1024);
        int count = 0, previous = 0, i = 0, j = 0;
        while (i < baseRows.Length || j < rows.Length)
        {
            int order = i >= baseRows.Length ? 1 : j >= rows.Length ? -1 : baseRows[i].Symbol.CompareTo(rows[j].Symbol);
            if (order < 0)
            {
                records.VarInt((uint)(baseRows[i].Symbol - previous));
                previous = baseRows[i].Symbol;
                records.Byte(OpRemoved << 5);
                count++;
                i++;
            }
            else if (order > 0)
            {
                records.VarInt((uint)(rows[j].Symbol - previous));
                previous = rows[j].Symbol;
                WriteFull(ref records, rows[j]);
                count++;
                j++;
            }
            else
            {
                ref readonly var old = ref baseRows[i];
                ref readonly var current = ref rows[j];
                if (!old.SameExportAs(current))
                {
                    records.VarInt((uint)(current.Symbol - previous));
                    previous = current.Symbol;
                    if (old.Module == current.Module && old.Kind == current.Kind && old.Namespace == current.Namespace && old.HasCrc && current.HasCrc)
                    {
                        records.Byte((byte)((OpCrcOnly << 5) | (byte)current.Kind));
                        records.UInt32(current.Crc);
                    }
                    else
                    {
                        WriteFull(ref records, current);
                    }
                    count++;
                }
                i++;
                j++;
            }
        }
        var writer = new Writer(records.Length + 16);
        writer.Byte(Version);
        writer.Byte(1);
        writer.VarInt((uint)count);
        writer.Bytes(records.Written);
        return Deflate(writer.Written);
    }

    /// <summary>Decodes a blob; a delta needs the decoded rows of its base.</summary>
    /// <exception cref="StoreException">The blob is corrupt or of an unknown version.</exception>
    public static AbiRow[] Decode(byte[] blob, AbiRow[]? baseRows, string what)
    {
        var data = Inflate(blob, what);
        var reader = new Reader(data, what);
        if (reader.Byte() != Version)
            throw new StoreException($"{what}: ABI encoded in an unknown version; this kabigate is too old for the store");
        bool delta = reader.Byte() == 1;
        int count = checked((int)reader.VarInt());
        if (count > data.Length)
            throw new StoreException($"{what}: corrupt ABI record count {count}");
        if (delta && baseRows is null)
            throw new StoreException($"{what}: a delta ABI without its base");
        var changes = new AbiRow[count];
        var ops = new byte[count];
        int symbol = 0;
        for (int n = 0; n < count; n++)
        {
            symbol = checked(symbol + (int)reader.VarInt());
            byte tag = reader.Byte();
            int op = tag >> 5;
            var kind = (ExportKind)(tag & 7);
            ops[n] = (byte)op;
            changes[n] = op switch
            {
                OpFull => ReadFull(ref reader, symbol, tag),
                OpRemoved => new AbiRow(symbol, 0, false, 0, default, 0),
                OpCrcOnly => new AbiRow(symbol, reader.UInt32(), true, -1, kind, -1),
                _ => throw new StoreException($"{what}: corrupt ABI record operation {op}"),
            };
        }
        if (!delta)
            return changes;
        var result = new List<AbiRow>(baseRows!.Length + count);
        int b = 0;
        for (int n = 0; n < count; n++)
        {
            while (b < baseRows.Length && baseRows[b].Symbol < changes[n].Symbol)
                result.Add(baseRows[b++]);
            bool inBase = b < baseRows.Length && baseRows[b].Symbol == changes[n].Symbol;
            switch (ops[n])
            {
                case OpRemoved:
                    if (!inBase)
                        throw new StoreException($"{what}: corrupt delta removes a symbol its base lacks");
                    break;
                case OpCrcOnly:
                    if (!inBase)
                        throw new StoreException($"{what}: corrupt delta changes a symbol its base lacks");
                    result.Add(baseRows[b] with { Crc = changes[n].Crc, HasCrc = true });
                    break;
                default:
                    result.Add(changes[n]);
                    break;
            }
            if (inBase)
                b++;
        }
        while (b < baseRows.Length)
            result.Add(baseRows[b++]);
        return result.ToArray();
    }

    private static void WriteFull(ref Writer writer, in AbiRow row)
    {
        byte tag = (byte)((byte)row.Kind | (row.HasCrc ? 8 : 0) | (row.Namespace != 0 ? 16 : 0));
        writer.Byte(tag);
        if (row.HasCrc)
            writer.UInt32(row.Crc);
        writer.VarInt((uint)row.Module);
        if (row.Namespace != 0)
            writer.VarInt((uint)row.Namespace);
    }

    private static AbiRow ReadFull(ref Reader reader, int symbol, byte tag)
    {
        bool hasCrc = (tag & 8) != 0;
        uint crc = hasCrc ? reader.UInt32() : 0;
        int module = checked((int)reader.VarInt());
        int ns = (tag & 16) != 0 ? checked((int)reader.VarInt()) : 0;
        var kind = (ExportKind)(tag & 7);
        if (kind > ExportKind.UnusedGpl)
            throw new StoreException("corrupt ABI record: unknown export kind");
        return new AbiRow(symbol, crc, hasCrc, module, kind, ns);
    }

    private static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length / 2 + 64);
        using (var deflate = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
            deflate.Write(data);
        return output.ToArray();
    }

    private static byte[] Inflate(byte[] blob, string what)
    {
        try
        {
            using var input = new ZLibStream(new MemoryStream(blob), CompressionMode.Decompress);
            using var output = new MemoryStream(blob.Length * 3);
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new StoreException($"{what}: corrupt ABI blob ({e.Message})", e);
        }
    }

    private struct Writer(int capacity)
    {
        private byte[] _buffer = new byte[Math.Max(capacity, 16)];
        private int _length;

        public readonly int Length => _length;

        public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

        public void Byte(byte value)
        {
            Ensure(1);
            _buffer[_length++] = value;
        }

        public void UInt32(uint value)
        {
            Ensure(4);
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), value);
            _length += 4;
        }

        public void VarInt(uint value)
        {
            Ensure(5);
            while (value >= 0x80)
            {
                _buffer[_length++] = (byte)(value | 0x80);
                value >>= 7;
            }
            _buffer[_length++] = (byte)value;
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_length));
            _length += bytes.Length;
        }

        private void Ensure(int more)
        {
            if (_length + more > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }

    private ref struct Reader(byte[] data, string what)
    {
        private int _position;

        public byte Byte()
        {
            if (_position >= data.Length)
                throw Truncated();
            return data[_position++];
        }

        public uint UInt32()
        {
            if (_position + 4 > data.Length)
                throw Truncated();
            var value = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(_position));
            _position += 4;
            return value;
        }

        public uint VarInt()
        {
            uint value = 0;
            for (int shift = 0; shift < 35; shift += 7)
            {
                byte b = Byte();
                value |= (uint)(b & 0x7f) << shift;
                if (b < 0x80)
                    return value;
            }
            throw new StoreException($"{what}: corrupt ABI blob (overlong number)");
        }

        private readonly StoreException Truncated() => new($"{what}: corrupt ABI blob (truncated)");
    }
}

using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Kabigate.Formats.Deb;

/// <summary>
/// Follows a tar stream's headers as <see cref="System.Formats.Tar.TarReader"/> reads it, and refuses a metadata entry
/// (a GNU long name or link, <c>L</c>/<c>K</c>; a PAX header, <c>x</c>/<c>g</c>) larger than a cap before TarReader
/// sees its header: TarReader allocates a buffer of the size such a header claims, up to 2 GB, before reading it.
/// Every byte passes through here in order (the stream it wraps cannot seek), so headers are found by position: each
/// is followed by its data rounded up to 512 bytes, whose size a PAX <c>size</c> record may set for the next entry.
/// </summary>
internal sealed class TarMetadataGuard(Stream inner, string sourceName, long maxMetadataBytes) : Stream
{
    private const int BlockLength = 512;
    private const int SizeOffset = 124;
    private const int SizeLength = 12;
    private const int TypeOffset = 156;

    private readonly byte[] _header = new byte[BlockLength];
    private int _headerFilled;
    private long _dataLeft;
    private MemoryStream? _pax;
    private long? _nextSize;

    /// <summary>The padding after a PAX header's records, skipped once they are read.</summary>
    private long _padding;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        Observe(buffer[..read]);
        return read;
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_dataLeft > 0)
            {
                int take = (int)Math.Min(_dataLeft, data.Length);
                _pax?.Write(data[..take]);
                _dataLeft -= take;
                data = data[take..];
                if (_dataLeft == 0 && _pax is not null)
                    EndPaxData();
                continue;
            }

            int part = Math.Min(BlockLength - _headerFilled, data.Length);
            data[..part].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += part;
            data = data[part..];
            if (_headerFilled == BlockLength)
            {
                _headerFilled = 0;
                OnHeader();
            }
        }
    }

    private void OnHeader()
    {
        byte type = _header[TypeOffset];
        bool metadata = type is (byte)'L' or (byte)'K' or (byte)'x' or (byte)'g';
        long size = ParseSize(_header.AsSpan(SizeOffset, SizeLength))
            ?? throw new ModuleFormatException(sourceName, Messages.TarCorrupt(Messages.TarSizeUnreadable));
        if (metadata && size > maxMetadataBytes)
            throw new ModuleFormatException(sourceName, Messages.TarCorrupt(Messages.TarMetadataTooLarge((char)type, size, maxMetadataBytes)));
        if (!metadata && _nextSize is { } overridden)
        {
            size = overridden;
            _nextSize = null;
        }

        long padded = (size + BlockLength - 1) / BlockLength * BlockLength;
        if (type == (byte)'x' && size > 0)
        {
            _pax = new MemoryStream((int)size);
            _dataLeft = size;
            _padding = padded - size;
        }
        else
        {
            _dataLeft = padded;
        }
    }

    /// <summary>Reads the PAX records (<c>LENGTH key=value\n</c>) for a <c>size</c>, then skips the block's padding.</summary>
    private void EndPaxData()
    {
        var text = Encoding.UTF8.GetString(_pax!.GetBuffer(), 0, (int)_pax.Length);
        _pax = null;
        _dataLeft = _padding;
        foreach (var record in text.Split('\n'))
        {
            int space = record.IndexOf(' ', StringComparison.Ordinal);
            if (space >= 0 && record.AsSpan(space + 1).StartsWith("size=", StringComparison.Ordinal))
            {
                if (!long.TryParse(record.AsSpan(space + 1 + "size=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                    throw new ModuleFormatException(sourceName, Messages.TarCorrupt(Messages.TarSizeUnreadable));
                _nextSize = size;
            }
        }
    }

    /// <summary>
    /// A tar number as TarReader reads one: octal digits between NULs and spaces, or base-256 when the top bit is set;
    /// null when it is not a number or not a non-negative 64-bit one.
    /// </summary>
    private static long? ParseSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80 || field[1..^sizeof(long)].IndexOfAnyExcept((byte)0) >= 0)
                return null; // negative, or more than 64 bits
            long value = BinaryPrimitives.ReadInt64BigEndian(field[^sizeof(long)..]);
            return value < 0 ? null : value;
        }

        field = field.Trim(" \0"u8);
        long octal = 0;
        foreach (byte digit in field)
        {
            if (digit is < (byte)'0' or > (byte)'7' || octal > long.MaxValue >> 3)
                return null;
            octal = (octal << 3) | (long)(digit - '0');
        }

        return octal;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

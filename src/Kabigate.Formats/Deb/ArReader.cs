using System.Text;

namespace Kabigate.Formats.Deb;

/// <summary>One member of an ar archive; its data is read through <see cref="Data"/> before the next member.</summary>
/// <param name="Name">The member name, without padding or GNU's trailing <c>/</c>.</param>
/// <param name="Size">The data size from the header.</param>
/// <param name="DataOffset">Where the data starts, from the start of the archive.</param>
/// <param name="Data">The data, as a stream bounded to <paramref name="Size"/>.</param>
internal sealed record ArMember(string Name, long Size, long DataOffset, ArMemberStream Data);

/// <summary>
/// Reads an ar archive forward from any stream (seekable or not), one member at a time, without buffering member
/// data. Sizes are checked against the bytes left, when the stream knows its length, and against a cap.
/// </summary>
internal sealed class ArReader
{
    private readonly Stream _stream;
    private readonly string _sourceName;
    private readonly long _maxMemberBytes;

    /// <summary>The archive's length from its start, when the stream knows it.</summary>
    private readonly long? _length;

    /// <summary>Bytes of the archive consumed so far, up to the current member's data.</summary>
    private long _position;
    private ArMember? _current;

    /// <summary>Opens the archive and checks its global header.</summary>
    /// <exception cref="ModuleFormatException">The stream does not start with <c>!&lt;arch&gt;\n</c>.</exception>
    internal ArReader(Stream stream, string sourceName, long maxMemberBytes)
    {
        _stream = stream;
        _sourceName = sourceName;
        _maxMemberBytes = maxMemberBytes;
        _length = stream.CanSeek ? stream.Length - stream.Position : null;

        Span<byte> magic = stackalloc byte[ArLayout.Magic.Length];
        int read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (read < magic.Length || !magic.SequenceEqual(ArLayout.Magic))
            throw new ModuleFormatException(sourceName, Messages.NotAnArArchive, offset: 0);
        _position = magic.Length;
    }

    /// <summary>Skips the rest of the current member and reads the next header.</summary>
    /// <returns>The next member, or null at the end of the archive.</returns>
    /// <exception cref="ModuleFormatException">A header is truncated or malformed, or a size is out of bounds.</exception>
    internal ArMember? Next()
    {
        if (_current is { } previous)
        {
            previous.Data.SkipRest();
            _position = previous.DataOffset + previous.Size;
            if (previous.Size % 2 == 1)
            {
                // The padding byte; an archive may end without it.
                Span<byte> pad = stackalloc byte[1];
                _position += _stream.ReadAtLeast(pad, 1, throwOnEndOfStream: false);
            }
        }

        long headerOffset = _position;
        Span<byte> header = stackalloc byte[ArLayout.HeaderLength];
        int read = _stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read == 0)
            return _current = null;
        if (read < header.Length)
            throw new ModuleFormatException(_sourceName, Messages.TruncatedArHeader(_current?.Name), headerOffset);

        string name = ParseName(header.Slice(ArLayout.NameOffset, ArLayout.NameLength));
        if (!header.Slice(ArLayout.HeaderMagicOffset, ArLayout.HeaderMagic.Length).SequenceEqual(ArLayout.HeaderMagic))
            throw new ModuleFormatException(_sourceName, Messages.BadArHeaderMagic(name), headerOffset + ArLayout.HeaderMagicOffset);

        var sizeField = header.Slice(ArLayout.SizeOffset, ArLayout.SizeLength);
        if (!TryParseSize(sizeField, out long size))
            throw new ModuleFormatException(_sourceName, Messages.BadArSize(name, Encoding.ASCII.GetString(sizeField).TrimEnd()), headerOffset + ArLayout.SizeOffset);

        long dataOffset = headerOffset + ArLayout.HeaderLength;
        if (size > _maxMemberBytes)
            throw new ModuleFormatException(_sourceName, Messages.ArMemberTooLarge(name, size, _maxMemberBytes), headerOffset + ArLayout.SizeOffset);
        if (_length is long length && size > length - dataOffset)
            throw new ModuleFormatException(_sourceName, Messages.ArMemberBeyondEnd(name, size, length - dataOffset), headerOffset + ArLayout.SizeOffset);

        _position = dataOffset;
        _current = new ArMember(name, size, dataOffset, new ArMemberStream(_stream, _sourceName, name, dataOffset, size));
        return _current;
    }

    private static string ParseName(ReadOnlySpan<byte> field)
    {
        field = field.TrimEnd((byte)' ');
        // GNU ar ends short names with '/'; BSD-style and dpkg's own writer do not.
        if (field.Length > 1 && field[^1] == (byte)'/')
            field = field[..^1];
        return Encoding.ASCII.GetString(field);
    }

    /// <summary>Decimal digits, left-aligned and space-padded; at least one digit.</summary>
    private static bool TryParseSize(ReadOnlySpan<byte> field, out long size)
    {
        size = 0;
        var digits = field.TrimEnd((byte)' ');
        if (digits.IsEmpty)
            return false;
        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
                return false;
            size = (size * 10) + (b - '0'); // at most 10 digits: no overflow
        }

        return true;
    }
}

/// <summary>
/// A member's data: a read-only window of exactly the member's size over the archive stream. Reading past the end of
/// the archive before the window is full throws, naming the member. A few leading bytes can be peeked (to sniff a
/// compression magic) and are then read again.
/// </summary>
internal sealed class ArMemberStream : Stream
{
    private readonly Stream _archive;
    private readonly string _sourceName;
    private readonly string _name;
    private readonly long _dataOffset;
    private readonly long _size;
    private long _consumed;
    private byte[] _peeked = [];
    private int _peekedStart;

    internal ArMemberStream(Stream archive, string sourceName, string name, long dataOffset, long size)
    {
        _archive = archive;
        _sourceName = sourceName;
        _name = name;
        _dataOffset = dataOffset;
        _size = size;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _size;

    public override long Position
    {
        get => _consumed - (_peeked.Length - _peekedStart);
        set => throw new NotSupportedException();
    }

    /// <summary>Reads up to <paramref name="count"/> leading bytes without consuming them.</summary>
    internal ReadOnlySpan<byte> Peek(int count)
    {
        if (_consumed != 0)
            throw new InvalidOperationException("only the start of a member can be peeked");
        var buffer = new byte[(int)Math.Min(count, _size)];
        ReadFromArchive(buffer);
        _peeked = buffer;
        _peekedStart = 0;
        return buffer;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        if (_peekedStart < _peeked.Length)
        {
            int n = Math.Min(buffer.Length, _peeked.Length - _peekedStart);
            _peeked.AsSpan(_peekedStart, n).CopyTo(buffer);
            _peekedStart += n;
            return n;
        }

        long remaining = _size - _consumed;
        if (remaining == 0 || buffer.IsEmpty)
            return 0;
        if (buffer.Length > remaining)
            buffer = buffer[..(int)remaining];
        int read = _archive.Read(buffer);
        if (read == 0)
            throw Truncated();
        _consumed += read;
        return read;
    }

    /// <summary>Consumes the rest of the member: a seek when the archive can, else reads that are thrown away.</summary>
    internal void SkipRest()
    {
        long remaining = _size - _consumed;
        if (remaining == 0)
            return;
        if (_archive.CanSeek)
        {
            // The size was checked against the archive's length when the header was read.
            _archive.Seek(remaining, SeekOrigin.Current);
            _consumed = _size;
            return;
        }

        var scratch = new byte[(int)Math.Min(remaining, 81920)];
        while (_consumed < _size)
            ReadFromArchive(scratch.AsSpan(0, (int)Math.Min(scratch.Length, _size - _consumed)));
    }

    private void ReadFromArchive(Span<byte> buffer)
    {
        int read = _archive.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        _consumed += read;
        if (read < buffer.Length)
            throw Truncated();
    }

    private ModuleFormatException Truncated() =>
        new(_sourceName, Messages.ArMemberTruncated(_name), _dataOffset + _consumed);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

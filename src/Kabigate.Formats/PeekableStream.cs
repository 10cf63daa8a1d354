namespace Kabigate.Formats;

/// <summary>
/// A caller's stream as a reader sees it: forward only, counting the bytes consumed (for error offsets), able to peek
/// a few bytes once (to sniff a compression magic) and leaving the caller's stream open when disposed.
/// </summary>
internal sealed class PeekableStream : Stream
{
    private readonly Stream _inner;

    /// <summary>The bytes left in the package when the stream knows its length; null otherwise.</summary>
    private readonly long? _length;
    private byte[] _peeked = [];
    private int _peekedStart;
    private long _consumed;

    internal PeekableStream(Stream inner)
    {
        _inner = inner;
        _length = inner.CanSeek ? Math.Max(0, inner.Length - inner.Position) : null;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    /// <summary>The bytes consumed from the start of the package (peeked bytes not counted until read).</summary>
    public override long Position
    {
        get => _consumed - (_peeked.Length - _peekedStart);
        set => throw new NotSupportedException();
    }

    /// <summary>How many bytes remain, when the underlying stream knows its length.</summary>
    internal long? Remaining => _length - Position;

    /// <summary>Reads up to <paramref name="count"/> bytes without consuming them; fewer at the end of the stream.</summary>
    internal ReadOnlySpan<byte> Peek(int count)
    {
        if (_peekedStart < _peeked.Length)
            throw new InvalidOperationException("peek called twice");
        var buffer = new byte[count];
        int read = _inner.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        _consumed += read;
        _peeked = buffer[..read];
        _peekedStart = 0;
        return _peeked;
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

        int read = _inner.Read(buffer);
        _consumed += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Reads of a length taken from the file, without trusting it for the allocation.</summary>
internal static class BoundedRead
{
    /// <summary>The first allocation; the buffer then doubles as data actually arrives.</summary>
    private const int InitialChunk = 1 << 20;

    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes. The buffer grows as the bytes arrive, so a corrupt length in a
    /// short stream costs at most twice the bytes the stream really holds, not the length it claims.
    /// </summary>
    /// <param name="stream">The stream, read forward.</param>
    /// <param name="length">The bytes wanted; at most <see cref="Array.MaxLength"/>.</param>
    /// <param name="data">The bytes read; shorter than <paramref name="length"/> when the stream ended first.</param>
    /// <returns>True when all <paramref name="length"/> bytes were read.</returns>
    internal static bool TryReadExactly(Stream stream, int length, out byte[] data)
    {
        var buffer = new byte[Math.Min(length, InitialChunk)];
        int filled = 0;
        while (true)
        {
            filled += stream.ReadAtLeast(buffer.AsSpan(filled), buffer.Length - filled, throwOnEndOfStream: false);
            if (filled < buffer.Length)
            {
                data = buffer[..filled];
                return false;
            }

            if (filled == length)
            {
                data = buffer;
                return true;
            }

            Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, length));
        }
    }
}

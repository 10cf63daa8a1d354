namespace Kabigate.Formats.Repodata;

/// <summary>
/// A read-only, forward-only view of a stream whose first bytes were already read (to sniff them): it returns those
/// bytes first, then the rest of the inner stream. Disposing it leaves the inner stream open, as the public readers
/// promise their callers.
/// </summary>
internal sealed class PeekedStream : Stream
{
    private readonly Stream _inner;
    private readonly byte[] _head;
    private int _headStart;
    private long _position;

    private PeekedStream(Stream inner, byte[] head)
    {
        _inner = inner;
        _head = head;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes of <paramref name="inner"/> and wraps it.</summary>
    /// <param name="inner">The stream; its position moves past the peeked bytes.</param>
    /// <param name="count">How many bytes to peek.</param>
    /// <param name="stream">The stream that replays them.</param>
    /// <returns>The peeked bytes (fewer than asked at the end of the data).</returns>
    public static ReadOnlySpan<byte> Peek(Stream inner, int count, out PeekedStream stream)
    {
        var head = new byte[count];
        int read = inner.ReadAtLeast(head, count, throwOnEndOfStream: false);
        if (read < count)
            Array.Resize(ref head, read);
        stream = new PeekedStream(inner, head);
        return head;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        int read;
        if (_headStart < _head.Length)
        {
            read = Math.Min(buffer.Length, _head.Length - _headStart);
            _head.AsSpan(_headStart, read).CopyTo(buffer);
            _headStart += read;
        }
        else
        {
            read = _inner.Read(buffer);
        }

        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

namespace Kabigate.Formats;

/// <summary>
/// A read-only, forward-only stream that pulls compressed bytes from an inner stream through a <see cref="Decoder"/>,
/// and refuses to produce more than a cap.
/// </summary>
internal sealed class DecompressingStream : Stream
{
    /// <summary>How many compressed bytes are read from the inner stream at a time.</summary>
    private const int InputBufferSize = 64 * 1024;

    private readonly Stream _inner;
    private readonly Decoder _decoder;
    private readonly string _sourceName;
    private readonly long _maxOutputBytes;
    private readonly byte[] _input = new byte[InputBufferSize];
    private int _inputStart;
    private int _inputEnd;
    private bool _innerEnded;
    private bool _finished;
    private bool _disposed;
    private long _produced;

    internal DecompressingStream(Stream inner, Decoder decoder, string sourceName, long maxOutputBytes)
    {
        _inner = inner;
        _decoder = decoder;
        _sourceName = sourceName;
        _maxOutputBytes = maxOutputBytes;
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    /// <summary>The number of decompressed bytes produced so far; setting it is not supported.</summary>
    public override long Position
    {
        get => _produced;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _finished)
            return 0;

        // Produce at most one byte past the cap, so that exceeding it is seen without decoding further; once past
        // it, every read fails the same way.
        long allowed = _maxOutputBytes - _produced;
        if (allowed < 0)
            throw new ModuleFormatException(_sourceName, Messages.DecompressionBomb(_maxOutputBytes));
        if (allowed < buffer.Length)
            buffer = buffer[..(int)(allowed + 1)];

        while (true)
        {
            if (_inputStart == _inputEnd && !_innerEnded)
                FillInput();

            var input = _input.AsSpan(_inputStart, _inputEnd - _inputStart);
            bool ended = _decoder.Decode(input, buffer, _innerEnded, out int consumed, out int written);
            _inputStart += consumed;
            if (written > 0)
            {
                _produced += written;
                if (_produced > _maxOutputBytes)
                    throw new ModuleFormatException(_sourceName, Messages.DecompressionBomb(_maxOutputBytes));
                if (ended)
                    _finished = true;
                return written;
            }

            if (ended)
            {
                _finished = true;
                return 0;
            }

            if (consumed > 0)
                continue;
            if (_innerEnded)
                throw new ModuleFormatException(_sourceName, Messages.Truncated(_decoder.Name));

            // No progress with input left: the engine wants more than it was given at once.
            if (_inputStart == 0 && _inputEnd == _input.Length)
                throw new ModuleFormatException(_sourceName, Messages.NoProgress(_decoder.Name));
            FillInput();
        }
    }

    /// <summary>Moves unconsumed input to the front of the buffer and reads more after it.</summary>
    private void FillInput()
    {
        if (_inputStart > 0)
        {
            _input.AsSpan(_inputStart, _inputEnd - _inputStart).CopyTo(_input);
            _inputEnd -= _inputStart;
            _inputStart = 0;
        }

        int read = _inner.Read(_input, _inputEnd, _input.Length - _inputEnd);
        if (read == 0)
            _innerEnded = true;
        _inputEnd += read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _decoder.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

using System.Collections.Immutable;

namespace Kabigate.Formats.Iso;

/// <summary>
/// A file's data: a read-only, seekable view of its extents in the image. Each read seeks the image's stream, so
/// several files may be open at once (but not used from several threads).
/// </summary>
internal sealed class IsoFileStream : Stream
{
    private readonly IsoVolume _volume;
    private readonly string _path;
    private readonly ImmutableArray<IsoExtent> _extents;
    private readonly long _length;
    private long _position;

    internal IsoFileStream(IsoVolume volume, IsoEntry entry)
    {
        _volume = volume;
        _path = entry.Path;
        _extents = entry.Extents;
        _length = entry.Size;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _length || buffer.IsEmpty)
            return 0;
        // Find the extent holding the position; files have one extent, or a few for 4 GiB and more.
        long start = 0;
        foreach (var extent in _extents)
        {
            if (_position < start + extent.Length)
            {
                long within = _position - start;
                int count = (int)Math.Min(buffer.Length, extent.Length - within);
                _volume.Stream.Position = _volume.Base + extent.Offset + within;
                int read = _volume.Stream.Read(buffer[..count]);
                if (read == 0)
                    throw new ModuleFormatException(_volume.SourceName, Messages.IsoFileTruncated("/" + _path), extent.Offset + within);
                _position += read;
                return read;
            }

            start += extent.Length;
        }

        return 0; // the extents are shorter than the size: cannot happen for entries the reader made
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        Position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

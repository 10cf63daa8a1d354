namespace Kabigate.Formats.Repodata;

/// <summary>
/// Passes an XML document's bytes through, refusing any run without a <c>&lt;</c> or <c>&gt;</c> longer than a cap.
/// Such a run holds every text node and every tag with its attributes, and <see cref="System.Xml.XmlReader"/> keeps a
/// whole text node or tag in memory, so this bounds what it holds whatever one element claims. Both bytes are ASCII, so
/// counting on UTF-8 bytes is exact.
/// </summary>
internal sealed class XmlTokenLimitStream(Stream inner, string sourceName, int maxRunBytes) : Stream
{
    private long _run;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        var data = buffer[..read];
        int first = data.IndexOfAny((byte)'<', (byte)'>');
        if (first < 0)
        {
            _run += read;
            Check();
            return read;
        }

        // The run before the first bracket continues the previous read's last one.
        _run += first;
        Check();
        int last = data.LastIndexOfAny((byte)'<', (byte)'>');
        if (read > maxRunBytes)
        {
            // Only a read longer than the cap can hold a whole run longer than it between two of its brackets.
            var middle = data[(first + 1)..(last + 1)];
            while (!middle.IsEmpty)
            {
                int next = middle.IndexOfAny((byte)'<', (byte)'>');
                _run = next;
                Check();
                middle = middle[(next + 1)..];
            }
        }

        _run = read - last - 1;
        return read;
    }

    private void Check()
    {
        if (_run > maxRunBytes)
            throw new ModuleFormatException(sourceName, Messages.XmlTokenTooLong(maxRunBytes));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}

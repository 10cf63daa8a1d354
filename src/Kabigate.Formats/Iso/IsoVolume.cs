namespace Kabigate.Formats.Iso;

/// <summary>
/// Bounds-checked reads from an ISO image: every offset and length is checked against the image's length, without
/// overflow, before anything is allocated or read. Directory and Rock Ridge reads are charged to a budget of about
/// the image's size, so that overlapping directories in a crafted image cannot make the walk read without end.
/// </summary>
internal sealed class IsoVolume
{
    /// <summary>Metadata read beyond the image's size that is still tolerated: a few re-read records.</summary>
    private const long MetadataSlack = 1L << 20;

    private long _metadataBudget;

    internal IsoVolume(Stream stream, string sourceName)
    {
        Stream = stream;
        SourceName = sourceName;
        Base = stream.Position;
        Length = Math.Max(0, stream.Length - Base);
        _metadataBudget = Length + MetadataSlack;
    }

    /// <summary>The image, positioned anywhere: every read seeks.</summary>
    public Stream Stream { get; }

    /// <summary>The image's name in errors.</summary>
    public string SourceName { get; }

    /// <summary>Where the image starts in <see cref="Stream"/>.</summary>
    public long Base { get; }

    /// <summary>The image's length in bytes.</summary>
    public long Length { get; }

    /// <summary>Whether <paramref name="length"/> bytes at <paramref name="offset"/> lie inside the image.</summary>
    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && (ulong)offset + (ulong)length <= (ulong)Length;

    /// <summary>Reads exactly <c>buffer.Length</c> bytes at <paramref name="offset"/>, already checked to be inside.</summary>
    /// <exception cref="ModuleFormatException">The stream ended early (it shrank since it was opened).</exception>
    public void ReadAt(long offset, Span<byte> buffer)
    {
        Stream.Position = Base + offset;
        int read = Stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw new ModuleFormatException(SourceName, Messages.IsoShortRead(buffer.Length, read), offset + read);
    }

    /// <summary>
    /// Reads directory or system use data for <paramref name="what"/> (shown in errors), checking that it lies inside
    /// the image and charging it to the metadata budget.
    /// </summary>
    /// <exception cref="ModuleFormatException">The data lies past the end, or the budget is spent.</exception>
    public byte[] ReadMetadata(long offset, int count, string what)
    {
        if (!Contains(offset, count))
            throw new ModuleFormatException(SourceName, Messages.IsoExtentBeyondEnd(what, offset, count, Length), offset);
        _metadataBudget -= count;
        if (_metadataBudget < 0)
            throw new ModuleFormatException(SourceName, Messages.IsoMetadataBudget(Length), offset);
        var data = new byte[count];
        ReadAt(offset, data);
        return data;
    }
}

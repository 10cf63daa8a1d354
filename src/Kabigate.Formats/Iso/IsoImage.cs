using System.Collections.Immutable;

namespace Kabigate.Formats.Iso;

/// <summary>
/// An opened ISO 9660 image: its directory tree, read whole by <see cref="Iso9660Reader"/>, and its files, read on
/// demand from the image stream. Not thread-safe: files share the image's stream.
/// </summary>
public sealed class IsoImage : IDisposable
{
    private readonly IsoVolume _volume;
    private readonly bool _ownsStream;
    private readonly Dictionary<string, IsoEntry> _byPath;

    internal IsoImage(IsoVolume volume, bool ownsStream, ImmutableArray<IsoEntry> entries, IsoNaming naming, string volumeIdentifier)
    {
        _volume = volume;
        _ownsStream = ownsStream;
        Entries = entries;
        Naming = naming;
        VolumeIdentifier = volumeIdentifier;
        _byPath = new Dictionary<string, IsoEntry>(entries.Length, StringComparer.Ordinal);
        foreach (var entry in entries)
            _byPath.TryAdd(entry.Path, entry); // the first of same-named records wins, as in a path lookup
    }

    /// <summary>The image's name in errors.</summary>
    public string SourceName => _volume.SourceName;

    /// <summary>The primary volume descriptor's volume identifier, without its padding.</summary>
    public string VolumeIdentifier { get; }

    /// <summary>Which names the entries have.</summary>
    public IsoNaming Naming { get; }

    /// <summary>
    /// Every file and directory below the root, depth-first: each directory before its contents, records in the order
    /// on disc.
    /// </summary>
    public ImmutableArray<IsoEntry> Entries { get; }

    /// <summary>Finds an entry by its path (see <see cref="IsoEntry.Path"/>; a leading <c>/</c> is ignored), case-sensitively.</summary>
    /// <param name="path">The path, e.g. <c>rpms/x86_64</c>.</param>
    /// <returns>The entry, or null when there is none.</returns>
    public IsoEntry? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return _byPath.GetValueOrDefault(path.TrimStart('/'));
    }

    /// <summary>Opens a file's data as a read-only, seekable stream over its extents.</summary>
    /// <param name="entry">A file of this image.</param>
    /// <returns>The stream; it reads through the image's stream, which must stay open.</returns>
    /// <exception cref="ArgumentException">The entry is a directory.</exception>
    /// <exception cref="ModuleFormatException">The entry's extents lie outside this image (it came from another one).</exception>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public Stream OpenFile(IsoEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (entry.IsDirectory)
            throw new ArgumentException($"'{entry.Path}' is a directory.", nameof(entry));
        foreach (var extent in entry.Extents)
        {
            if (!_volume.Contains(extent.Offset, extent.Length))
                throw new ModuleFormatException(SourceName, Messages.IsoExtentBeyondEnd("/" + entry.Path, extent.Offset, extent.Length, _volume.Length), extent.Offset);
        }

        return new IsoFileStream(_volume, entry);
    }

    /// <summary>Reads a whole file into memory.</summary>
    /// <param name="entry">A file of this image.</param>
    /// <param name="maxBytes">The largest file accepted.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="ArgumentException">The entry is a directory.</exception>
    /// <exception cref="ModuleFormatException">
    /// The file is larger than <paramref name="maxBytes"/> (or than an array can hold), or the image ended early.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public byte[] ReadFile(IsoEntry entry, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        long limit = Math.Min(maxBytes, Array.MaxLength);
        if (!entry.IsDirectory && entry.Size > limit)
            throw new ModuleFormatException(SourceName, Messages.IsoFileTooLarge("/" + entry.Path, entry.Size, limit), entry.Extents.IsEmpty ? null : entry.Extents[0].Offset);
        using var stream = OpenFile(entry);
        var data = new byte[entry.Size];
        stream.ReadExactly(data);
        return data;
    }

    private bool _disposed;

    /// <summary>Closes the image file when it was opened by path; a stream passed in is left open.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_ownsStream)
            _volume.Stream.Dispose();
    }
}

using System.Collections.Immutable;

namespace Kabigate.Formats.Iso;

/// <summary>A file or directory in an ISO 9660 image.</summary>
/// <param name="Path">
/// The path inside the image, relative and <c>/</c>-separated: <c>rpms/x86_64/kmod-foo-1.0-1.x86_64.rpm</c>. Names are
/// the Rock Ridge names when the image has them, else the Joliet names, else the ISO 9660 names without their
/// <c>;1</c> version (and without the dot that ends a name that has no extension).
/// </param>
/// <param name="Size">The file's size in bytes (the sum of its extents); for a directory, its records' size.</param>
/// <param name="IsDirectory">Whether the entry is a directory.</param>
public sealed record IsoEntry(string Path, long Size, bool IsDirectory)
{
    /// <summary>The last component of <see cref="Path"/>.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    /// <summary>
    /// Where the data lies in the image, in order: one extent, or several for a multi-extent file (ISO 9660 level 3,
    /// files of 4 GiB and more). Each was checked to lie inside the image when it was opened.
    /// </summary>
    public ImmutableArray<IsoExtent> Extents { get; init; } = [];

    /// <summary>Whether both entries have the same path, size, kind and extents (compared element by element).</summary>
    /// <param name="other">The other entry.</param>
    /// <returns>True when they are equal.</returns>
    public bool Equals(IsoEntry? other) =>
        other is not null && Path == other.Path && Size == other.Size && IsDirectory == other.IsDirectory
        && Extents.AsSpan().SequenceEqual(other.Extents.AsSpan());

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Path, Size, IsDirectory, Extents.Length);
}

/// <summary>A contiguous run of bytes in an ISO 9660 image.</summary>
/// <param name="Offset">The byte offset from the start of the image.</param>
/// <param name="Length">The number of bytes.</param>
public readonly record struct IsoExtent(long Offset, long Length);

/// <summary>Which of an image's directory trees, and so which names, an <see cref="IsoImage"/> shows.</summary>
public enum IsoNaming
{
    /// <summary>Plain ISO 9660 names from the primary volume descriptor's tree (upper case, 8.3 at level 1).</summary>
    Iso9660,

    /// <summary>Joliet names (UCS-2) from a supplementary volume descriptor's tree.</summary>
    Joliet,

    /// <summary>Rock Ridge names (the <c>NM</c> entries) in the primary tree.</summary>
    RockRidge,
}

namespace Kabigate.Formats.Repodata;

/// <summary>A checksum as repodata writes it: <c>&lt;checksum type="sha256"&gt;hex&lt;/checksum&gt;</c>.</summary>
/// <param name="Type">The algorithm as written: <c>sha256</c>, <c>sha1</c> (or its old alias <c>sha</c>), <c>sha512</c>, ….</param>
/// <param name="Value">The digest in hexadecimal, as written.</param>
public sealed record RepoChecksum(string Type, string Value);

/// <summary>One <c>&lt;data type="…"&gt;</c> entry of repomd.xml: where a metadata file is and how to check it.</summary>
/// <param name="Type">The metadata kind: <c>primary</c>, <c>filelists</c>, <c>other</c>, <c>primary_db</c>, <c>updateinfo</c>, ….</param>
/// <param name="LocationHref">The file, relative to the repository base (<c>repodata/…-primary.xml.gz</c>).</param>
/// <param name="Checksum">The checksum of the file as stored (compressed), or null when absent.</param>
/// <param name="OpenChecksum">The checksum of the decompressed file, or null when absent.</param>
/// <param name="Size">The size of the file as stored, in bytes, or null when absent.</param>
/// <param name="OpenSize">The size of the decompressed file, in bytes, or null when absent.</param>
/// <param name="Timestamp">The file's modification time in seconds since the epoch, or null when absent.</param>
public sealed record RepomdData(
    string Type,
    string LocationHref,
    RepoChecksum? Checksum,
    RepoChecksum? OpenChecksum,
    long? Size,
    long? OpenSize,
    long? Timestamp);

/// <summary>A repository's index, repodata/repomd.xml.</summary>
/// <param name="Revision">The <c>&lt;revision&gt;</c> text, trimmed (createrepo_c writes the build time), or null when absent or empty.</param>
/// <param name="Data">The metadata files, in document order.</param>
public sealed record Repomd(string? Revision, IReadOnlyList<RepomdData> Data)
{
    /// <summary>The first entry of a metadata kind.</summary>
    /// <param name="type">The kind, e.g. <c>primary</c>; compared ordinally.</param>
    /// <returns>The entry, or null when the index lists none.</returns>
    public RepomdData? Find(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        foreach (var data in Data)
        {
            if (string.Equals(data.Type, type, StringComparison.Ordinal))
                return data;
        }

        return null;
    }
}

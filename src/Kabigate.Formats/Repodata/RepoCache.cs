using System.Security.Cryptography;
using System.Text;

namespace Kabigate.Formats.Repodata;

/// <summary>
/// The on-disk cache of remote repositories: <c>&lt;root&gt;/&lt;sha256 of base URL&gt;/</c> holding the last
/// repomd.xml, the primary file named by its checksum, and <c>packages/</c> named by theirs. Every file appears by an
/// atomic rename of a complete, verified temporary file, and is verified again whenever it is reused, so a torn or
/// tampered file is fetched anew rather than trusted.
/// </summary>
internal static class RepoCache
{
    /// <summary>The file the last repomd.xml is kept in.</summary>
    public const string RepomdFile = "repomd.xml";

    /// <summary>The suffix of cached primary files: <c>&lt;type&gt;-&lt;hex&gt;-primary.xml[.gz|.xz|.zst|.bz2]</c>.</summary>
    private const string PrimaryMarker = "-primary.xml";

    /// <summary>The default root: <c>$XDG_CACHE_HOME/kabigate/repos</c>.</summary>
    public static string DefaultRoot() => Path.Combine(CacheDirectory.Root(), "repos");

    /// <summary>The folder of one repository: the SHA-256 of its normalised base URL, in hexadecimal.</summary>
    public static string DirectoryFor(string root, Uri baseUri) =>
        Path.Combine(root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(baseUri.AbsoluteUri))));

    /// <summary>The cache file of a primary with this checksum; the suffix keeps the compression recognisable.</summary>
    public static string PrimaryFile(string directory, string checksumType, string hex, string href)
    {
        string suffix = href.EndsWith(".gz", StringComparison.Ordinal) ? ".gz"
            : href.EndsWith(".xz", StringComparison.Ordinal) ? ".xz"
            : href.EndsWith(".zst", StringComparison.Ordinal) ? ".zst"
            : href.EndsWith(".bz2", StringComparison.Ordinal) ? ".bz2"
            : "";
        return Path.Combine(directory, $"{checksumType.ToLowerInvariant()}-{hex}{PrimaryMarker}{suffix}");
    }

    /// <summary>The cache file of a package with this checksum.</summary>
    public static string PackageFile(string directory, string checksumType, string hex) =>
        Path.Combine(directory, "packages", $"{checksumType.ToLowerInvariant()}-{hex}.rpm");

    /// <summary>A fresh temporary name beside <paramref name="destination"/>, so that the rename stays in one file system.</summary>
    public static string TemporaryFor(string destination) =>
        Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>Writes a whole file by writing a temporary one and renaming it over the destination.</summary>
    public static void WriteAtomically(string destination, ReadOnlySpan<byte> data)
    {
        string temporary = TemporaryFor(destination);
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                file.Write(data);
            File.Move(temporary, destination, overwrite: true);
        }
        finally
        {
            DeleteQuietly(temporary);
        }
    }

    /// <summary>True when a cached file exists and still has its checksum; a file that does not is removed.</summary>
    public static bool IsValid(string path, HashAlgorithmName algorithm, string hex)
    {
        if (!File.Exists(path))
            return false;
        if (string.Equals(RepoChecksums.HashFile(path, algorithm), hex, StringComparison.Ordinal))
            return true;
        DeleteQuietly(path);
        return false;
    }

    /// <summary>How old a temporary file must be before it counts as left behind by a process that died.</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    /// <summary>
    /// Removes cached primary files other than <paramref name="keep"/>, and temporary files that a process which died
    /// mid-download left behind (those of running downloads are younger than a day).
    /// </summary>
    public static void RemoveStalePrimaries(string directory, string keep)
    {
        foreach (string path in Directory.EnumerateFiles(directory, "*" + PrimaryMarker + "*"))
        {
            if (!string.Equals(path, keep, StringComparison.Ordinal) && !Path.GetFileName(path).StartsWith('.'))
                DeleteQuietly(path);
        }

        foreach (string path in Directory.EnumerateFiles(directory, ".*.tmp", SearchOption.AllDirectories))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > AbandonedAfter)
                DeleteQuietly(path);
        }
    }

    /// <summary>Deletes a file, ignoring failure: another process may hold or have removed it.</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

namespace Kabigate.Formats.Repodata;

/// <summary>
/// An RPM repository (a local directory or an <c>http(s)://</c> base URL) opened through its metadata: repomd.xml,
/// then the primary file it names, checked against repomd.xml's checksum before anything is read from it. The
/// packages' provides and requires then come from primary.xml without fetching any package.
/// </summary>
/// <remarks>
/// <para>
/// A remote repository's repomd.xml is fetched on every open. Its primary file is cached under
/// <c>$XDG_CACHE_HOME/kabigate/repos/&lt;sha256 of base URL&gt;/</c>, named by its checksum: while repomd.xml names the
/// same checksum the cached file is reused (after verifying it again), and when it names another the new file is
/// downloaded, verified, renamed into place and the old one removed. A file whose checksum does not match is never
/// cached. A local repository is read where it is; nothing is copied.
/// </para>
/// <para>
/// Only the metadata is trusted as far as its checksums go: repomd.xml itself is not signature-checked (dnf checks
/// <c>repomd.xml.asc</c> where configured; this class does not).
/// </para>
/// </remarks>
public sealed partial class RpmRepository : IDisposable
{
    private const string RepomdHref = "repodata/repomd.xml";

    private readonly RpmRepositoryOptions _options;
    private readonly Uri? _baseUri;
    private readonly string? _directory;
    private RepoHttp? _http;
    private bool _disposed;

    private RpmRepository(
        RpmRepositoryOptions options, Uri? baseUri, string? directory, RepoHttp? http, Repomd repomd, RepomdData primary, string primaryPath, bool downloaded, string? cacheDirectory)
    {
        _options = options;
        _baseUri = baseUri;
        _directory = directory;
        _http = http;
        Repomd = repomd;
        Primary = primary;
        PrimaryPath = primaryPath;
        PrimaryDownloaded = downloaded;
        CacheDirectory = cacheDirectory;
        Location = baseUri?.AbsoluteUri ?? directory!;
    }

    /// <summary>The repository: its base URL (ending in <c>/</c>) or the full path of its directory.</summary>
    public string Location { get; }

    /// <summary>True for an <c>http(s)://</c> repository.</summary>
    public bool IsRemote => _baseUri is not null;

    /// <summary>The repository's index as read on opening.</summary>
    public Repomd Repomd { get; }

    /// <summary>The index's <c>primary</c> entry.</summary>
    public RepomdData Primary { get; }

    /// <summary>The verified primary file: in the repository for a local one, in the cache for a remote one.</summary>
    public string PrimaryPath { get; }

    /// <summary>True when opening downloaded the primary file; false when it came from the cache or a local directory.</summary>
    public bool PrimaryDownloaded { get; }

    /// <summary>The folder this remote repository is cached in, or null for a local one.</summary>
    public string? CacheDirectory { get; }

    /// <summary>Opens a repository.</summary>
    /// <param name="location">
    /// An <c>http://</c> or <c>https://</c> base URL, a <c>file://</c> URL, or a directory: the folder holding
    /// <c>repodata/repomd.xml</c>.
    /// </param>
    /// <param name="options">Timeout, cache folder and size limits; null for <see cref="RpmRepositoryOptions.Default"/>.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>The opened repository. Dispose it to release its HTTP connections.</returns>
    /// <exception cref="ModuleFormatException">
    /// The repository cannot be reached (one line: refused, unknown host, HTTP status, timed out); repomd.xml is
    /// missing or malformed, or names no primary file or none with a usable checksum; or the primary file's checksum
    /// does not match (<c>checksum mismatch for repodata/…-primary.xml.gz: expected sha256 X, got Y</c>).
    /// </exception>
    /// <exception cref="IOException">A local file or the cache cannot be read or written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static RpmRepository Open(string location, RpmRepositoryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        options ??= RpmRepositoryOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Timeout, TimeSpan.Zero, nameof(options));
        if (IsHttp(location))
        {
            if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || !IsHttp(uri))
                throw new ModuleFormatException(location, Messages.InvalidRepositoryUrl);
            return OpenRemote(WithTrailingSlash(uri), options, cancellationToken);
        }

        if (location.StartsWith("file://", StringComparison.OrdinalIgnoreCase)
            && Uri.TryCreate(location, UriKind.Absolute, out var fileUri) && fileUri.IsFile)
            location = fileUri.LocalPath;
        return OpenLocal(Path.GetFullPath(location), options);
    }

    /// <summary>The folder a remote repository is cached in.</summary>
    /// <param name="baseUrl">The repository's <c>http(s)://</c> base URL.</param>
    /// <param name="options">The options naming the cache root; null for the default.</param>
    /// <returns>The folder (which need not exist).</returns>
    /// <exception cref="ArgumentException"><paramref name="baseUrl"/> is not an absolute http(s) URL.</exception>
    public static string CacheDirectoryFor(string baseUrl, RpmRepositoryOptions? options = null)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || !IsHttp(uri))
            throw new ArgumentException("not an absolute http(s) URL", nameof(baseUrl));
        return RepoCache.DirectoryFor(options?.CacheDirectory ?? RepoCache.DefaultRoot(), WithTrailingSlash(uri));
    }

    /// <summary>Reads the packages of the verified primary file.</summary>
    /// <returns>The packages in document order, read lazily; the file stays open until the enumeration ends.</returns>
    /// <exception cref="ModuleFormatException">While enumerating: primary.xml is malformed (see <see cref="PrimaryReader"/>).</exception>
    /// <exception cref="ObjectDisposedException">The repository was disposed.</exception>
    public IEnumerable<RepoPackage> ReadPackages()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string sourceName = _baseUri is null ? PrimaryPath : new Uri(_baseUri, Primary.LocationHref).AbsoluteUri;
        return Read(PrimaryPath, sourceName, DeclaredCap(Primary.OpenSize, _options.MaxPrimaryXmlBytes));

        static IEnumerable<RepoPackage> Read(string path, string sourceName, long maxXmlBytes)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            foreach (var package in PrimaryReader.Read(stream, sourceName, maxXmlBytes))
                yield return package;
        }
    }

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose()
    {
        _disposed = true;
        _http?.Dispose();
    }

    private static RpmRepository OpenLocal(string directory, RpmRepositoryOptions options)
    {
        if (!Directory.Exists(directory))
            throw new ModuleFormatException(directory, Messages.NoSuchRepositoryDirectory);
        string repomdPath = Path.Combine(directory, "repodata", "repomd.xml");
        if (!File.Exists(repomdPath))
            throw new ModuleFormatException(directory, Messages.NoRepomd);
        var repomd = RepomdReader.Read(repomdPath, options.MaxRepomdBytes);
        var (primary, checksum) = FindPrimary(repomd, repomdPath);
        var (algorithm, hex) = RepoChecksums.Validate(checksum, repomdPath, primary.LocationHref);

        string primaryPath = Path.GetFullPath(Path.Combine(directory, primary.LocationHref));
        if (!File.Exists(primaryPath))
            throw new ModuleFormatException(directory, Messages.MissingMetadataFile(primary.LocationHref));
        InputFiles.RequireRegularFile(primaryPath);
        long length = new FileInfo(primaryPath).Length;
        long cap = DeclaredCap(primary.Size, options.MaxPrimaryBytes);
        if (length > cap)
            throw new ModuleFormatException(primaryPath, Messages.FileTooLarge(length, cap));
        string actual = RepoChecksums.HashFile(primaryPath, algorithm);
        if (!string.Equals(actual, hex, StringComparison.Ordinal))
            throw new ModuleFormatException(directory, Messages.ChecksumMismatch(primary.LocationHref, checksum.Type, hex, actual));
        return new RpmRepository(options, null, directory, null, repomd, primary, primaryPath, downloaded: false, cacheDirectory: null);
    }

    private static RpmRepository OpenRemote(Uri baseUri, RpmRepositoryOptions options, CancellationToken cancellationToken)
    {
        var http = new RepoHttp(options);
        try
        {
            var repomdUri = new Uri(baseUri, RepomdHref);
            byte[] repomdBytes = http.GetBytes(repomdUri, options.MaxRepomdBytes, cancellationToken);
            var repomd = RepomdReader.Read(new MemoryStream(repomdBytes, writable: false), repomdUri.AbsoluteUri, options.MaxRepomdBytes);
            var (primary, checksum) = FindPrimary(repomd, repomdUri.AbsoluteUri);
            var (algorithm, hex) = RepoChecksums.Validate(checksum, repomdUri.AbsoluteUri, primary.LocationHref);
            var primaryUri = Resolve(baseUri, primary.LocationHref, repomdUri.AbsoluteUri);

            string cacheDirectory = RepoCache.DirectoryFor(options.CacheDirectory ?? RepoCache.DefaultRoot(), baseUri);
            string cached = RepoCache.PrimaryFile(cacheDirectory, checksum.Type, hex, primary.LocationHref);
            bool downloaded = false;
            if (!RepoCache.IsValid(cached, algorithm, hex))
            {
                options.Log?.Invoke($"downloading {primaryUri.AbsoluteUri}");
                DownloadVerified(http, primaryUri, cached, new Verification(algorithm, checksum.Type, hex, primary.LocationHref, baseUri.AbsoluteUri), DeclaredCap(primary.Size, options.MaxPrimaryBytes), cancellationToken);
                downloaded = true;
            }

            string repomdCopy = Path.Combine(cacheDirectory, RepoCache.RepomdFile);
            if (!File.Exists(repomdCopy) || !File.ReadAllBytes(repomdCopy).AsSpan().SequenceEqual(repomdBytes))
                RepoCache.WriteAtomically(repomdCopy, repomdBytes);
            RepoCache.RemoveStalePrimaries(cacheDirectory, cached);
            return new RpmRepository(options, baseUri, null, http, repomd, primary, cached, downloaded, cacheDirectory);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>What a downloaded file must hash to, and the names its mismatch message uses.</summary>
    private readonly record struct Verification(System.Security.Cryptography.HashAlgorithmName Algorithm, string Type, string Hex, string What, string Source);

    /// <summary>
    /// Downloads into a temporary file beside <paramref name="destination"/>, verifies it and renames it into place.
    /// On any failure nothing is left behind, and a cache folder this call created is removed again.
    /// </summary>
    private static void DownloadVerified(RepoHttp http, Uri uri, string destination, Verification expected, long maxBytes, CancellationToken cancellationToken)
    {
        string directory = Path.GetDirectoryName(destination)!;
        string? created = FirstMissingDirectory(directory);
        Directory.CreateDirectory(directory);
        string temporary = RepoCache.TemporaryFor(destination);
        bool done = false;
        try
        {
            string actual;
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                actual = http.Download(uri, file, expected.Algorithm, maxBytes, cancellationToken);
            if (!string.Equals(actual, expected.Hex, StringComparison.Ordinal))
                throw new ModuleFormatException(expected.Source, Messages.ChecksumMismatch(expected.What, expected.Type, expected.Hex, actual));
            File.Move(temporary, destination, overwrite: true);
            done = true;
        }
        finally
        {
            RepoCache.DeleteQuietly(temporary);
            if (!done && created is not null)
                RemoveEmptyDirectories(directory, created);
        }
    }

    /// <summary>The outermost folder of <paramref name="directory"/>'s path that does not exist yet, or null.</summary>
    private static string? FirstMissingDirectory(string directory)
    {
        string? missing = null;
        for (string? d = directory; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d))
            missing = d;
        return missing;
    }

    /// <summary>Removes <paramref name="directory"/> and its parents up to <paramref name="outermost"/>, while empty.</summary>
    private static void RemoveEmptyDirectories(string directory, string outermost)
    {
        for (string? d = directory; d is not null && d.Length >= outermost.Length; d = Path.GetDirectoryName(d))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(d).Any())
                    return;
                Directory.Delete(d);
            }
            catch (IOException)
            {
                return;
            }
        }
    }

    /// <summary>The size a metadata file (or package) declares caps what is accepted of it, below the configured limit.</summary>
    private static long DeclaredCap(long? declared, long limit) => declared is long size && size >= 0 ? Math.Min(size, limit) : limit;

    private static (RepomdData Primary, RepoChecksum Checksum) FindPrimary(Repomd repomd, string repomdSource)
    {
        var primary = repomd.Find("primary") ?? throw new ModuleFormatException(repomdSource, Messages.NoPrimary);
        var checksum = primary.Checksum ?? throw new ModuleFormatException(repomdSource, Messages.NoChecksum(primary.LocationHref));
        return (primary, checksum);
    }

    /// <summary>Resolves a location relative to a base URL; the result must stay http(s).</summary>
    private static Uri Resolve(Uri baseUri, string href, string source)
    {
        if (!Uri.TryCreate(baseUri, href, out var resolved) || !IsHttp(resolved))
            throw new ModuleFormatException(source, Messages.InvalidLocation(href));
        return resolved;
    }

    private static bool IsHttp(string location) =>
        location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;

    /// <summary>The base URL as a folder (so that <c>repodata/…</c> resolves inside it), without query or fragment.</summary>
    private static Uri WithTrailingSlash(Uri uri)
    {
        var builder = new UriBuilder(uri) { Fragment = "", Query = "" };
        if (!builder.Path.EndsWith('/'))
            builder.Path += "/";
        return builder.Uri;
    }
}

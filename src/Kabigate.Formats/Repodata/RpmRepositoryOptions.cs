namespace Kabigate.Formats.Repodata;

/// <summary>How <see cref="RpmRepository"/> reaches and caches a repository, and the sizes it accepts.</summary>
public sealed record RpmRepositoryOptions
{
    /// <summary>The defaults: 30 s timeout, the user's cache folder, the documented size limits.</summary>
    public static RpmRepositoryOptions Default { get; } = new();

    /// <summary>
    /// How long connecting, waiting for response headers, and each read of a body may take: 30 s by default. It bounds a
    /// stall, not a whole transfer.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one request may take in all, from connecting to the last byte of its body: 10 minutes by default. It
    /// bounds a body dripped a byte at a time, which <see cref="Timeout"/> alone does not.
    /// </summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whether redirects may lead to another host or port than the request's: false by default. Redirects are always
    /// to http(s) only, and never from https to http.
    /// </summary>
    public bool RedirectsToOtherHosts { get; init; }

    /// <summary>
    /// The folder remote repositories are cached in, one subfolder per base URL; null for
    /// <c>$XDG_CACHE_HOME/kabigate/repos</c> (else <c>~/.cache/kabigate/repos</c>).
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The largest repomd.xml accepted: <see cref="RepomdReader.DefaultMaxBytes"/>.</summary>
    public long MaxRepomdBytes { get; init; } = RepomdReader.DefaultMaxBytes;

    /// <summary>The largest primary file accepted as stored (compressed): 2 GiB.</summary>
    public long MaxPrimaryBytes { get; init; } = 2L << 30;

    /// <summary>The largest decompressed primary.xml accepted: <see cref="PrimaryReader.DefaultMaxXmlBytes"/>.</summary>
    public long MaxPrimaryXmlBytes { get; init; } = PrimaryReader.DefaultMaxXmlBytes;

    /// <summary>The largest package file accepted by <see cref="RpmRepository.OpenPackage"/>: 8 GiB.</summary>
    public long MaxPackageBytes { get; init; } = 8L << 30;

    /// <summary>Receives a line for each download, or null.</summary>
    public Action<string>? Log { get; init; }
}

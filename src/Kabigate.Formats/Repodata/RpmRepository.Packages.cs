namespace Kabigate.Formats.Repodata;

/// <summary>Package files: read in place for a local repository, downloaded into the cache for a remote one.</summary>
public sealed partial class RpmRepository
{
    /// <summary>
    /// Opens a package's file, checked against the checksum primary.xml gives for it: in place for a local repository,
    /// downloaded into <c>packages/</c> of the cache folder (or reused from there) for a remote one.
    /// </summary>
    /// <param name="package">A package of this repository (from <see cref="ReadPackages"/>).</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>A read-only, seekable stream of the verified file, at its start.</returns>
    /// <exception cref="ModuleFormatException">
    /// primary.xml gives no usable checksum for the package; the file is missing, too large, or unreachable; or its
    /// checksum does not match (<c>checksum mismatch for x86_64/…rpm: expected sha256 X, got Y</c>).
    /// </exception>
    /// <exception cref="IOException">A local file or the cache cannot be read or written.</exception>
    /// <exception cref="ObjectDisposedException">The repository was disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Stream OpenPackage(RepoPackage package, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (package.ChecksumType is null || string.IsNullOrEmpty(package.Checksum))
            throw new ModuleFormatException(Location, Messages.PackageWithoutChecksum(package.Nevra));
        var checksum = new RepoChecksum(package.ChecksumType, package.Checksum);
        var (algorithm, hex) = RepoChecksums.Validate(checksum, Location, package.LocationHref);
        var expected = new Verification(algorithm, checksum.Type, hex, package.LocationHref, Location);

        var (path, uri, cacheDirectory) = Locate(package);
        if (path is not null)
            return OpenVerified(path, expected, package.LocationHref);

        string cached = RepoCache.PackageFile(cacheDirectory!, checksum.Type, hex);
        if (!RepoCache.IsValid(cached, algorithm, hex))
        {
            var remote = uri!;
            _options.Log?.Invoke($"downloading {remote.AbsoluteUri}");
            _http ??= new RepoHttp(_options);
            DownloadVerified(_http, remote, cached, expected, DeclaredCap(package.PackageSize, _options.MaxPackageBytes), cancellationToken);
        }

        return new FileStream(cached, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
    }

    /// <summary>
    /// Where a package's file is: a local path, or a URL and the cache folder to keep it in. <c>xml:base</c>, when
    /// present, replaces the repository as what the location is relative to.
    /// </summary>
    private (string? Path, Uri? Uri, string? CacheDirectory) Locate(RepoPackage package)
    {
        if (package.LocationBase is { Length: > 0 } xmlBase)
        {
            if (!Uri.TryCreate(xmlBase.EndsWith('/') ? xmlBase : xmlBase + "/", UriKind.Absolute, out var baseUri))
                throw new ModuleFormatException(Location, Messages.InvalidLocation(xmlBase));
            if (baseUri.IsFile && IsRemote)
                throw new ModuleFormatException(Location, Messages.InvalidLocation(xmlBase)); // a remote repository names no local file
            if (baseUri.IsFile)
                return (System.IO.Path.GetFullPath(System.IO.Path.Combine(baseUri.LocalPath, package.LocationHref)), null, null);
            if (!IsHttp(baseUri))
                throw new ModuleFormatException(Location, Messages.InvalidLocation(xmlBase));
            string root = _options.CacheDirectory ?? RepoCache.DefaultRoot();
            return (null, Resolve(baseUri, package.LocationHref, Location), RepoCache.DirectoryFor(root, WithTrailingSlash(baseUri)));
        }

        if (_baseUri is not null)
            return (null, Resolve(_baseUri, package.LocationHref, Location), CacheDirectory);
        return (System.IO.Path.GetFullPath(System.IO.Path.Combine(_directory!, package.LocationHref)), null, null);
    }

    /// <summary>Opens a local file, hashes it whole, and returns it rewound when the checksum matches.</summary>
    private FileStream OpenVerified(string path, Verification expected, string href)
    {
        if (!File.Exists(path))
            throw new ModuleFormatException(Location, Messages.MissingPackageFile(href));
        InputFiles.RequireRegularFile(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            if (stream.Length > _options.MaxPackageBytes)
                throw new ModuleFormatException(path, Messages.FileTooLarge(stream.Length, _options.MaxPackageBytes));
            string actual = RepoChecksums.Hash(stream, expected.Algorithm);
            if (!string.Equals(actual, expected.Hex, StringComparison.Ordinal))
                throw new ModuleFormatException(expected.Source, Messages.ChecksumMismatch(expected.What, expected.Type, expected.Hex, actual));
            stream.Position = 0;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }
}

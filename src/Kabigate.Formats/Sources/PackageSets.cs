using Kabigate.Abi;
using Kabigate.Formats.Repodata;
using Kabigate.Formats.Rpm;

namespace Kabigate.Formats.Sources;

/// <summary>
/// The packages the gates judge: those repositories offer (from primary.xml, nothing downloaded) and those the rpm
/// database lists as installed, as <see cref="KabiPackage"/>s.
/// </summary>
public static class PackageSets
{
    /// <summary>
    /// The kernel, kernel meta and kmod packages of a repository, from its primary metadata, with the relations the
    /// gates read; indexed by the primary file's checksum under <c>$XDG_CACHE_HOME/kabigate/packages/</c>, so that
    /// metadata read once is not parsed again.
    /// </summary>
    /// <param name="location">A directory holding <c>repodata/repomd.xml</c>, or an http(s) base URL.</param>
    /// <param name="options">Repository options; null for the defaults.</param>
    /// <returns>The packages in document order, each with <paramref name="location"/> as it was given for its
    /// <see cref="KabiPackage.Origin"/> (so a caller can tell which of its repositories offered a package).</returns>
    /// <exception cref="ModuleFormatException">The repository is missing, unreachable or malformed.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static IReadOnlyList<KabiPackage> FromRepository(string location, RpmRepositoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        using var repository = RpmRepository.Open(location, options);
        return PackageIndex.Read(repository, location);
    }

    /// <summary>The installed packages of an install root (see <see cref="RpmDatabaseReader.Read"/>).</summary>
    /// <param name="installRoot">The root, <c>/</c> or an <c>--installroot</c>.</param>
    /// <param name="dbPath">The database directory inside the root, or null to search the usual places.</param>
    /// <returns>The database's path and its packages.</returns>
    /// <exception cref="ModuleFormatException">No readable sqlite rpm database is there.</exception>
    public static (string Path, IReadOnlyList<KabiPackage> Packages) Installed(string installRoot, string? dbPath = null)
    {
        var database = RpmDatabaseReader.Read(installRoot, dbPath);
        return (database.Path, [.. database.Packages.Select(p => FromRpm(p, database.Path, installed: true))]);
    }

    /// <summary>A package read from an RPM header (a package file or the rpm database).</summary>
    public static KabiPackage FromRpm(RpmPackage package, string origin, bool installed)
    {
        ArgumentNullException.ThrowIfNull(package);
        return new KabiPackage(package.Name, package.Epoch, package.Version, package.Release, package.Arch, origin, installed,
            [.. package.Provides.Select(Relation)], [.. package.Requires.Select(Relation)], package.Files);

        static PackageRelation Relation(RpmDependency d) => new(d.Name, RpmRelations.Of(d.Flags), d.Version);
    }

    /// <summary>A package read from primary.xml.</summary>
    public static KabiPackage FromRepo(RepoPackage package, string origin)
    {
        ArgumentNullException.ThrowIfNull(package);
        return new KabiPackage(package.Name, package.Epoch is 0 ? null : package.Epoch, package.Version, package.Release, package.Arch, origin, Installed: false,
            [.. package.Provides.Select(Relation)], [.. package.Requires.Select(Relation)], []);

        static PackageRelation Relation(RepoDependency d) => new(d.Name, RepositorySources.Op(d.Flags), RepositorySources.Evr(d));
    }
}

using Kabigate.Abi;
using Kabigate.Formats.Repodata;

namespace Kabigate.Formats.Sources;

/// <summary>
/// RPM repositories as sources: a directory holding <c>repodata/repomd.xml</c>, or an http(s):// base URL, with an
/// optional <c>#RELEASE</c> naming one kernel. Kernels come from primary metadata alone (their kABI provides), or,
/// for <c>fetch:REPO</c>, from the kernel packages themselves; kmod packages are downloaded only when their modules
/// are needed.
/// </summary>
public static class RepositorySources
{
    /// <summary>
    /// The prefix that reads a repository's kernels from their packages (<c>fetch:https://…</c>, <c>fetch:DIR</c>):
    /// symvers with export kinds and namespaces, the config's vermagic and loader options, the modules' exports.
    /// </summary>
    public const string FetchPrefix = "fetch:";

    /// <summary>Whether the source asks for the kernel packages themselves (<see cref="FetchPrefix"/>).</summary>
    public static bool Fetches(string source) => source.StartsWith(FetchPrefix, StringComparison.Ordinal);

    /// <summary>Splits <c>[fetch:]LOCATION[#RELEASE]</c> when LOCATION is a repository.</summary>
    public static bool TryParse(string source, out string location, out string? release)
    {
        if (Fetches(source))
            source = source[FetchPrefix.Length..];
        var hash = source.LastIndexOf('#');
        location = hash < 0 ? source : source[..hash];
        release = hash < 0 ? null : source[(hash + 1)..];
        var remote = location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        return remote || File.Exists(Path.Combine(location, "repodata", "repomd.xml"));
    }

    /// <summary>Every kernel package of the repository (or the one of <paramref name="release"/>), from its kABI provides.</summary>
    /// <exception cref="ModuleFormatException">The repository cannot be read, or holds no such kernel.</exception>
    public static IReadOnlyList<KernelAbi> Kernels(string location, string? release, KernelSourceOptions options)
    {
        var kernels = KernelPackages(location, release, options).Select(k => k.Kernel).ToList();
        if (kernels.Count == 0)
        {
            throw new ModuleFormatException(location, release is null
                ? "the repository holds no kernel package with kABI provides (kernel(sym) or ksym(flavor:sym))"
                : $"the repository holds no kernel package of release '{release}'");
        }
        return kernels;
    }

    /// <summary>Every kernel package of the repository (or of one release) with the ABI its kABI provides give; none when it has no kernel package.</summary>
    /// <exception cref="ModuleFormatException">The repository cannot be read.</exception>
    public static IReadOnlyList<(RepoPackage Package, KernelAbi Kernel)> KernelPackages(string location, string? release, KernelSourceOptions options)
    {
        // Downloads are noted only when packages are fetched (they can be large); metadata alone stays quiet.
        using var repository = RpmRepository.Open(location, options.FetchKernelPackages && options.Log is not null ? RpmRepositoryOptions.Default with { Log = options.Log } : null);
        var kernels = new List<(RepoPackage, KernelAbi)>();
        foreach (var package in repository.ReadPackages())
        {
            if (!KernelPackageNames.IsKernel(package.Name))
                continue; // the cheap test first: most packages of a repository are not kernels
            var classified = PackageSets.FromRepo(package, location);
            if (classified.Role != KabiPackageRole.Kernel)
                continue;
            var packageRelease = classified.KernelRelease;
            if (release is not null && packageRelease != release)
                continue;
            var provides = classified.Provides.Select(p => (p.Name, p.Operator, p.Version));
            var source = $"{location}#{packageRelease} ({package.LocationHref})";
            var kernel = PackageKernels.FromProvides(provides, source, options.Release ?? packageRelease);
            if (kernel is not null && options.FetchKernelPackages)
            {
                // The package itself, verified against primary.xml's checksum before it is read (and cached by it). Its
                // files name the release as uname -r says it (kernel-uname-r may spell it as an RPM version).
                using var stream = repository.OpenPackage(package);
                kernel = PackageKernels.FromRpm(stream, source, options);
            }
            if (kernel is not null)
                kernels.Add((package, kernel));
        }
        return kernels;
    }

    /// <summary>
    /// The modules of the repository's kmod packages (those that declare kABI requirements or kernel-modules),
    /// downloaded and read; each package's declared requirements are compared with its modules.
    /// </summary>
    internal static void ReadModules(string location, Action<string, Stream> readPackage)
    {
        using var repository = RpmRepository.Open(location);
        foreach (var package in repository.ReadPackages())
        {
            if (PackageSets.FromRepo(package, location).Role != KabiPackageRole.Kmod)
                continue;
            using var stream = repository.OpenPackage(package);
            readPackage($"{location}/{package.LocationHref}", stream);
        }
    }

    /// <summary>createrepo's flags (EQ, LT, LE, GT, GE) as RPM relations.</summary>
    public static string Op(string? flags) => flags switch
    {
        "EQ" => "=",
        "LT" => "<",
        "LE" => "<=",
        "GT" => ">",
        "GE" => ">=",
        _ => "",
    };

    /// <summary>A dependency's version as written in the package: VERSION or VERSION-RELEASE (a CRC has no release).</summary>
    internal static string? Evr(RepoDependency dependency) =>
        dependency.Version is null ? null : dependency.Release is null ? dependency.Version : $"{dependency.Version}-{dependency.Release}";
}

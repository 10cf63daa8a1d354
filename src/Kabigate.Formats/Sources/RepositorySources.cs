using Kabigate.Abi;
using Kabigate.Formats.Repodata;

namespace Kabigate.Formats.Sources;

/// <summary>
/// RPM repositories as sources: a directory holding <c>repodata/repomd.xml</c>, or an http(s):// base URL, with an
/// optional <c>#RELEASE</c> naming one kernel. Kernels come from primary metadata alone (their kABI provides); kmod
/// packages are downloaded only when their modules are needed.
/// </summary>
public static class RepositorySources
{
    /// <summary>Splits <c>LOCATION[#RELEASE]</c> when LOCATION is a repository.</summary>
    public static bool TryParse(string source, out string location, out string? release)
    {
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
        using var repository = RpmRepository.Open(location);
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
            var kernel = PackageKernels.FromProvides(provides, $"{location}#{packageRelease} ({package.LocationHref})", options.Release ?? packageRelease);
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

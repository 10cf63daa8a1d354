namespace Kabigate.Tests.Support;

/// <summary>
/// The real kernels and kmods tests/prepare-data.sh fetched and built (see DATA/provenance.txt): Debian's
/// linux-headers packages of several 6.1.0 ABIs, an image package, and the test kmods built against two of them.
/// </summary>
internal sealed class RealData
{
    private static readonly Lazy<RealData> Shared = new(Load);

    private RealData(string root, Dictionary<string, string> manifest)
    {
        Root = root;
        OldRelease = manifest["OLD_RELEASE"];
        NewRelease = manifest["NEW_RELEASE"];
        Releases = manifest["RELEASES"].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        NewerReleases = manifest.GetValueOrDefault("NEWER_RELEASES", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        NewerBuildRelease = manifest.GetValueOrDefault("NEWER_BUILD_RELEASE", "");
        NewerHeaders = manifest.GetValueOrDefault("NEWER_HEADERS", "");
    }

    public static RealData Instance => Shared.Value;

    public string Root { get; }

    /// <summary>The oldest prepared amd64 ABI: its headers are installed and the kmods are built against it.</summary>
    public string OldRelease { get; }

    /// <summary>The newest prepared amd64 ABI: its headers are installed and the kmods are built against it.</summary>
    public string NewRelease { get; }

    /// <summary>Every prepared release (amd64 ABIs, then the cloud and rt flavours of the oldest).</summary>
    public IReadOnlyList<string> Releases { get; }

    /// <summary>
    /// Debian's 6.12 line (<c>6.12.N+deb12-amd64</c>): every ABI apt offered, then the cloud and rt flavours of the
    /// oldest. Each amd64 ABI has its headers and its <c>linux-image-…-unsigned</c> package.
    /// </summary>
    public IReadOnlyList<string> NewerReleases { get; }

    /// <summary>The newest 6.12 ABI: its headers are unpacked under DATA/headers and the kmods are built against it.</summary>
    public string NewerBuildRelease { get; }

    /// <summary>The unpacked headers directory of <see cref="NewerBuildRelease"/> (Module.symvers, .config, the BTF vmlinux).</summary>
    public string NewerHeaders { get; }

    /// <summary>The amd64 releases of both lines that have an image package.</summary>
    public IReadOnlyList<string> ImageReleases => [.. Releases.Concat(NewerReleases).Where(r => global::Kabigate.Abi.KernelReleases.Flavour(r) == "amd64")];

    /// <summary>The image package of a release: <c>linux-image-R</c> (6.1) or <c>linux-image-R-unsigned</c> (6.12).</summary>
    public string ImageDebOf(string release) =>
        Directory.EnumerateFiles(Path.Combine(Root, "debs"), $"linux-image-{release}_*.deb")
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "debs"), $"linux-image-{release}-unsigned_*.deb")).Single();

    public string HeadersDeb(string release) =>
        Directory.EnumerateFiles(Path.Combine(Root, "debs"), $"linux-headers-{release}_*.deb").Single();

    public string ImageDeb => Directory.EnumerateFiles(Path.Combine(Root, "debs"), $"linux-image-{OldRelease}_*.deb").Single();

    public static string HeadersDir(string release) => $"/usr/src/linux-headers-{release}";

    public string KmodDir(string buildRelease) => Path.Combine(Root, "kmods", buildRelease);

    /// <summary>The repository of kernel-core RPMs (one per amd64 ABI) and kmod RPMs that prepare-data.sh built.</summary>
    public string Repository => Path.Combine(Root, "packages", "repo");

    /// <summary>Packages kept out of the repository: SUSE-style, no-requirements and lying kmods, a kernel-default.</summary>
    public string ExtraPackage(string pattern) => Directory.EnumerateFiles(Path.Combine(Root, "packages", "extra"), pattern).Single();

    public string RepositoryPackage(string pattern) => Directory.EnumerateFiles(Repository, pattern).Single();

    /// <summary>A driver update disk (rhdd3, rpms/x86_64/kmod-kabigate-test-*.rpm) made with xorriso.</summary>
    public string DriverUpdateDisk => Path.Combine(Root, "packages", "dud.iso");

    /// <summary>Debian's release spelled as an RPM version (kernel-uname-r of the test kernel RPMs).</summary>
    public static string RpmRelease(string release)
    {
        var parts = release.Split('-', 3);
        return $"{parts[0]}-{parts[1]}.{parts[2].Replace('-', '_')}";
    }

    public string Kmod(string buildRelease, string name) => Path.Combine(KmodDir(buildRelease), name + ".ko");

    public IEnumerable<string> Kmods(string buildRelease) => Directory.EnumerateFiles(KmodDir(buildRelease), "*.ko").Order(StringComparer.Ordinal);

    /// <summary>A scratch folder inside the data cache, kept between runs for expensive derived data.</summary>
    public string Scratch(string name)
    {
        var path = Path.Combine(Root, "scratch", name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static RealData Load()
    {
        var root = Environment.GetEnvironmentVariable("KABIGATE_TEST_DATA");
        if (string.IsNullOrEmpty(root))
            root = Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "kabigate-tests");
        var manifest = Path.Combine(root, "manifest.env");
        if (!File.Exists(manifest))
            throw new InvalidOperationException($"no real test data in {root}: run ./test (it runs tests/prepare-data.sh)");
        var values = File.ReadAllLines(manifest)
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"'));
        return new RealData(root, values);
    }
}

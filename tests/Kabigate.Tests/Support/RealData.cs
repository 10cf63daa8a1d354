namespace Kabigate.Tests.Support;

/// <summary>
/// The real kernels and kmods tests/prepare-data.sh fetched and built (see DATA/provenance.txt): Debian's
/// linux-headers packages of several 6.1.0 ABIs, an image package, and the test kmods built against two of them; and
/// the real files some format tests read on their own (<see cref="DebianSymvers"/>, <see cref="DebDirectory"/>).
/// Tests that use them are <see cref="RealDataFactAttribute"/>s (or <see cref="RealFileFactAttribute"/>s,
/// <see cref="RealDebFactAttribute"/>s), skipped with the reason when the data is absent, and carry the trait
/// <c>Category=RealData</c> so they can be filtered out.
/// </summary>
internal sealed class RealData
{
    /// <summary>Debian 12's <c>linux-headers-6.1.0-47-amd64</c> (apt-get install), 25k rows, 5-column format.</summary>
    public const string DebianSymvers = "/usr/src/linux-headers-6.1.0-47-amd64/Module.symvers";

    /// <summary>The pattern of the real headers package the .deb tests read.</summary>
    public const string HeadersDebPattern = "linux-headers-6.1.0-*-amd64_*.deb";

    /// <summary>The pattern of the real kernel image package.</summary>
    public const string ImageDebPattern = "linux-image-6.1.0-*-amd64_*.deb";

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
        NetbootRelease = manifest.GetValueOrDefault("NETBOOT_RELEASE", "");
    }

    /// <summary>The release Debian's netboot installer boots (its initrd's lib/modules/R), as prepare-data.sh read it with cpio.</summary>
    public string NetbootRelease { get; }

    /// <summary>Debian's <c>debian-installer-12-netboot-amd64</c> package (apt-get download into DATA/installer).</summary>
    public string NetbootDeb => Directory.EnumerateFiles(Path.Combine(Root, "installer"), "debian-installer-12-netboot-amd64_*.deb").Order(StringComparer.Ordinal).Last();

    /// <summary>The headers package of <see cref="NetbootRelease"/> (DATA/debs or DATA/installer), or null when apt no longer has it.</summary>
    public string? NetbootHeadersDeb =>
        new[] { "debs", "installer" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d), $"linux-headers-{NetbootRelease}_*.deb")).FirstOrDefault();

    public static RealData Instance => Shared.Value;

    /// <summary>The data folder: <c>$KABIGATE_TEST_DATA</c>, else <c>$XDG_CACHE_HOME/kabigate-tests</c> (<c>~/.cache</c>).</summary>
    public static string DataRoot
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("KABIGATE_TEST_DATA");
            if (!string.IsNullOrEmpty(root))
                return root;
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "kabigate-tests");
        }
    }

    /// <summary>Why the prepared data cannot be used, or null when tests/prepare-data.sh has filled <see cref="DataRoot"/>.</summary>
    public static string? Missing => File.Exists(Path.Combine(DataRoot, "manifest.env")) ? null
        : $"needs the real test data (kernels, kbuild-built kmods, RPMs) in {DataRoot}: ./test prepares it (tests/prepare-data.sh); set KABIGATE_TEST_DATA";

    /// <summary>
    /// The directory of real .debs: <c>$KABIGATE_TEST_DEBS</c>; else <c>/tmp/debcache</c> (filled by
    /// <c>apt-get download linux-headers-6.1.0-50-amd64</c> and friends); else the <c>debs</c> folder of <see cref="DataRoot"/>.
    /// </summary>
    public static string DebDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("KABIGATE_TEST_DEBS") is { Length: > 0 } explicitDir)
                return explicitDir;
            return Directory.Exists("/tmp/debcache") ? "/tmp/debcache" : Path.Combine(DataRoot, "debs");
        }
    }

    /// <summary>The first <see cref="HeadersDebPattern"/> match (no flavour such as cloud or rt), or null.</summary>
    public static string? FirstHeadersDeb => FindDeb(HeadersDebPattern);

    /// <summary>The first .deb in <see cref="DebDirectory"/> matching <paramref name="pattern"/>, skipping the cloud and rt flavours, or null.</summary>
    public static string? FindDeb(string pattern)
    {
        if (!Directory.Exists(DebDirectory))
            return null;
        return Directory.EnumerateFiles(DebDirectory, pattern)
            .Where(p => !Path.GetFileName(p).Contains("-cloud-", StringComparison.Ordinal)
                && !Path.GetFileName(p).Contains("-rt-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

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
        var root = DataRoot;
        var manifest = Path.Combine(root, "manifest.env");
        if (!File.Exists(manifest))
            throw new InvalidOperationException(Missing);
        var values = File.ReadAllLines(manifest)
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"'));
        return new RealData(root, values);
    }
}

/// <summary>A fact that needs the prepared real data (and tools): skipped with the reason when any is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealDataFactAttribute : FactAttribute
{
    public RealDataFactAttribute(params string[] tools) => Skip = RealData.Missing ?? Needs.MissingTools(tools);
}

/// <summary>A theory that needs the prepared real data (and tools): skipped with the reason when any is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealDataTheoryAttribute : TheoryAttribute
{
    public RealDataTheoryAttribute(params string[] tools) => Skip = RealData.Missing ?? Needs.MissingTools(tools);
}

/// <summary>A fact that needs the prepared real data and the test PostgreSQL server.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealDataPostgresFactAttribute : FactAttribute
{
    public RealDataPostgresFactAttribute(params string[] tools) => Skip = RealData.Missing ?? Needs.MissingPostgres() ?? Needs.MissingTools(tools);
}

/// <summary>A fact that reads one real file (e.g. <see cref="RealData.DebianSymvers"/>): skipped when it is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealFileFactAttribute : FactAttribute
{
    public RealFileFactAttribute(string path, params string[] tools) =>
        Skip = File.Exists(path) ? Needs.MissingTools(tools) : $"needs the real file '{path}': ./test installs it (tests/prepare-data.sh)";
}

/// <summary>A theory that reads one real file: skipped when it is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealFileTheoryAttribute : TheoryAttribute
{
    public RealFileTheoryAttribute(string path)
    {
        if (!File.Exists(path))
            Skip = $"needs the real file '{path}': ./test installs it (tests/prepare-data.sh)";
    }
}

/// <summary>A fact that reads a real .deb matching a pattern in <see cref="RealData.DebDirectory"/>: skipped when there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealDebFactAttribute : FactAttribute
{
    public RealDebFactAttribute(string pattern)
    {
        if (RealData.FindDeb(pattern) is null)
            Skip = $"needs a real {pattern} in '{RealData.DebDirectory}': ./test downloads it (tests/prepare-data.sh)";
    }
}

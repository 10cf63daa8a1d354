using System.Globalization;
using System.Text;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Golden;

/// <summary>
/// The RPM side of the golden world, <c>$RPMS</c>, made with the real rpmbuild, createrepo_c and rpm from
/// <see cref="GoldenWorld"/>'s kernels:
/// <list type="bullet">
/// <item><c>repo/</c>: kernel-core 6.1.0-1.amd64 and 6.1.0-2.amd64 (their vmlinux exports as <c>kernel(sym) = CRC</c>
/// provides), kmod-kg-stable and kmod-kg-crcchange (the CRCs of 6.1.0-1 their modules were built with; misc_register
/// changes in 2), kmod-kg-future (a misc_register CRC no kernel has) and kmod-kg-bare (declares nothing).</item>
/// <item><c>root/</c>: an install root whose rpm database (<c>var/lib/rpm</c>, by <c>rpm --justdb</c>) holds
/// kernel-core 6.1.0-1.amd64, kmod-kg-stable and kmod-kg-crcchange.</item>
/// </list>
/// Build times (SOURCE_DATE_EPOCH from each spec's %changelog), host and file times are fixed, and so are the
/// repository's (--set-timestamp-to-revision), so the packages and
/// the repository metadata are the same bytes every run and kabigate's package cache reuses its entries.
/// </summary>
internal sealed class GoldenRpmWorld
{
    public const string Rpmbuild = "rpmbuild";
    public const string CreaterepoC = "createrepo_c";
    public const string Rpm = "rpm";

    /// <summary>The file time of every package and the time of the repository: fixed, so that the bytes are the same every run.</summary>
    private const long SourceDateEpoch = 1_700_000_000;

    /// <summary>What a case that uses this world names in its <c>needs</c> file.</summary>
    public static readonly string[] Needs = [Rpmbuild, CreaterepoC, Rpm];

    private static readonly Lock Building = new();
    private static GoldenRpmWorld? _instance;

    private GoldenRpmWorld(GoldenWorld world)
    {
        Root = world.Combine("rpms");
        var repo = Path.Combine(Root, "repo");
        Directory.CreateDirectory(repo);
        var specs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kernel-core-1"] = KernelSpec(GoldenWorld.Release1),
            ["kernel-core-2"] = KernelSpec(GoldenWorld.Release2),
            ["kmod-kg-stable"] = KmodSpec("kg-stable", Requires(GoldenWorld.Release1, "_printk", "misc_deregister")),
            ["kmod-kg-crcchange"] = KmodSpec("kg-crcchange", Requires(GoldenWorld.Release1, "_printk", "misc_register", "misc_deregister")),
            ["kmod-kg-future"] = KmodSpec("kg-future", ["kernel(misc_register) = 0x12345678"]),
            ["kmod-kg-bare"] = KmodSpec("kg-bare", []),
        };
        foreach (var (name, spec) in specs)
        {
            var specPath = Path.Combine(Root, "specs", name + ".spec");
            Directory.CreateDirectory(Path.GetDirectoryName(specPath)!);
            File.WriteAllText(specPath, spec);
            Support.Rpmbuild.Build(specPath, Path.Combine(Root, "rpmbuild"), repo, "_build_id_links none",
                "source_date_epoch_from_changelog 1", "use_source_date_epoch_as_buildtime 1", "_buildhost golden.kabigate.test");
        }
        foreach (var rpm in Directory.EnumerateFiles(repo, "*.rpm", SearchOption.AllDirectories))
            File.SetLastWriteTimeUtc(rpm, DateTimeOffset.FromUnixTimeSeconds(SourceDateEpoch).UtcDateTime);
        Tools.RunOk(CreaterepoC, "--quiet", "--revision", SourceDateEpoch.ToString(CultureInfo.InvariantCulture), "--set-timestamp-to-revision", repo);

        var installRoot = Path.Combine(Root, "root");
        Directory.CreateDirectory(installRoot);
        string Package(string pattern) => Directory.EnumerateFiles(repo, pattern, SearchOption.AllDirectories).Single();
        Tools.RunOk(Rpm, "--root", installRoot, "--dbpath", "/var/lib/rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--notriggers",
            Package("kernel-core-6.1.0-1.amd64.x86_64.rpm"), Package("kmod-kg-stable-*.rpm"), Package("kmod-kg-crcchange-*.rpm"));
    }

    /// <summary>The folder, <c>$RPMS</c>.</summary>
    public string Root { get; }

    /// <summary>The world, built on first use (it runs rpmbuild six times).</summary>
    public static GoldenRpmWorld Instance(GoldenWorld world)
    {
        lock (Building)
            return _instance is { } built && built.Root == world.Combine("rpms") ? built : _instance = new GoldenRpmWorld(world);
    }

    /// <summary>The changelog rpmbuild takes SOURCE_DATE_EPOCH (the build time) from.</summary>
    private const string Changelog = "%changelog\n* Tue Nov 14 2023 kabigate <golden@kabigate.test> - 1\n- golden fixture\n";

    /// <summary>Debian's release as an RPM release: 6.1.0-1-amd64 is version 6.1.0, release 1.amd64.</summary>
    private static string RpmRelease(string release) => release.Split('-', 2)[1].Replace('-', '.');

    private static IEnumerable<string> Requires(string release, params string[] symbols)
    {
        var crcs = GoldenWorld.Symvers(release).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t'))
            .ToDictionary(f => f[1], f => f[0], StringComparer.Ordinal);
        return symbols.Select(s => $"kernel({s}) = {crcs[s]}");
    }

    private static string KernelSpec(string release)
    {
        var spec = new StringBuilder();
        var unameR = "6.1.0-" + RpmRelease(release);
        spec.Append(CultureInfo.InvariantCulture, $"Name: kernel-core\nVersion: 6.1.0\nRelease: {RpmRelease(release)}\nSummary: golden kernel\nLicense: GPLv2\nBuildArch: x86_64\n");
        spec.Append(CultureInfo.InvariantCulture, $"Provides: kernel-uname-r = {unameR}\nProvides: kernel-core-uname-r = {unameR}\nProvides: installonlypkg(kernel)\n");
        foreach (var fields in GoldenWorld.Symvers(release).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).Where(f => f[2] == "vmlinux"))
            spec.Append(CultureInfo.InvariantCulture, $"Provides: kernel({fields[1]}) = {fields[0]}\n");
        spec.Append("%description\nA kernel's kABI as RPM provides.\n%files\n").Append(Changelog);
        return spec.ToString();
    }

    private static string KmodSpec(string name, IEnumerable<string> requires)
    {
        var spec = new StringBuilder();
        spec.Append(CultureInfo.InvariantCulture, $"Name: kmod-{name}\nVersion: 1.0\nRelease: 1\nSummary: golden kmod\nLicense: GPLv2\nBuildArch: x86_64\n");
        foreach (var require in requires)
            spec.Append(CultureInfo.InvariantCulture, $"Requires: {require}\n");
        spec.Append("Provides: kernel-modules >= 6.1.0-1.amd64\n%description\nA kmod's kABI requirements.\n%files\n").Append(Changelog);
        return spec.ToString();
    }
}

namespace Kabigate.Tests.Support;

/// <summary>
/// Real dnf 4 in an <c>--installroot</c>, against createrepo_c repositories built once per test class from the real
/// Debian ABIs and the kbuild-built test kmods (tests/rpms/*.sh), with the plugin under test loaded from
/// packaging/dnf through a test dnf.conf (pluginpath, pluginconfpath, reposdir; no network, no gpg).
/// </summary>
/// <remarks>
/// Repositories (OLD and NEW are the oldest and newest prepared ABIs, e.g. 6.1.0-47 and 6.1.0-56):
/// <list type="bullet">
/// <item><c>base-hold</c>: kernel-core OLD and kmod-kabigate-test 1.0 (built against OLD).</item>
/// <item><c>updates-hold</c>: kernel-core NEW (other CRCs: breaks the kmod) and kernel-core OLD.r2 (the same ABI, a
/// new package release).</item>
/// <item><c>base-mask</c>: kernel-core NEW and kmod-kabigate-a 1.0 (built against NEW).</item>
/// <item><c>updates-mask</c>: kmod-kabigate-a 1.1 (built against OLD: its kernel(sym) = CRC requirements no
/// available kernel provides), kmod-kabigate-bare (declares nothing) and kernel-core NEW.r2.</item>
/// </list>
/// </remarks>
public sealed class DnfWorld : IDisposable
{
    private static readonly RealData Data = RealData.Instance;

    private readonly TempDirectory _temp = new();

    public DnfWorld()
    {
        Root = _temp.Path;
        var packages = Data.Root + "/packages/repo";
        string Headers(string release) => Path.Combine(Data.Root, "scratch", $"headers-{release}", "Module.symvers");
        string Kmods(string release, params string[] names) => string.Join(' ', names.Select(n => $"'{Data.Kmod(release, n)}'"));
        var scripts = Path.Combine(SourceRoot, "tests", "rpms");
        var old = Data.OldRelease;
        var neu = Data.NewRelease;
        Shell($"""
            set -e
            cd '{Root}'
            mkdir -p base-hold updates-hold base-mask updates-mask
            cp '{packages}'/kernel-core-{RealData.RpmRelease(old)}.x86_64.rpm '{packages}'/kmod-kabigate-test-1.0-*.rpm base-hold/
            cp '{packages}'/kernel-core-{RealData.RpmRelease(neu)}.x86_64.rpm updates-hold/
            RELEASE_SUFFIX=.r2 '{scripts}/make-kernel-rpm.sh' {old} '{Headers(old)}' updates-hold
            cp '{packages}'/kernel-core-{RealData.RpmRelease(neu)}.x86_64.rpm base-mask/
            '{scripts}/make-kmod-rpm.sh' kabigate-a {neu} '{Headers(neu)}' base-mask w2.xzdio rhel {Kmods(neu, "kg_stable", "kg_crcchange")}
            KMOD_VERSION=1.1 '{scripts}/make-kmod-rpm.sh' kabigate-a {old} '{Headers(old)}' updates-mask w2.xzdio rhel {Kmods(old, "kg_stable", "kg_crcchange")}
            '{scripts}/make-kmod-rpm.sh' kabigate-bare {neu} '{Headers(neu)}' updates-mask w2.xzdio none {Kmods(neu, "kg_stable")}
            RELEASE_SUFFIX=.r2 '{scripts}/make-kernel-rpm.sh' {neu} '{Headers(neu)}' updates-mask
            # A hostile repository: the NEVRA of updates-hold's genuine .r2 kernel with the new ABI's CRCs, and an
            # openssl-libs providing kernel-uname-r and kernel(sym); a genuine openssl-libs of the same NEVRA elsewhere.
            mkdir -p aaa-evil genuine-extra
            RELEASE_SUFFIX=.r2 '{scripts}/make-kernel-rpm.sh' {old} '{Headers(neu)}' aaa-evil
            '{scripts}/make-kernel-rpm.sh' {old} '{Headers(neu)}' aaa-evil openssl-libs
            '{scripts}/make-kernel-rpm.sh' {old} '{Headers(old)}' genuine-extra openssl-libs w2.xzdio none
            for r in base-hold updates-hold base-mask updates-mask aaa-evil genuine-extra; do createrepo_c -q $r; done
            mkdir -p plugins pluginconf
            cp '{SourceRoot}/packaging/dnf/kabigate.py' plugins/
            """);
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host : "dotnet";
        Kabigate = Path.Combine(Root, "kabigate.sh");
        File.WriteAllText(Kabigate, $"#!/bin/sh\nexec '{dotnet}' '{Path.Combine(AppContext.BaseDirectory, "kabigate.dll")}' \"$@\"\n");
        Tools.RunOk("chmod", "755", Kabigate);
    }

    /// <summary>The temporary folder holding everything.</summary>
    public string Root { get; }

    /// <summary>A script that runs the CLI under test (this build's kabigate.dll).</summary>
    public string Kabigate { get; }

    /// <summary>The checkout (where tests/rpms and packaging/dnf are).</summary>
    public static string SourceRoot => SourceTree.Root;

    /// <summary>The kernel RPM release of an ABI with an optional suffix, e.g. <c>6.1.0-47.amd64.r2</c>.</summary>
    public static string Kernel(string release, string suffix = "") => RealData.RpmRelease(release) + suffix;

    public string Repo(string name) => Path.Combine(Root, name);

    /// <summary>
    /// A fresh install root with its own dnf.conf, plugin configuration and repository files, the named base
    /// repository's packages installed (plugin off), the others enabled (<paramref name="moreRepos"/> too, each
    /// with its folder's name as its id).
    /// </summary>
    public DnfRoot NewRoot(string baseRepo, string updatesRepo, string pluginConf = "", params string[] moreRepos)
    {
        var name = Guid.NewGuid().ToString("N")[..8];
        var dir = Path.Combine(Root, "root-" + name);
        var root = new DnfRoot(this, dir);
        Directory.CreateDirectory(root.InstallRoot);
        Directory.CreateDirectory(root.ReposDir);
        Directory.CreateDirectory(root.PluginConfDir);
        File.WriteAllText(Path.Combine(root.ReposDir, "test.repo"), $"""
            [base]
            name=base
            baseurl=file://{Repo(baseRepo)}
            gpgcheck=0
            [updates]
            name=updates
            baseurl=file://{Repo(updatesRepo)}
            gpgcheck=0

            """ + string.Concat(moreRepos.Select(r => $"[{r}]\nname={r}\nbaseurl=file://{Repo(r)}\ngpgcheck=0\n\n")));
        File.WriteAllText(root.Config, $"""
            [main]
            gpgcheck=0
            reposdir={root.ReposDir}
            cachedir=/var/cache/dnf
            plugins=1
            pluginpath={Path.Combine(Root, "plugins")}
            pluginconfpath={root.PluginConfDir}
            installonly_limit=5
            best=True
            skip_if_unavailable=False

            """);
        root.WritePluginConf(pluginConf);
        var (exit, stdout, stderr) = root.Dnf(["--disableplugin", "kabigate", "--disablerepo", "updates", .. moreRepos.SelectMany(r => new[] { "--disablerepo", r }), "install", "*"]);
        if (exit != 0)
            throw new InvalidOperationException($"dnf install of {baseRepo} failed ({exit}): {stdout}{stderr}");
        return root;
    }

    public void Dispose() => _temp.Dispose();

    internal static string Shell(string script)
    {
        var (code, stdout, stderr) = Tools.Run("bash", "-c", script);
        if (code != 0)
            throw new InvalidOperationException($"setup failed ({code}): {stderr}");
        return stdout;
    }
}

/// <summary>The tests that share one <see cref="DnfWorld"/> (built once; they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class DnfCollection : ICollectionFixture<DnfWorld>
{
    public const string Name = "dnf";
}

/// <summary>One install root and its dnf configuration.</summary>
public sealed class DnfRoot(DnfWorld world, string dir)
{
    public string InstallRoot { get; } = Path.Combine(dir, "root");

    public string Config { get; } = Path.Combine(dir, "dnf.conf");

    public string ReposDir { get; } = Path.Combine(dir, "repos.d");

    public string PluginConfDir { get; } = Path.Combine(dir, "pluginconf");

    /// <summary>Writes kabigate.conf: the shipped one, with the test's binary and <paramref name="extra"/> lines after.</summary>
    public void WritePluginConf(string extra)
    {
        var shipped = File.ReadAllText(Path.Combine(DnfWorld.SourceRoot, "packaging", "dnf", "kabigate.conf"))
            .Replace("kabigate = kabigate", $"kabigate = {world.Kabigate}", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(PluginConfDir, "kabigate.conf"), shipped + extra);
    }

    /// <summary>Runs dnf on this root: <c>-c dnf.conf --installroot ROOT --releasever 12 -y --nogpgcheck ARGS</c>.</summary>
    public (int Exit, string Stdout, string Stderr) Dnf(params string[] args)
    {
        string[] all = ["-c", Config, "--installroot", InstallRoot, "--releasever", "12", "-y", "--nogpgcheck", .. args];
        var (exit, stdout, stderr) = Tools.Execute("dnf", all, environment: new Dictionary<string, string> { ["LC_ALL"] = "C.UTF-8" });
        return (exit, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }

    /// <summary>The installed packages as rpm itself lists them (<c>rpm --root ROOT -qa</c>), sorted.</summary>
    public IReadOnlyList<string> RpmQa() =>
        [.. Tools.RunOk("rpm", "--root", InstallRoot, "-qa", "--qf", "%{NEVRA}\\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    /// <summary>The rpm database directory rpm uses in this root (Debian's rpm: ~/.rpmdb).</summary>
    public string DbPath => Tools.RunOk("rpm", "--eval", "%_dbpath").Trim();
}

using Kabigate.Tests.Packaging;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// The dnf plugin as the RPM installs it: kabigate's own package installed with <c>rpm --root</c> into a
/// <see cref="DnfWorld"/> root, then real dnf, with no pluginpath or pluginconfpath of the test's, loads the packaged
/// kabigate.py from dnf's own PLUGINPATH, reads the packaged /etc/dnf/plugins/kabigate.conf and runs the packaged
/// /usr/bin/kabigate (the native AOT binary), and masks and holds as <see cref="DnfPluginTests"/> checks with the
/// plugin from the checkout.
/// </summary>
/// <remarks>
/// dnf takes its plugin directories from the host, not from <c>--installroot</c> (dnf/conf/config.py prefixes only
/// cachedir, logdir, persistdir and reposdir). So dnf runs in a private mount namespace (<c>unshare -m</c>, root in
/// this container) in which the root's /usr/bin, plugin directory and /etc/dnf/plugins are laid over the host's with
/// read-only overlayfs: dnf sees the package's files where dnf on the installed system would, and the host is left
/// untouched.
/// </remarks>
[Trait("Category", "RealData")]
[Collection(DnfCollection.Name)]
public class PackagedDnfPluginTests(DnfWorld world)
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string Old(string suffix = "") => DnfWorld.Kernel(Data.OldRelease, suffix);

    private static string New(string suffix = "") => DnfWorld.Kernel(Data.NewRelease, suffix);

    private static string Abi(string release) => release.Split('-')[1];

    private static List<string> Sorted(params string[] names) => [.. names.Order(StringComparer.Ordinal)];

    /// <summary>The installed packages but the imported signing key (rpm lists it as gpg-pubkey-ID-DATE).</summary>
    private static List<string> Installed(DnfRoot root) => [.. root.RpmQa().Where(p => !p.StartsWith("gpg-pubkey-", StringComparison.Ordinal))];

    [RealDataFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "dnf", "rpm", "createrepo_c", "unshare", "mount")]
    public void PackagedPlugin_MasksTheKmodNoKernelCarries()
    {
        var root = world.NewRoot("base-mask", "updates-mask");
        PackageTests.Install(root.InstallRoot);
        var (exit, stdout, stderr) = DnfAsInstalled(root, "upgrade");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"kabigate mask: excluding kmod-kabigate-a-1.1-1.k{Abi(Data.OldRelease)}.x86_64 from updates: no available or installed kernel meets its kABI requirements; closest {New(".r2")} (kernel-core-{New(".r2")}.x86_64): 2 of ", stdout, StringComparison.Ordinal);
        Assert.Contains($"kabigate mask: kmod-kabigate-bare-1.0-1.k{Abi(Data.NewRelease)}.x86_64 declares no kABI requirements; not judged", stdout, StringComparison.Ordinal);
        Assert.Equal(
            Sorted($"kabigate-{SelfPackages.Instance.Versions["RPM_VERSION"]}-{SelfPackages.Instance.Versions["RPM_RELEASE"]}.x86_64",
                $"kernel-core-{New()}.x86_64", $"kernel-core-{New(".r2")}.x86_64", $"kmod-kabigate-a-1.0-1.k{Abi(Data.NewRelease)}.x86_64"),
            Installed(root));
    }

    [RealDataFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "dnf", "rpm", "createrepo_c", "unshare", "mount")]
    public void PackagedPlugin_HoldsTheKernelThatBreaksAnInstalledKmod()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        PackageTests.Install(root.InstallRoot);
        var (exit, stdout, stderr) = DnfAsInstalled(root, "upgrade");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"kabigate hold: excluding kernel-core-{New()}.x86_64 from updates: kernel {New()} held back: kmod-kabigate-test-1.0-1.k{Abi(Data.OldRelease)}.x86_64 would not load: ", stdout, StringComparison.Ordinal);
        Assert.Contains($"kabigate hold: newest available kernel on which every installed kmod loads: {Old(".r2")} (kernel-core-{Old(".r2")}.x86_64)", stdout, StringComparison.Ordinal);
        Assert.Contains($"kernel-core-{Old(".r2")}.x86_64", Installed(root));
        Assert.DoesNotContain($"kernel-core-{New()}.x86_64", Installed(root));

    }

    /// <summary>
    /// Real dnf on the root with a dnf.conf that names no plugin directory (dnf's defaults), in a mount namespace
    /// where the root's packaged files lie over the host's paths.
    /// </summary>
    private static (int Exit, string Stdout, string Stderr) DnfAsInstalled(DnfRoot root, params string[] args)
    {
        var config = root.Config + ".packaged";
        File.WriteAllLines(config, File.ReadAllLines(root.Config).Where(l => !l.StartsWith("pluginpath=", StringComparison.Ordinal) && !l.StartsWith("pluginconfpath=", StringComparison.Ordinal)));
        var pluginPath = PackageTests.HostPluginPath;
        var quoted = string.Join(' ', args.Select(a => "'" + a + "'"));
        var script = $$"""
            set -e
            r='{{root.InstallRoot}}'
            over() { mkdir -p "$r$1"; mount -t overlay overlay -o "lowerdir=$r$1:$1" "$1"; }
            over /usr/bin
            plugins='{{pluginPath}}'
            [ -d "$plugins" ] || plugins=$(dirname "$plugins")
            over "$plugins"
            over /etc/dnf/plugins
            exec dnf -c '{{config}}' --installroot "$r" --releasever 12 -y --nogpgcheck {{quoted}}
            """;
        var (exit, stdout, stderr) = Tools.Execute("unshare", ["-m", "bash", "-c", script], environment: new Dictionary<string, string> { ["LC_ALL"] = "C.UTF-8" });
        return (exit, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }
}

using System.Text.RegularExpressions;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Packaging;

/// <summary>
/// The linters distributions run on packages, on kabigate's own (<see cref="SelfPackages"/>): rpmlint and lintian
/// report no error, and only the warnings listed here, each for the reason written beside it (the same reasons are in
/// packaging/rpm/kabigate.spec and packaging/deb/README.md); systemd-analyze verify accepts the installed unit.
/// </summary>
public class PackageLintTests
{
    private static SelfPackages Packages => SelfPackages.Instance;

    /// <summary>rpmlint's warnings kept, by tag (each explained in packaging/rpm/kabigate.spec).</summary>
    private static readonly string[] RpmlintWarningsKept =
    [
        "invalid-license", // no license is chosen yet: License: LicenseRef-kabigate-unspecified
        "no-manual-page-for-binary", // rpmlint 2.4.0 records the man section, not the page's name (FilesCheck.py: man_basenames.add(category)), so it says this of every binary
        "no-url-tag", // the project has no public home page yet
    ];

    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "rpm", "rpmlint")]
    public void Rpmlint_ReportsNoError_AndOnlyTheWarningsExplained()
    {
        // rpmlint checks the signature against rpm's keyring: Debian's rpm keeps it in $HOME/.rpmdb, so a HOME of the
        // test's own holds the test signing key and nothing else is touched.
        using var home = new TempDirectory();
        var environment = new Dictionary<string, string> { ["HOME"] = home.Path };
        Tools.RunBytes("rpm", ["--import", Packages.SigningPublicKey], environment: environment);
        var (checkExit, checkOut, _) = Tools.Execute("rpm", ["-K", Packages.Rpm], environment: environment);
        Assert.Equal(0, checkExit);
        Assert.EndsWith("digests signatures OK\n", System.Text.Encoding.UTF8.GetString(checkOut), StringComparison.Ordinal);
        var config = Path.Combine(SourceTree.Root, "packaging", "rpm", "rpmlint.toml");
        var (_, output, stderr) = Tools.Execute("rpmlint", ["-c", config, Packages.Rpm], environment: environment);
        var stdout = System.Text.Encoding.UTF8.GetString(output);
        var findings = Findings(stdout, @"^\S+: ([EW]): (\S+)");
        Assert.True(findings.All(f => f.Severity == "W"), stdout + stderr);
        Assert.Equal(RpmlintWarningsKept.Order(StringComparer.Ordinal), findings.Select(f => f.Tag).Distinct().Order(StringComparer.Ordinal));
        Assert.Matches(@"1 packages and 0 specfiles checked; 0 errors, \d+ warnings", stdout);
    }

    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "lintian")]
    public void Lintian_ReportsNoError_AndOnlyTheTagsExplained()
    {
        // Errors and warnings (lintian's default): none, and lintian's exit status says so.
        var (exit, stdout, stderr) = Tools.Run("lintian", Packages.Deb);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Empty(Findings(stdout, @"^([EW]): kabigate[^:]*: (\S+)"));
        // The overrides the package ships (packaging/deb/lintian-overrides: the .NET runtime's own zlib, in the AOT CLI
        // and in the server's runtime) are the ones used, and nothing else is overridden.
        (_, stdout, _) = Tools.Run("lintian", "--show-overrides", Packages.Deb);
        Assert.Equal(
            ["O: kabigate: embedded-library zlib [usr/bin/kabigate]", "O: kabigate: embedded-library zlib [usr/lib/kabigate/server/libSystem.IO.Compression.Native.so]"],
            stdout.Split('\n').Where(l => Regex.IsMatch(l, @"^[EWO]: ")).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// systemd-analyze verify, on the unit as the .deb installs it. Here systemd is not PID 1 (a container), so
    /// verify runs offline; it checks that ExecStart's binary exists and that the Documentation= man page opens, on
    /// the host's paths. So it runs in a mount namespace where the installed root's /usr/bin lies over the host's
    /// (overlayfs), with the installed man page on MANPATH. (--root=ROOT would need a whole systemd unit tree in the
    /// root: "Unit sysinit.target not found".)
    /// </summary>
    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "dpkg", "systemd-analyze", "unshare", "mount", "man")]
    public void SystemdAnalyzeVerify_AcceptsTheInstalledUnit()
    {
        using var temp = new TempDirectory();
        var root = PackageTests.DebRoot(temp);
        var unit = Path.Combine(root, "lib", "systemd", "system", "kabigate.service");
        var script = $"""
            set -e
            mount -t overlay overlay -o 'lowerdir={root}/usr/bin:/usr/bin' /usr/bin
            MANPATH='{root}/usr/share/man:' exec systemd-analyze verify '{unit}'
            """;
        var (exit, stdout, stderr) = Tools.Run("unshare", "-m", "bash", "-c", script);
        Assert.True(exit == 0 && stderr.Length == 0, $"{exit}: {stdout}{stderr}");

        // The same check sees a missing binary: it is not a check that cannot fail.
        File.Delete(Path.Combine(root, "usr", "bin", "kabigate"));
        (exit, _, stderr) = Tools.Run("unshare", "-m", "bash", "-c", script);
        Assert.NotEqual(0, exit);
        Assert.Contains("Command /usr/bin/kabigate is not executable: No such file or directory", stderr, StringComparison.Ordinal);
    }

    private static List<(string Severity, string Tag)> Findings(string output, string pattern) =>
        [.. output.Split('\n').Select(l => Regex.Match(l, pattern)).Where(m => m.Success).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];
}

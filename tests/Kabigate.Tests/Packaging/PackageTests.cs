using Kabigate.Tests.Support;

namespace Kabigate.Tests.Packaging;

/// <summary>
/// kabigate's own RPM and .deb (packaging/build-packages.sh, built once: <see cref="SelfPackages"/>), read and installed
/// with the real tools: rpm and dpkg into temporary roots, rpmlint, lintian, systemd-analyze.
/// </summary>
public class PackageTests
{
    private static readonly string[] RpmTools = [.. SelfPackages.BuildTools, "rpm"];
    private static readonly string[] DebTools = [.. SelfPackages.BuildTools, "dpkg"];

    private static SelfPackages Packages => SelfPackages.Instance;

    /// <summary>Where this host's dnf loads plugins from: the RPM built here puts the plugin there (rpm has no python3_sitelib on Debian).</summary>
    internal static string HostPluginPath => Tools.RunOk("/usr/bin/python3", "-c", "import dnf.const; print(dnf.const.PLUGINPATH)").Trim();

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "rpm", "dnf")]
    public void Rpm_HoldsEveryFile_MarksTheConfiguration_AndIsVersionedAsTheBinary()
    {
        var files = Lines(Tools.RunOk("rpm", "-qlp", Packages.Rpm)).Where(f => !f.StartsWith("/usr/lib/.build-id", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            new[]
            {
                "/etc/dnf/plugins/kabigate.conf", "/etc/kabigate", "/etc/kabigate/serve.toml", "/usr/bin/kabigate",
                HostPluginPath + "/kabigate.py", "/usr/lib/kabigate", "/usr/lib/kabigate/libe_sqlite3.so", ServerDir,
                "/usr/lib/systemd/system/kabigate.service",
                "/usr/share/bash-completion/completions/kabigate", "/usr/share/doc/kabigate", "/usr/share/doc/kabigate/README.md",
                "/usr/share/doc/kabigate/kabigate.md", "/usr/share/man/man1/kabigate.1.gz",
            }.Order(StringComparer.Ordinal),
            files.Where(f => !f.StartsWith(ServerDir + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        var server = ServerFiles(files);
        AssertServerPayload(server);
        // Modes: ELF executables and shared objects 0755 (rpm's dependency generator reads only executable files), the rest 0644.
        var modes = Lines(Tools.RunOk("rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\\n]", Packages.Rpm)).ToDictionary(l => l[11..], l => l[..10]);
        Assert.All(server, f => Assert.Equal(IsElf(f) ? "-rwxr-xr-x" : "-rw-r--r--", modes[ServerDir + "/" + f]));
        // The CLI's SQLite is the server's, linked (one copy).
        Assert.Equal("lrwxrwxrwx", modes["/usr/lib/kabigate/libe_sqlite3.so"]);
        Assert.Equal(["/etc/dnf/plugins/kabigate.conf", "/etc/kabigate/serve.toml"], Lines(Tools.RunOk("rpm", "-qp", "--configfiles", Packages.Rpm)).Order(StringComparer.Ordinal));
        // %config(noreplace): the file flags' RPMFILE_CONFIG (1) and RPMFILE_NOREPLACE (16).
        var flags = Lines(Tools.RunOk("rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS}\\n]", Packages.Rpm)).ToDictionary(l => l.Split(' ')[0], l => int.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(17, flags["/etc/dnf/plugins/kabigate.conf"] & 17);
        Assert.Equal(17, flags["/etc/kabigate/serve.toml"] & 17);
        var nvr = Tools.RunOk("rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{RELEASE} %{ARCH}", Packages.Rpm);
        Assert.Equal($"kabigate {Packages.Versions["RPM_VERSION"]} {Packages.Versions["RPM_RELEASE"]} x86_64", nvr);
        Assert.Equal(Packages.Versions["VERSION"], $"{Packages.Versions["RPM_VERSION"]}+{Packages.Versions["RPM_RELEASE"]}");
        var requires = Lines(Tools.RunOk("rpm", "-qp", "--requires", Packages.Rpm));
        foreach (var library in new[] { "liblzma.so.5()(64bit)", "libzstd.so.1()(64bit)", "libz.so.1()(64bit)", "libsqlite3.so.0()(64bit)", "libc.so.6()(64bit)", "libstdc++.so.6()(64bit)", "(libssl.so.3()(64bit) or libssl.so.1.1()(64bit))" })
            Assert.Contains(library, requires);
        // The private libraries neither provide nor require anything: no libcoreclr.so() for others, no
        // libmscordaccore.so() (the server's neighbour) nor liblttng-ust (its tracing provider is left out) to find.
        Assert.DoesNotContain(requires, r => r.StartsWith("libmscordaccore", StringComparison.Ordinal) || r.StartsWith("liblttng", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines(Tools.RunOk("rpm", "-qp", "--provides", Packages.Rpm)), p => p.Contains(".so", StringComparison.Ordinal));
    }

    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "rpm", "dnf")]
    public void Rpm_InstalledWithRpmRoot_RunsAndKeepsAModifiedConfigurationOnReinstallAndErase()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        Directory.CreateDirectory(root);
        // --nodeps: the empty root holds no package providing libc.so.6 and the other libraries the binary needs. The
        // scriptlets run (rpm's Lua: no /bin/sh needed) and find no systemctl there.
        Install(root);
        var binary = Path.Combine(root, "usr", "bin", "kabigate");
        Assert.Equal(Packages.Versions["VERSION"] + "\n", Tools.RunOk(binary, "--version"));
        Assert.Contains("\nkabigate = /usr/bin/kabigate\n", File.ReadAllText(Path.Combine(root, "etc", "dnf", "plugins", "kabigate.conf")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(root, HostPluginPath.TrimStart('/'), "kabigate.py")));
        var (exit, stdout, stderr) = Tools.Run("rpm", "--root", root, "-V", "--nodeps", "kabigate");
        Assert.True(exit == 0, stdout + stderr);

        var serve = Path.Combine(root, "etc", "kabigate", "serve.toml");
        File.AppendAllText(serve, "listen = \"http://0.0.0.0:9000\"\n");
        Rpm(root, "-U", "--replacepkgs", "--nodeps", Packages.Rpm);
        Assert.EndsWith("listen = \"http://0.0.0.0:9000\"\n", File.ReadAllText(serve), StringComparison.Ordinal);

        RpmSaying(root, ["warning: /etc/kabigate/serve.toml saved as /etc/kabigate/serve.toml.rpmsave"], "-e", "kabigate");
        Assert.False(File.Exists(binary));
        Assert.EndsWith("listen = \"http://0.0.0.0:9000\"\n", File.ReadAllText(serve + ".rpmsave"), StringComparison.Ordinal);
    }

    /// <summary>Where the packages put the server <c>kabigate serve</c> runs.</summary>
    internal const string ServerDir = "/usr/lib/kabigate/server";

    /// <summary>The files under <see cref="ServerDir"/>, by their names there, sorted.</summary>
    private static List<string> ServerFiles(IEnumerable<string> files) =>
        [.. files.Where(f => f.StartsWith(ServerDir + "/", StringComparison.Ordinal)).Select(f => f[(ServerDir.Length + 1)..]).Order(StringComparer.Ordinal)];

    /// <summary>Its native files, by name: the apphost, createdump and the runtime's shared objects.</summary>
    private static bool IsElf(string name) => name is "kabigate-server" or "createdump" || name.EndsWith(".so", StringComparison.Ordinal);

    /// <summary>
    /// The self-contained server: its apphost and assembly, the .NET and ASP.NET Core runtimes, Hangfire, the SQLite it
    /// opens; flat (no satellite-resource folders), no pdbs or XML docs, no LTTng provider.
    /// </summary>
    private static void AssertServerPayload(List<string> server)
    {
        foreach (var file in new[]
        {
            "kabigate-server", "kabigate-server.dll", "kabigate-server.deps.json", "kabigate-server.runtimeconfig.json", "createdump",
            "libcoreclr.so", "libclrjit.so", "libhostfxr.so", "libhostpolicy.so", "libSystem.Native.so", "libe_sqlite3.so",
            "System.Private.CoreLib.dll", "Microsoft.AspNetCore.dll", "Hangfire.Core.dll", "Kabigate.App.dll",
        })
            Assert.Contains(file, server);
        Assert.All(server, f => Assert.DoesNotContain('/', f));
        Assert.DoesNotContain(server, f => f.EndsWith(".pdb", StringComparison.Ordinal) || f.EndsWith(".xml", StringComparison.Ordinal) || f.EndsWith(".dbg", StringComparison.Ordinal));
        Assert.DoesNotContain("libcoreclrtraceptprovider.so", server);
    }

    /// <summary>
    /// rpm --root ROOT -i --nodeps (the root has no libc package to meet the binary's library requirements), after
    /// importing the signing key, as an administrator imports the vendor's.
    /// </summary>
    internal static void Install(string root)
    {
        Rpm(root, "--import", Packages.SigningPublicKey);
        Rpm(root, "-i", "--nodeps", Packages.Rpm);
    }

    /// <summary>rpm --root ROOT ARGS, which must succeed and say nothing but Debian's rpm's alien notice.</summary>
    private static void Rpm(string root, params string[] args) => RpmSaying(root, [], args);

    /// <summary>rpm --root ROOT ARGS, which must succeed and say exactly <paramref name="expected"/> on stderr, besides Debian's rpm's alien notice.</summary>
    private static void RpmSaying(string root, string[] expected, params string[] args)
    {
        string[] all = ["--root", root, .. args];
        var (exit, stdout, stderr) = Tools.Run("rpm", all);
        // Debian's rpm says, on every install, to use alien instead: nothing else may be said (a failed scriptlet would be).
        var said = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("rpm: RPM should not be used directly", StringComparison.Ordinal) && !l.StartsWith("rpm: However assuming you know", StringComparison.Ordinal));
        Assert.True(exit == 0 && said.SequenceEqual(expected), $"rpm {string.Join(' ', all)}: {exit} {stdout}{stderr}");
    }

    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "dpkg")]
    public void Deb_HoldsEveryFile_MarksTheConfiguration_AndIsVersionedAsTheBinary()
    {
        var listing = Lines(Tools.RunOk("dpkg-deb", "-c", Packages.Deb));
        var modes = listing.Where(l => l[0] == '-').ToDictionary(l => l[(l.IndexOf("./", StringComparison.Ordinal) + 1)..], l => l[..10]);
        var files = modes.Keys.ToList();
        Assert.Equal(
            new[]
            {
                "/etc/dnf/plugins/kabigate.conf", "/etc/kabigate/serve.toml", "/lib/systemd/system/kabigate.service", "/usr/bin/kabigate",
                "/usr/lib/python3/dist-packages/dnf-plugins/kabigate.py", "/usr/share/bash-completion/completions/kabigate",
                "/usr/share/doc/kabigate/README.md", "/usr/share/doc/kabigate/changelog.gz", "/usr/share/doc/kabigate/copyright",
                "/usr/share/doc/kabigate/kabigate.md", "/usr/share/lintian/overrides/kabigate", "/usr/share/man/man1/kabigate.1.gz",
            }.Order(StringComparer.Ordinal),
            files.Where(f => !f.StartsWith(ServerDir + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        var server = ServerFiles(files);
        AssertServerPayload(server);
        // The RPM's server is the .deb's, file for file.
        Assert.Equal(server, ServerFiles(Lines(Tools.RunOk("rpm", "-qlp", Packages.Rpm))));
        // Modes: Debian's (policy 10.2): shared objects not executable; ELF executables 0755; the rest 0644.
        Assert.All(server, f => Assert.Equal(IsElf(f) && !f.EndsWith(".so", StringComparison.Ordinal) ? "-rwxr-xr-x" : "-rw-r--r--", modes[ServerDir + "/" + f]));
        Assert.Contains(listing, l => l.StartsWith("lrwxrwxrwx ", StringComparison.Ordinal) && l.EndsWith("./usr/lib/kabigate/libe_sqlite3.so -> server/libe_sqlite3.so", StringComparison.Ordinal));
        Assert.All(listing, l => Assert.Contains(" root/root ", l, StringComparison.Ordinal));
        Assert.Equal(Packages.Versions["VERSION"], Tools.RunOk("dpkg-deb", "-f", Packages.Deb, "Version").Trim());
        Assert.Equal(Packages.Versions["VERSION"], Packages.Versions["DEB_VERSION"]);
        var depends = Tools.RunOk("dpkg-deb", "-f", Packages.Deb, "Depends");
        Assert.Matches(@"^libc6 \(>= 2\.[0-9]+\)", depends);
        // The server's runtime links libstdc++ and libgcc_s (dpkg-shlibdeps) and loads OpenSSL at run time (control).
        foreach (var package in new[] { "libstdc++6", "libgcc-s1", "libssl3 | libssl3t64" })
            Assert.Contains(package, depends, StringComparison.Ordinal);
        using var temp = new TempDirectory();
        Tools.RunOk("dpkg-deb", "-e", Packages.Deb, temp.Path);
        Assert.Equal("/etc/dnf/plugins/kabigate.conf\n/etc/kabigate/serve.toml\n", File.ReadAllText(temp.Combine("conffiles")));
    }

    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "dpkg")]
    public void Deb_InstalledWithDpkgRoot_RunsAndKeepsAModifiedConffileOnReinstallAndRemove()
    {
        using var temp = new TempDirectory();
        var root = DebRoot(temp);
        var binary = Path.Combine(root, "usr", "bin", "kabigate");
        Assert.Equal(Packages.Versions["VERSION"] + "\n", Tools.RunOk(binary, "--version"));
        Assert.Contains("\nkabigate = /usr/bin/kabigate\n", File.ReadAllText(Path.Combine(root, "etc", "dnf", "plugins", "kabigate.conf")), StringComparison.Ordinal);
        Assert.StartsWith("install ok installed", Tools.RunOk("dpkg-query", "--root", root, "-W", "-f", "${Status}", "kabigate"), StringComparison.Ordinal);
        var (exit, stdout, stderr) = Tools.Run("dpkg", "--root", root, "--verify", "kabigate");
        Assert.True(exit == 0 && stdout.Length == 0, stdout + stderr);

        var serve = Path.Combine(root, "etc", "kabigate", "serve.toml");
        File.AppendAllText(serve, "listen = \"http://0.0.0.0:9000\"\n");
        Dpkg(root, "-i", Packages.Deb);
        Assert.EndsWith("listen = \"http://0.0.0.0:9000\"\n", File.ReadAllText(serve), StringComparison.Ordinal);
        Dpkg(root, "--remove", "kabigate");
        Assert.False(File.Exists(binary));
        Assert.True(File.Exists(serve), "dpkg --remove keeps conffiles");
        Dpkg(root, "--purge", "kabigate");
        Assert.False(File.Exists(serve));
    }

    /// <summary>A fresh dpkg root with the .deb installed.</summary>
    internal static string DebRoot(TempDirectory temp)
    {
        var root = temp.Combine("root");
        Directory.CreateDirectory(Path.Combine(root, "var", "lib", "dpkg", "info"));
        Directory.CreateDirectory(Path.Combine(root, "var", "lib", "dpkg", "updates"));
        File.WriteAllText(Path.Combine(root, "var", "lib", "dpkg", "status"), "");
        Dpkg(root, "-i", Packages.Deb);
        return root;
    }

    /// <summary>
    /// dpkg --root ROOT with --force-depends (the empty root has no libc6 and the other libraries the package depends
    /// on) and --force-script-chrootless (the root has no /bin/sh to run the maintainer scripts in: they run here with
    /// DPKG_ROOT set, and do nothing then, as debhelper's do).
    /// </summary>
    private static void Dpkg(string root, params string[] args)
    {
        string[] all = ["--root", root, "--force-depends", "--force-script-chrootless", .. args];
        var (exit, stdout, stderr) = Tools.Run("dpkg", all);
        Assert.True(exit == 0, $"dpkg {string.Join(' ', all)}: {exit} {stdout}{stderr}");
    }
}

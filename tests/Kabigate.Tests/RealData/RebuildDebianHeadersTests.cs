using Kabigate.Cli;
using Kabigate.Formats.Sources;
using Kabigate.Store;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// Builds against Debian headers packages kabigate unpacks itself (<c>--headers linux-headers-R_*.deb</c> or
/// <c>apt:linux-headers-R</c>, with the common and kbuild packages the arch package depends on), through the CLI with
/// its own cache folder: the module equals the one kbuild made against the installed headers of the same release,
/// depmod agrees it loads, and hostile packages are unpacked without anything leaving the cache's tree.
/// </summary>
[Trait("Category", "RealData")]
public class RebuildDebianHeadersTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string HeadersDebs => Path.Combine(Data.Root, "headers-debs");

    private static string KgStable => Path.Combine(SourceTree.Root, "tests", "kmods", "kg_stable");

    private static (int Exit, string Stdout, string Stderr) Cli(string cacheHome, params string[] args)
    {
        var (exit, stdout, stderr) = Tools.Execute("dotnet", [typeof(KabigateApp).Assembly.Location, .. args],
            environment: new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cacheHome, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });
        return (exit, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }

    [RealDataFact("make", "gcc", "depmod")]
    public void HeadersPackages_Unpacked_BuildTheModuleTheInstalledHeadersBuild_AndAptReusesTheCachedTree()
    {
        using var temp = new TempDirectory();
        var release = Data.NewRelease;
        var arch = Directory.EnumerateFiles(HeadersDebs, $"linux-headers-{release}_*.deb").Single();
        var cache = temp.Combine("cache");
        var (exit, stdout, stderr) = Cli(cache, "rebuild", "run", "--recipe", KgStable, "--kernels", Data.HeadersDeb(release), "--headers", arch,
            "--out", temp.Combine("out"), "--db", temp.Combine("store.db"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Matches($@"unpacked linux-headers-{Regex(release)}_\S+\.deb, linux-headers-\S+-common_\S+\.deb, linux-kbuild-\S+\.deb \(\d+ files, \d+ links, \d+ MiB\) into {Regex(cache)}/kabigate/headers/", stderr);
        Assert.DoesNotContain("unsafe", stderr, StringComparison.Ordinal);

        // The same module as kbuild made against /usr/src/linux-headers-R: vermagic, every import and CRC, every export.
        var built = Directory.EnumerateFiles(temp.Combine("out"), "kg_stable.ko", SearchOption.AllDirectories).Single();
        var ours = ModuleSetReader.Read([built]).Modules.Single();
        var installed = ModuleSetReader.Read([Data.Kmod(release, "kg_stable")]).Modules.Single();
        Assert.Equal(installed.Modinfo.Single(p => p.Key == "vermagic").Value, ours.Modinfo.Single(p => p.Key == "vermagic").Value);
        Assert.Equal(installed.BasicVersions.Select(v => (v.Symbol, v.Crc)), ours.BasicVersions.Select(v => (v.Symbol, v.Crc)));
        Assert.Equal(installed.Exports, ours.Exports);
        var symvers = Path.Combine(Tools.ExtractFromDeb(Data.HeadersDeb(release), "*/Module.symvers", temp.Combine("symvers")), $"usr/src/linux-headers-{release}/Module.symvers");
        Assert.Empty(Depmod.Run([built], symvers, release));
        using (var store = AbiStore.Open(StoreLocation.Resolve(temp.Combine("store.db")), create: false))
        {
            var record = store.Rebuilds().Single().Record;
            Assert.Equal("built", record.Status);
            Assert.StartsWith(Path.Combine(cache, "kabigate", "headers"), record.Headers, StringComparison.Ordinal);
        }

        // apt:linux-headers-R: the packages apt-get would download, already in the apt cache folder (no network here),
        // unpacked once; the second plan finds the tree made and unpacks nothing.
        var aptCache = temp.Combine("cache2");
        Directory.CreateDirectory(Path.Combine(aptCache, "kabigate", "apt"));
        foreach (var deb in Directory.EnumerateFiles(HeadersDebs, "*.deb"))
            File.Copy(deb, Path.Combine(aptCache, "kabigate", "apt", Path.GetFileName(deb)));
        string[] plan = ["rebuild", "plan", "--recipe", KgStable, "--kernels", Data.HeadersDeb(release), "--headers", $"apt:linux-headers-{release}"];
        (exit, stdout, stderr) = Cli(aptCache, plan);
        Assert.True(exit == 0, stdout + stderr);
        Assert.DoesNotContain("downloading", stderr, StringComparison.Ordinal);
        Assert.Contains("unpacked", stderr, StringComparison.Ordinal);
        Assert.Contains($"({Path.Combine(aptCache, "kabigate", "headers")}", stdout, StringComparison.Ordinal);
        (exit, var again, stderr) = Cli(aptCache, plan);
        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal(stdout, again);
    }

    [RealDataFact("dpkg-deb")]
    public void HostileHeadersPackages_AreUnpackedWithoutLeavingTheTree_AndBadOnesAreOneLineErrors()
    {
        using var temp = new TempDirectory();
        var debs = Directory.CreateDirectory(temp.Combine("debs")).FullName;
        const string Release = "9.9.9-kg";
        Package(temp, debs, $"linux-headers-{Release}", "1", $"linux-headers-9.9.9-common (= 1), linux-kbuild-9.9 (>= 1)", root =>
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, "usr", "src", $"linux-headers-{Release}")).FullName;
            File.WriteAllText(Path.Combine(dir, "Makefile"), "include /usr/src/linux-headers-9.9.9-common/Makefile\n");
            File.CreateSymbolicLink(Path.Combine(dir, "scripts"), "../../lib/linux-kbuild-9.9/scripts");
            File.CreateSymbolicLink(Path.Combine(dir, "escape"), "../../../../../../../../tmp");
            File.CreateSymbolicLink(Path.Combine(dir, "absolute"), "/etc");
            File.CreateSymbolicLink(Path.Combine(dir, "middle"), "include/../../../../../x");
            File.CreateSymbolicLink(Path.Combine(root, "usr", "src", "hop"), "../lib");
        });
        Package(temp, debs, "linux-headers-9.9.9-common", "1", "", root =>
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, "usr", "src", "linux-headers-9.9.9-common")).FullName;
            File.WriteAllText(Path.Combine(dir, "Makefile"), "modules:\n");
            // Written through the arch package's usr/src/hop link, it would land in usr/lib: refused instead.
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(root, "usr", "src", "hop")).FullName, "injected"), "x");
        });
        Package(temp, debs, "linux-kbuild-9.9", "1", "", root =>
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(root, "usr", "lib", "linux-kbuild-9.9", "scripts", "basic")).FullName, "fixdep"), "x"));

        var cache = temp.Combine("cache");
        var arch = Directory.EnumerateFiles(debs, $"linux-headers-{Release}_*.deb").Single();
        var (exit, stdout, stderr) = Cli(cache, "rebuild", "plan", "--recipe", KgStable, "--kernels", Data.HeadersDeb(Data.NewRelease), "--headers", arch);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("5 unsafe entries refused", stderr, StringComparison.Ordinal);
        var root = Directory.EnumerateDirectories(Path.Combine(cache, "kabigate", "headers")).Single();
        var headers = Path.Combine(root, "usr", "src", $"linux-headers-{Release}");
        Assert.Equal($"include {root}/usr/src/linux-headers-9.9.9-common/Makefile\n", File.ReadAllText(Path.Combine(headers, "Makefile")));
        Assert.True(Directory.Exists(Path.Combine(headers, "scripts", "basic")));
        Assert.All(new[] { "escape", "absolute", "middle" }, l => Assert.False(Path.Exists(Path.Combine(headers, l)), l));
        Assert.False(File.Exists(Path.Combine(root, "usr", "lib", "injected"))); // the 5th: usr/src/hop/, a directory where a link is
        Assert.Empty(Directory.EnumerateDirectories(Path.GetDirectoryName(root)!, "*.partial-*"));

        // A dependency beside it in another version than its '=' names; a package that is no arch headers package; a
        // Makefile that includes what none of them holds: each one line, exit 2, nothing built or stored.
        var other = Directory.CreateDirectory(temp.Combine("other")).FullName;
        File.Copy(arch, Path.Combine(other, Path.GetFileName(arch)));
        Package(temp, other, "linux-headers-9.9.9-common", "2", "", root => Directory.CreateDirectory(Path.Combine(root, "usr", "src")));
        Package(temp, other, "linux-foo", "1", "", root => Directory.CreateDirectory(Path.Combine(root, "usr", "src")));
        Package(temp, other, "linux-headers-8.8.8-kg", "1", "linux-headers-9.9.9-common (= 1), linux-kbuild-9.9", root =>
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(root, "usr", "src", "linux-headers-8.8.8-kg")).FullName, "Makefile"), "include /usr/src/nowhere/Makefile\n"));
        (string Deb, string Error)[] cases =
        [
            (Path.Combine(other, Path.GetFileName(arch)), "needs linux-headers-9.9.9-common 1, but beside it is only linux-headers-9.9.9-common_2_all.deb"),
            (Directory.EnumerateFiles(other, "linux-foo_*.deb").Single(), "package linux-foo is not a Debian kernel's arch headers package (linux-headers-RELEASE)"),
        ];
        foreach (var (deb, error) in cases)
        {
            (exit, stdout, stderr) = Cli(temp.Combine("cache3"), "rebuild", "plan", "--recipe", KgStable, "--kernels", Data.HeadersDeb(Data.NewRelease), "--headers", deb);
            Assert.Equal((2, "", $"kabigate: ERROR: --headers {deb}: {error}\n"), (exit, stdout, stderr));
        }
        var nowhere = Path.Combine(debs, Path.GetFileName(Directory.EnumerateFiles(other, "linux-headers-8.8.8-kg_*.deb").Single()));
        File.Copy(Directory.EnumerateFiles(other, "linux-headers-8.8.8-kg_*.deb").Single(), nowhere);
        (exit, stdout, stderr) = Cli(temp.Combine("cache3"), "rebuild", "plan", "--recipe", KgStable, "--kernels", Data.HeadersDeb(Data.NewRelease), "--headers", nowhere);
        Assert.Equal((2, "", $"kabigate: ERROR: --headers {nowhere}: its Makefile includes /usr/src/nowhere/Makefile, which none of its packages holds\n"), (exit, stdout, stderr));
        Assert.False(Directory.Exists(Path.Combine(temp.Combine("cache3"), "kabigate", "headers")) && Directory.EnumerateFileSystemEntries(Path.Combine(temp.Combine("cache3"), "kabigate", "headers")).Any());
    }

    /// <summary>A package made with dpkg-deb from a tree the action fills.</summary>
    private static void Package(TempDirectory temp, string into, string name, string version, string depends, Action<string> fill)
    {
        var root = Directory.CreateDirectory(temp.Combine("tree-" + name + "-" + version)).FullName;
        fill(root);
        Directory.CreateDirectory(Path.Combine(root, "DEBIAN"));
        File.WriteAllText(Path.Combine(root, "DEBIAN", "control"),
            $"Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: kabigate tests <tests@example.org>\n" + (depends.Length > 0 ? $"Depends: {depends}\n" : "") + "Description: a test package\n");
        Tools.RunOk("dpkg-deb", "--root-owner-group", "-b", root, Path.Combine(into, $"{name}_{version}_all.deb"));
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}

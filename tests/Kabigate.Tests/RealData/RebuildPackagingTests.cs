using Kabigate.Abi;
using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.Build;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// The packages of real rebuilds, with the real tools: two Debian *-dkms packages rebuilt for real ABIs of both
/// lines, packaged by rpmbuild from kabigate's spec, installed by real dnf into an --installroot beside a kernel RPM
/// carrying that ABI's kernel(sym) provides (tests/rpms/make-kernel-rpm.sh, from the real Module.symvers), the
/// installed files re-verified by kabigate and by depmod; dnf refusing them beside a kernel of another ABI; the
/// .debs read back by dpkg-deb and refused by dpkg without their kernel.
/// </summary>
[Trait("Category", "RealData")]
public class RebuildPackagingTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string Scripts => Path.Combine(SourceTree.Root, "tests", "rpms");

    private static string SymversOf(string release) => release == Data.NewerBuildRelease
        ? Path.Combine(Data.NewerHeaders, "Module.symvers")
        : Path.Combine(Data.Root, "scratch", $"headers-{release}", "Module.symvers");

    private static RebuildRunResult RunDkms(TempDirectory temp, IReadOnlyList<string> releases, PackageFormats package)
    {
        var debs = new[] { "vpoll-dkms_*.deb", "acpi-call-dkms_*.deb" }.Select(p => Directory.EnumerateFiles(Path.Combine(Data.Root, "debs"), p).Single()).ToList();
        var request = new RebuildPlanRequest(debs, null, [], [.. releases.Select(Data.HeadersDeb)], Data.NewerHeaders.Length > 0 ? [Data.NewerHeaders] : [], temp.Combine("store.db"));
        return RebuildRunOperation.Run(new RebuildRunRequest(request, 2, TimeSpan.FromSeconds(600), temp.Combine("out"), package), SilentLog.Instance);
    }

    [RealDataFact("make", "gcc", "rpmbuild", "createrepo_c", "dnf", "depmod", "dpkg-deb")]
    public void DebianDkmsPackages_PackagedWithRpmbuild_InstalledWithDnfBesideTheirKernel_Reverified_AndRefusedBesideAnotherAbi()
    {
        using var temp = new TempDirectory();
        List<string> releases = [Data.OldRelease, .. Data.Releases.Where(r => r == "6.1.0-55-amd64"), Data.NewRelease];
        if (Data.NewerBuildRelease.Length > 0)
            releases.Add(Data.NewerBuildRelease);
        var result = RunDkms(temp, releases, PackageFormats.Rpm | PackageFormats.Deb);

        var packaged = result.Builds.Where(b => b.Packages.Count > 0).ToList();
        // acpi_call builds on every ABI; vpoll at least on 6.1 (its class_create predates 6.4's change).
        Assert.True(packaged.Count >= 5, $"{packaged.Count} packaged builds: {string.Join(", ", packaged.Select(b => b.Recipe + "@" + b.BuiltOn))}");
        Assert.Equal(["acpi-call", "vpoll"], packaged.Select(b => b.Recipe).Distinct().Order(StringComparer.Ordinal));
        Assert.All(result.Builds.Where(b => b.Outcome.Status == BuildStatus.Built), b => Assert.NotEmpty(b.Packages));
        var kernels = result.Plan.Kernels.ToDictionary(k => k.Release);
        int installed = 0;
        foreach (var build in packaged)
        {
            var rpm = Assert.Single(build.Packages, p => p.EndsWith(".rpm", StringComparison.Ordinal));
            var name = build.Recipe;
            Assert.Matches($@"^kmod-{name}-[0-9.]+-1\.k{System.Text.RegularExpressions.Regex.Escape(build.BuiltOn.Replace('-', '_'))}\.x86_64\.rpm$", Path.GetFileName(rpm));
            // Every kABI requirement the spec got is what RHEL's find-requires.ksyms writes from the build's __versions:
            // kernel(sym) where the build kernel's Module.symvers has that (symbol, CRC), ksym(sym) elsewhere.
            var symvers = File.ReadLines(SymversOf(build.BuiltOn)).Select(l => l.Split('\t')).Select(f => $"{f[1]}\t{f[0]}").ToHashSet(StringComparer.Ordinal);
            var requires = Tools.RunOk("rpm", "-qp", "--requires", rpm).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(r => !r.StartsWith("rpmlib(", StringComparison.Ordinal)).ToList();
            var dumped = Tools.RunOk("/sbin/modprobe", "--dump-modversions", build.Outcome.ModuleFiles.Single())
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t'))
                .Select(f => $"{(symvers.Contains($"{f[1]}\t{f[0]}") ? "kernel" : "ksym")}({f[1]}) = {f[0]}").Order(StringComparer.Ordinal);
            Assert.Equal(dumped, requires.Order(StringComparer.Ordinal));
            Assert.Contains($"kmod({name.Replace('-', '_')}.ko)", Tools.RunOk("rpm", "-qp", "--provides", rpm), StringComparison.Ordinal);
            Assert.Equal([$"/lib/modules/{build.BuiltOn}/extra/{name}/{name.Replace('-', '_')}.ko"], Tools.RunOk("rpm", "-qpl", rpm).Split('\n', StringSplitOptions.RemoveEmptyEntries));

            // Real dnf, an install root, a repository holding the kernel of the build's ABI and the kmod.
            var repo = Directory.CreateDirectory(temp.Combine($"repo-{name}-{build.BuiltOn}")).FullName;
            Tools.RunOk("bash", Path.Combine(Scripts, "make-kernel-rpm.sh"), build.BuiltOn, SymversOf(build.BuiltOn), repo);
            File.Copy(rpm, Path.Combine(repo, Path.GetFileName(rpm)));
            Tools.RunOk("createrepo_c", "-q", repo);
            var root = temp.Combine($"root-{name}-{build.BuiltOn}");
            var (exit, stdout, stderr) = Dnf(temp, root, repo, "install", "kernel-core", "kmod-" + name);
            Assert.True(exit == 0, $"dnf install: {stdout}{stderr}");
            Assert.Contains($"kmod-{name}-", Tools.RunOk("rpm", "--root", root, "-qa"), StringComparison.Ordinal);

            // Re-verified as installed: kabigate and depmod, on every member of the class that loads the build.
            var files = Directory.GetFiles(Path.Combine(root, "lib", "modules", build.BuiltOn, "extra", name), "*.ko");
            var modules = ModuleSetReader.Read(files).Modules;
            foreach (var member in build.Members.Except(build.Refused.Select(r => r.Kernel.Release)))
            {
                var report = CompatibilityEngine.Check([kernels[member]], modules);
                Assert.All(Enumerable.Range(0, modules.Count), m => Assert.True(report[m, 0].Loads, string.Join("; ", report[m, 0].Problems.Select(p => p.Message))));
                Assert.Empty(Depmod.Run(files, SymversOf(member), member));
            }
            installed++;

            // The .deb of each member: the module where DKMS puts it, and a dependency on that kernel, which dpkg enforces.
            foreach (var deb in build.Packages.Where(p => p.EndsWith(".deb", StringComparison.Ordinal)))
            {
                var package = Tools.RunOk("dpkg-deb", "-f", deb, "Package").Trim();
                var release = package[(name.Length + "-modules-".Length)..];
                Assert.Contains(release, build.Members);
                Assert.Contains($"./lib/modules/{release}/updates/dkms/{name.Replace('-', '_')}.ko", Tools.RunOk("dpkg-deb", "-c", deb), StringComparison.Ordinal);
                Assert.Equal($"linux-image-{release} | linux-image-{release}-unsigned", Tools.RunOk("dpkg-deb", "-f", deb, "Depends").Trim());
            }
        }
        Assert.Equal(packaged.Count, installed);

        // dpkg, into an empty root: the kernel the .deb needs is not there, and dpkg says so.
        var someDeb = packaged[0].Packages.First(p => p.EndsWith(".deb", StringComparison.Ordinal));
        var dpkgRoot = temp.Combine("dpkg-root");
        Directory.CreateDirectory(Path.Combine(dpkgRoot, "var", "lib", "dpkg", "updates"));
        Directory.CreateDirectory(Path.Combine(dpkgRoot, "var", "lib", "dpkg", "info"));
        File.WriteAllText(Path.Combine(dpkgRoot, "var", "lib", "dpkg", "status"), "");
        var (dpkgExit, dpkgOut, dpkgErr) = Tools.Run("dpkg", "--root", dpkgRoot, "--log", temp.Combine("dpkg.log"), "-i", someDeb);
        Assert.NotEqual(0, dpkgExit);
        Assert.Contains("depends on linux-image-", dpkgOut + dpkgErr, StringComparison.Ordinal);
        Assert.Contains("is not installed", dpkgOut + dpkgErr, StringComparison.Ordinal);

        // Beside a kernel of another ABI (the oldest 6.1 one, whose module_layout and misc CRCs differ), dnf refuses the newest 6.1 build.
        var vpoll56 = packaged.Single(b => b.Recipe == "vpoll" && b.BuiltOn == Data.NewRelease);
        var otherRepo = Directory.CreateDirectory(temp.Combine("repo-other-abi")).FullName;
        File.Copy(Data.RepositoryPackage($"kernel-core-{Support.RealData.RpmRelease(Data.OldRelease)}.x86_64.rpm"), Path.Combine(otherRepo, "kernel-core.rpm"));
        var vpollRpm = vpoll56.Packages.Single(p => p.EndsWith(".rpm", StringComparison.Ordinal));
        File.Copy(vpollRpm, Path.Combine(otherRepo, Path.GetFileName(vpollRpm)));
        Tools.RunOk("createrepo_c", "-q", otherRepo);
        var otherRoot = temp.Combine("root-other-abi");
        var (ok, okOut, okErr) = Dnf(temp, otherRoot, otherRepo, "install", "kernel-core");
        Assert.True(ok == 0, okOut + okErr);
        var (refused, refusedOut, refusedErr) = Dnf(temp, otherRoot, otherRepo, "install", "kmod-vpoll");
        Assert.NotEqual(0, refused);
        var words = refusedOut + refusedErr;
        Assert.Matches(@"nothing provides kernel\(\w+\) = 0x[0-9a-f]{8} needed by " + System.Text.RegularExpressions.Regex.Escape(Path.GetFileNameWithoutExtension(vpollRpm)), words);
        Assert.DoesNotContain("kmod-vpoll", Tools.RunOk("rpm", "--root", otherRoot, "-qa"), StringComparison.Ordinal);
    }

    /// <summary>dnf 4 on an install root with one repository (no plugins, no gpg, no network).</summary>
    private static (int Exit, string Stdout, string Stderr) Dnf(TempDirectory temp, string root, string repo, params string[] args)
    {
        Directory.CreateDirectory(root);
        var repos = Directory.CreateDirectory(root + ".repos.d").FullName;
        File.WriteAllText(Path.Combine(repos, "test.repo"), $"[test]\nname=test\nbaseurl=file://{repo}\ngpgcheck=0\n");
        var config = root + ".dnf.conf";
        File.WriteAllText(config, $"[main]\ngpgcheck=0\nreposdir={repos}\ncachedir={temp.Combine("dnf-cache")}\nplugins=0\ninstallonly_limit=5\nbest=True\n");
        string[] all = ["-c", config, "--installroot", root, "--releasever", "12", "-y", "--nogpgcheck", .. args];
        var (exit, stdout, stderr) = Tools.Execute("dnf", all, environment: new Dictionary<string, string> { ["LC_ALL"] = "C.UTF-8" });
        return (exit, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }
}

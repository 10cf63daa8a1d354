using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// Kernel and kmod RPMs (rpmbuild), a createrepo_c repository (also over HTTP on 127.0.0.1) and a driver update disk
/// (xorriso), all built by tests/prepare-data.sh from the real Debian ABIs and the kbuild-built test kmods.
/// </summary>
[Trait("Category", "RealData")]
public class PackageSourceTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;
    private static readonly string[] TestKmods = ["kg_stable", "kg_crcchange", "kg_provider", "kg_consumer"];

    private static KernelAbi Headers(string release) => KernelSourceReader.Read(Data.HeadersDeb(release), new KernelSourceOptions());

    private static HashSet<string> RefusalsByName(CheckReport report, int kernel) =>
        report.Verdicts.Where(v => ReferenceEquals(v.Kernel, report.Kernels[kernel]))
            .SelectMany(v => v.Problems.Where(p => p.Kind is ProblemKind.CrcMismatch or ProblemKind.UnknownSymbol or ProblemKind.DependencyFails)
                .Select(p => $"{v.Module.Name} {p.Kind.ToJsonName()} {p.Symbol}"))
            .ToHashSet();

    [RealDataFact]
    public void KernelRpm_PayloadSymvers_EqualsTheHeaders()
    {
        foreach (var release in new[] { Data.OldRelease, Data.NewRelease })
        {
            var rpm = KernelSourceReader.Read(Data.RepositoryPackage($"kernel-core-{Support.RealData.RpmRelease(release)}.x86_64.rpm"), new KernelSourceOptions());
            var headers = Headers(release);
            Assert.Equal(release, rpm.Release);
            Assert.Equal(headers.Vermagic, rpm.Vermagic);
            Assert.Equal(headers.Loader, rpm.Loader);
            Assert.Equal(headers.Exports.Count, rpm.Exports.Count);
            Assert.All(headers.Exports.Values, e => Assert.Equal(e, rpm.Exports[e.Symbol]));
        }
    }

    [RealDataFact]
    public void Repository_KernelsFromPrimaryAlone_MatchTheHeadersVmlinuxCrcs()
    {
        var kernels = KernelSourceReader.ReadAll(Data.Repository, new KernelSourceOptions());
        var amd64 = Data.Releases.Where(r => KernelReleases.Flavour(r) == "amd64").ToList();
        Assert.Equal(amd64.Select(Support.RealData.RpmRelease).Order(StringComparer.Ordinal), kernels.Select(k => k.Release).Order(StringComparer.Ordinal));
        foreach (var release in amd64)
        {
            var fromRepo = kernels.Single(k => k.Release == Support.RealData.RpmRelease(release));
            var vmlinux = Headers(release).Exports.Values.Where(e => e.IsVmlinux && e.Crc is not null).ToList();
            Assert.Equal(vmlinux.Count, fromRepo.Exports.Count);
            Assert.All(vmlinux, e => Assert.Equal(e.Crc, fromRepo.Exports[e.Symbol].Crc));
            Assert.NotNull(fromRepo.ExportKindsUnknownReason);
        }
        var one = KernelSourceReader.ReadAll($"{Data.Repository}#{Support.RealData.RpmRelease(Data.NewRelease)}", new KernelSourceOptions());
        Assert.Equal(Support.RealData.RpmRelease(Data.NewRelease), Assert.Single(one).Release);
    }

    [RealDataFact]
    public void CheckRepoKernels_KmodRpm_AgreesWithTheKoLevelVerdicts()
    {
        var kmodRpm = Data.RepositoryPackage("kmod-kabigate-test-1.0-*.rpm");
        var fromRpm = ModuleSetReader.Read([kmodRpm]);
        Assert.Empty(fromRpm.Errors);
        Assert.Empty(fromRpm.Warnings);
        Assert.Equal(TestKmods.Order(StringComparer.Ordinal), fromRpm.Modules.Select(m => m.Name).Order(StringComparer.Ordinal));

        var repoKernels = KernelSourceReader.ReadAll(Data.Repository, new KernelSourceOptions()).OrderBy(k => k.Release, StringComparer.Ordinal).ToList();
        var headerKernels = repoKernels.Select(k => Headers(Data.Releases.Single(r => Support.RealData.RpmRelease(r) == k.Release))).ToList();
        var files = ModuleSetReader.Read(TestKmods.Select(k => Data.Kmod(Data.OldRelease, k))).Modules;

        var viaPackages = CompatibilityEngine.Check(repoKernels, fromRpm.Modules);
        var viaFiles = CompatibilityEngine.Check(headerKernels, files);
        for (var k = 0; k < repoKernels.Count; k++)
            Assert.Equal(RefusalsByName(viaFiles, k).Order(), RefusalsByName(viaPackages, k).Order());
        Assert.Contains(viaPackages.Verdicts, v => !v.Loads);
        Assert.Contains(viaPackages.Verdicts, v => v.Loads);
    }

    [RealDataFact]
    public void CheckKernelRpm_DriverUpdateDisk_IsTheSameAsTheFiles()
    {
        var kernel = KernelSourceReader.Read(Data.RepositoryPackage($"kernel-core-{Support.RealData.RpmRelease(Data.NewRelease)}.x86_64.rpm"), new KernelSourceOptions());
        var dud = ModuleSetReader.Read([Data.DriverUpdateDisk]);
        Assert.Empty(dud.Errors);
        Assert.Equal(TestKmods.Length, dud.Modules.Count);
        var files = ModuleSetReader.Read(TestKmods.Select(k => Data.Kmod(Data.OldRelease, k))).Modules;

        var viaDud = CompatibilityEngine.Check([kernel], dud.Modules);
        var viaFiles = CompatibilityEngine.Check([Headers(Data.NewRelease)], files);
        string Describe(Verdict v) => $"{v.Module.Name}: {string.Join("; ", v.Problems.Select(p => p.Message))} | {string.Join("; ", v.Warnings.Select(p => p.Message))}";
        Assert.Equal(viaFiles.Verdicts.Select(Describe).Order(), viaDud.Verdicts.Select(Describe).Order());

        var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", kernel.Source, Data.DriverUpdateDisk);
        Assert.Equal("", stderr);
        Assert.Equal(1, exit);
        Assert.Contains("kg_crcchange", stdout, StringComparison.Ordinal);
    }

    [RealDataFact]
    public void SuseStyle_KsymFlavorProvidesAndRequires()
    {
        var kernel = KernelSourceReader.Read(Data.ExtraPackage("kernel-default-*.rpm"), new KernelSourceOptions());
        Assert.Equal(Data.OldRelease, kernel.Release); // the payload's symvers names it
        var suse = ModuleSetReader.Read([Data.ExtraPackage("kmod-kabigate-suse-*.rpm")]);
        Assert.Empty(suse.Errors);
        Assert.Empty(suse.Warnings);
        Assert.True(CompatibilityEngine.Check([kernel], suse.Modules).AllLoad);
    }

    [RealDataFact]
    public void KmodPackages_ThatLieOrDeclareNothing_AreReported()
    {
        var liar = ModuleSetReader.Read([Data.ExtraPackage("kmod-kabigate-liar-*.rpm")]);
        var warning = Assert.Single(liar.Warnings);
        Assert.Contains("declares kernel(misc_register) = 0xdeadbeef but none of its modules imports misc_register", warning.Message, StringComparison.Ordinal);

        var bare = ModuleSetReader.Read([Data.ExtraPackage("kmod-kabigate-bare-*.rpm")]);
        Assert.Contains("declares no kABI requirements", Assert.Single(bare.Warnings).Message, StringComparison.Ordinal);
        Assert.Single(bare.Modules);
    }

    [RealDataFact]
    public void Inspect_KmodRpm_ListsModulesDependenciesAndFindings()
    {
        var liar = Data.ExtraPackage("kmod-kabigate-liar-*.rpm");
        var (exit, stdout, stderr) = CliRunner.Run("inspect", liar);
        Assert.Equal("", stderr);
        Assert.Equal(0, exit);
        Assert.Contains("package:     kmod-kabigate-liar-1.0-1.k", stdout, StringComparison.Ordinal);
        Assert.Contains("kg_stable", stdout, StringComparison.Ordinal);
        Assert.Contains("  kernel(misc_register) = 0xdeadbeef", stdout, StringComparison.Ordinal);
        Assert.Contains("none of its modules imports misc_register", stdout, StringComparison.Ordinal);
    }

    [RealDataFact("python3")]
    public void Repository_OverHttp_OnLoopback()
    {
        using var server = new PythonHttpServer(Data.Repository);
        var url = server.BaseUrl;
        var kernels = KernelSourceReader.ReadAll(url, new KernelSourceOptions());
        Assert.Equal(KernelSourceReader.ReadAll(Data.Repository, new KernelSourceOptions()).Count, kernels.Count);
        var (exit, stdout, _) = CliRunner.Run("check", "--kernel", $"{url}#{Support.RealData.RpmRelease(Data.OldRelease)}", url);
        Assert.Equal(1, exit); // kabigate-test-new, built for the newest ABI, does not load on the oldest
        Assert.Contains("kg_consumer", stdout, StringComparison.Ordinal);
    }

    [RealDataFact]
    public void TruncatedRpm_OneLine_ExitTwo()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var bytes = File.ReadAllBytes(Data.RepositoryPackage("kmod-kabigate-test-1.0-*.rpm"));
        var truncated = Path.Combine(dir, "kmod-truncated.rpm");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var (exit, _, stderr) = CliRunner.Run("check", "--kernel", Data.HeadersDeb(Data.OldRelease), truncated);
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"kabigate: ERROR: {truncated}", line);
    }
}

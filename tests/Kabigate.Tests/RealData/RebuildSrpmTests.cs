using Kabigate.Abi.Rebuild;
using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.Build;
using Kabigate.Formats;
using Kabigate.Formats.Recipes;
using Kabigate.Formats.Rpm;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// SRPM recipes, ELRepo's way: a real .src.rpm made by <c>rpmbuild -bs</c> from a test kmod and an ELRepo-style spec
/// (<see cref="ElrepoSrpm"/>), registered in a recipes file, planned and rebuilt for real Debian ABIs by the real
/// <c>rpmbuild --rebuild</c>, the .ko files taken from the kmod RPM it made and re-verified, checked against depmod on
/// every kernel of each class.
/// </summary>
[Trait("Category", "RealData")]
public class RebuildSrpmTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static List<string> Releases() =>
        [Data.OldRelease, .. Data.Releases.Where(r => r == "6.1.0-55-amd64" && r != Data.NewRelease), Data.NewRelease];

    private static RebuildPlanRequest Request(TempDirectory temp, string recipes, IReadOnlyList<string> releases, IReadOnlyList<string>? headers = null) =>
        new([], recipes, [], [.. releases.Select(Data.HeadersDeb)], headers ?? [], temp.Combine("store.db"));

    [RealDataFact("rpmbuild", "make", "gcc", "depmod", "rpm2cpio", "cpio")]
    public void ElrepoStyleSrpm_Registered_PlannedAndRebuiltWithRpmbuild_ModulesFromItsKmodRpm_AgreeWithDepmod()
    {
        using var temp = new TempDirectory();
        var srpm = ElrepoSrpm.Build(temp.Path, "kg_stable");
        var recipes = temp.Combine("recipes.toml");
        File.WriteAllText(recipes, $"[[recipe]]\npath = \"{srpm}\"\n");
        var releases = Releases();

        // Planned first without a store (none exists yet), as 'rebuild plan' would.
        var plan = RebuildPlanOperation.Run(Request(temp, recipes, releases) with { Db = null }, SilentLog.Instance);
        var entry = Assert.Single(plan.Recipes);
        Assert.Equal(("kg_stable", RecipeKind.Srpm), (entry.Recipe.Name, entry.Recipe.Entry.Kind));
        Assert.Equal(["kg_stable"], entry.Recipe.Modules);
        Assert.Equal("1.0", entry.Recipe.Version);
        // Never built: one build per class (55 and 56 share an ABI), none blocked.
        Assert.All(entry.Plan.Items, i => Assert.Equal(PlanAction.Build, i.Action));
        Assert.Equal(releases.Count - (releases.Contains("6.1.0-55-amd64") ? 1 : 0), plan.Builds);

        var result = RebuildRunOperation.Run(new RebuildRunRequest(Request(temp, recipes, releases), 2, TimeSpan.FromSeconds(600), temp.Combine("out")), SilentLog.Instance);
        Assert.True(result.Outcome == RebuildRunOutcome.Covered, string.Join("; ", result.Results.Select(r => $"{r.Kernel}: {r.Status} {r.Detail}")));
        Assert.All(result.Results, r => Assert.Equal(RebuildStatuses.Built, r.Status));
        Assert.Equal(plan.Builds, result.Builds.Count);
        foreach (var build in result.Builds)
        {
            // The kmod RPM rpmbuild made is kept, and the module verified is the one it carries, byte for byte (rpm2cpio's copy).
            var package = Assert.Single(build.Packages);
            Assert.Equal($"kmod-kg_stable-1.0-1.x86_64.rpm", Path.GetFileName(package));
            Assert.Equal(package, Assert.Single(build.Outcome.Packages));
            var inside = $"/lib/modules/{build.BuiltOn}/extra/kg_stable/kg_stable.ko";
            Assert.Contains(inside, Tools.RunOk("rpm", "-qpl", package).Split('\n'));
            var unpacked = Directory.CreateDirectory(temp.Combine("cpio-" + build.ClassKey)).FullName;
            Tools.RunOk("bash", "-c", $"cd '{unpacked}' && rpm2cpio '{package}' | cpio -idm --quiet");
            var module = Assert.Single(build.Outcome.ModuleFiles);
            Assert.Equal(File.ReadAllBytes(unpacked + inside), File.ReadAllBytes(module));
            Assert.Equal(build.BuiltOn, ModuleSetReader.Read([module]).Modules.Single().Vermagic?.Split(' ')[0]);
            var log = File.ReadAllText(build.Outcome.LogPath);
            Assert.Contains($"--define 'kmod_kernel_version {build.BuiltOn}'", log, StringComparison.Ordinal);
            Assert.Contains($"--define 'kernel_source {Support.RealData.HeadersDir(build.BuiltOn)}'", log, StringComparison.Ordinal);
        }
        RebuildTests.AssertAgreesWithDepmod(temp, result);

        // Recorded: the next plan reuses the builds, and the status names the SRPM's digest.
        var again = RebuildPlanOperation.Run(Request(temp, recipes, releases), SilentLog.Instance);
        Assert.Equal((0, RebuildPlanOutcome.Covered), (again.Builds, again.Outcome));
        var status = RebuildStatusOperation.Run(new RebuildStatusRequest(temp.Combine("store.db"), [], false), SilentLog.Instance);
        Assert.All(status.Rows, r => Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(srpm))), r.Record.RecipeDigest));
    }

    [RealDataFact("rpmbuild")]
    public void MalformedSrpms_AreOneLineErrors_Exit2_AndNothingIsBuilt()
    {
        using var temp = new TempDirectory();
        var srpm = ElrepoSrpm.Build(temp.Path, "kg_stable");
        var bytes = File.ReadAllBytes(srpm);
        var truncated = temp.Combine("kmod-cut-1.0-1.src.rpm");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var headerOnly = temp.Combine("kmod-lead-1.0-1.src.rpm");
        File.WriteAllBytes(headerOnly, bytes[..200]);
        var garbled = temp.Combine("kmod-garbled-1.0-1.src.rpm");
        var flipped = (byte[])bytes.Clone();
        for (int i = bytes.Length - 64; i < bytes.Length - 16; i++)
            flipped[i] ^= 0x5a;
        File.WriteAllBytes(garbled, flipped);
        // A binary RPM is not a recipe.
        var binary = Directory.CreateDirectory(temp.Combine("binary")).FullName;
        File.WriteAllText(temp.Combine("bin.spec"), "Name: kmod-bin\nVersion: 1\nRelease: 1\nSummary: s\nLicense: GPL\nBuildArch: noarch\n%description\nd\n%files\n");
        Rpmbuild.Build(temp.Combine("bin.spec"), temp.Combine("bintop"), binary);
        var binaryRpm = Directory.GetFiles(binary, "*.rpm", SearchOption.AllDirectories).Single();

        foreach (var bad in new[] { truncated, headerOnly, garbled, binaryRpm })
        {
            var (exit, stdout, stderr) = CliRunner.Run("rebuild", "plan", "--recipe", bad, "--kernels", Data.HeadersDeb(Data.NewRelease), "--db", temp.Combine("store.db"));
            Assert.Equal((2, ""), (exit, stdout));
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"kabigate: ERROR: {bad}", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        Assert.Contains("not a source RPM: kmod-bin-1-1.noarch is a binary package", CliRunner.Run("rebuild", "plan", "--recipe", binaryRpm, "--kernels", Data.HeadersDeb(Data.NewRelease)).Stderr, StringComparison.Ordinal);
        // Named as a kernel-devel RPM (--headers), a cut-short RPM or a package without /usr/src/kernels/R is an input error too.
        foreach (var bad in new[] { headerOnly, srpm })
        {
            var (exit, stdout, stderr) = CliRunner.Run("rebuild", "plan", "--recipe", Path.Combine(SourceTree.Root, "tests", "kmods", "kg_stable"),
                "--kernels", Data.HeadersDeb(Data.NewRelease), "--headers", bad);
            Assert.Equal((2, ""), (exit, stdout));
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"kabigate: ERROR: --headers {bad}", line, StringComparison.Ordinal);
        }
        Assert.Contains("not a kernel-devel package: kmod-kg_stable-1.0-1.x86_64 has no /usr/src/kernels/R/Makefile",
            CliRunner.Run("rebuild", "plan", "--recipe", srpm, "--kernels", Data.HeadersDeb(Data.NewRelease), "--headers", srpm).Stderr, StringComparison.Ordinal);
        // The reader's own error for each, as RpmReader says it.
        Assert.Throws<ModuleFormatException>(() => SourceRpm.Read(truncated));
        Assert.Throws<ModuleFormatException>(() => SourceRpm.Read(garbled));
        Assert.True(RpmReader.ReadHeaders(srpm).Lead.IsSource);
    }
}

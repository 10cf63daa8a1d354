using Kabigate.Abi;
using Kabigate.Abi.Rebuild;
using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.Build;
using Kabigate.Formats.Rpm;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// Headers given as a kernel-devel RPM: a real one, made by rpmbuild from Debian's headers of the newest 6.1 ABI
/// (<see cref="KernelDevelRpm"/>), read and extracted by kabigate's RPM reader into the build's scratch directory; a
/// kbuild recipe and an SRPM recipe built against it import exactly what the same builds against the headers
/// directory import (symbol and CRC, as modprobe --dump-modversions lists them too).
/// </summary>
[Trait("Category", "RealData")]
public class RebuildKernelDevelTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [RealDataFact("rpmbuild", "make", "gcc", "modprobe")]
    public void KernelDevelRpm_ExtractedIntoScratch_BuildsWithTheSameCrcImportsAsTheHeadersDirectory()
    {
        using var temp = new TempDirectory();
        var release = Data.NewRelease;
        var develRpm = KernelDevelRpm.Build(temp.Path, release);
        Assert.Equal(release, KernelDevel.ReleaseOf(develRpm));
        Assert.Equal("kernel-devel", RpmReader.Read(develRpm).Name);
        var srpm = ElrepoSrpm.Build(temp.Path, "kg_crcchange");
        string[] recipes = [Path.Combine(SourceTree.Root, "tests", "kmods", "kg_stable"), srpm];

        RebuildRunResult Run(string name, IReadOnlyList<string> headers) => RebuildRunOperation.Run(new RebuildRunRequest(
            new RebuildPlanRequest(recipes, null, [], [Data.HeadersDeb(release)], headers, temp.Combine(name + ".db")), 2, TimeSpan.FromSeconds(600), temp.Combine(name)), SilentLog.Instance);

        var fromRpm = Run("rpm", [develRpm]);
        var fromDirectory = Run("dir", []);
        Assert.All(fromRpm.Plan.Recipes, r => Assert.Equal(develRpm, Assert.Single(r.Plan.Items).Headers));
        Assert.All(fromDirectory.Plan.Recipes, r => Assert.Equal(Support.RealData.HeadersDir(release), Assert.Single(r.Plan.Items).Headers));
        foreach (var run in new[] { fromRpm, fromDirectory })
            Assert.True(run.Outcome == RebuildRunOutcome.Covered, string.Join("; ", run.Results.Select(r => $"{r.Recipe}: {r.Status} {r.Detail}")));

        foreach (var recipe in new[] { "kg_stable", "kg_crcchange" })
        {
            var a = Assert.Single(Assert.Single(fromRpm.Builds, b => b.Recipe == recipe).Outcome.ModuleFiles);
            var b = Assert.Single(Assert.Single(fromDirectory.Builds, b => b.Recipe == recipe).Outcome.ModuleFiles);
            var imports = ModuleSetReader.Read([a, b]).Modules.Select(m => m.BasicVersions.Select(v => $"{v.Symbol} {v.Crc:x8}").Order(StringComparer.Ordinal).ToList()).ToList();
            Assert.NotEmpty(imports[0]);
            Assert.Equal(imports[1], imports[0]);
            Assert.Equal(Dump(b), Dump(a));
            var log = File.ReadAllText(Assert.Single(fromRpm.Builds, x => x.Recipe == recipe).Outcome.LogPath);
            Assert.Matches($@"# kabigate: extracted \d+ files \(\d+ MiB\) of {System.Text.RegularExpressions.Regex.Escape(Path.GetFileName(develRpm))} into \S+/kernel-devel/usr/src/kernels/{System.Text.RegularExpressions.Regex.Escape(release)};", log);
        }
        // A kernel-devel RPM of another release does not serve this one: the plan finds none and blocks.
        var other = RebuildPlanOperation.Run(new RebuildPlanRequest([recipes[0]], null, [], [Data.HeadersDeb(Data.OldRelease)], [develRpm], null), SilentLog.Instance);
        Assert.NotEqual(develRpm, Assert.Single(other.Recipes.Single().Plan.Items).Headers);
    }

    private static string Dump(string module) => string.Join('\n', Tools.RunOk("/sbin/modprobe", "--dump-modversions", module).Split('\n').Order(StringComparer.Ordinal));
}

using Kabigate.Abi;
using Kabigate.Abi.Rebuild;
using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// Real rebuilds with the real kbuild: the test kmods and two Debian *-dkms packages rebuilt for real ABIs, each
/// result checked against depmod (the oracle, as in <see cref="DepmodAgreementTests"/>) on every kernel of its class.
/// </summary>
[Trait("Category", "RealData")]
public class RebuildTests
{
    private const string Release55 = "6.1.0-55-amd64";
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string Kmods => Path.Combine(SourceTree.Root, "tests", "kmods");

    /// <summary>The oldest and newest 6.1 ABIs (their headers are installed), and 55 when prepared: it shares 56's ABI.</summary>
    private static List<string> Releases() =>
        [Data.OldRelease, .. Data.Releases.Where(r => r == Release55 && r != Data.NewRelease), Data.NewRelease];

    private static RebuildRunResult Run(TempDirectory temp, IReadOnlyList<string> recipes, IReadOnlyList<string> kmods, IReadOnlyList<string> releases, IReadOnlyList<string> headers, int timeout = 600) =>
        RebuildRunOperation.Run(new RebuildRunRequest(Request(temp, recipes, kmods, releases, headers), 2, TimeSpan.FromSeconds(timeout), temp.Combine("out")), SilentLog.Instance);

    private static RebuildPlanRequest Request(TempDirectory temp, IReadOnlyList<string> recipes, IReadOnlyList<string> kmods, IReadOnlyList<string> releases, IReadOnlyList<string> headers) =>
        new(recipes, null, kmods, [.. releases.Select(Data.HeadersDeb)], headers, temp.Combine("store.db"));

    [RealDataFact("depmod", "make", "gcc")]
    public void TestKmods_RebuiltForNewerAbis_OneBuildPerClass_ReusedWhereTheyLoad_AgreeWithDepmod()
    {
        using var temp = new TempDirectory();
        var releases = Releases();
        string[] names = ["kg_stable", "kg_crcchange"];
        var result = Run(temp, [.. names.Select(n => Path.Combine(Kmods, n))], [.. names.Select(n => Data.Kmod(Data.OldRelease, n))], releases, []);

        foreach (var entry in result.Plan.Recipes)
        {
            // The old build still loads on the kernel it was built for; everything newer is one class: one build.
            var items = entry.Plan.Items;
            Assert.Equal([PlanAction.Reuse, PlanAction.Build], items.Select(i => i.Action));
            Assert.Equal([Data.OldRelease], items[0].Kernels.Select(k => k.Release));
            Assert.Equal(releases.Skip(1), items[1].Kernels.Select(k => k.Release));
            Assert.Equal(Data.NewRelease, items[1].BuildOn!.Release);
        }
        Assert.Equal(RebuildRunOutcome.Covered, result.Outcome);
        Assert.Equal(2, result.Builds.Count);
        Assert.All(result.Results.Where(r => r.Kernel == Data.OldRelease), r => Assert.Equal(RebuildStatuses.Reused, r.Status));
        Assert.All(result.Results.Where(r => r.Kernel != Data.OldRelease), r => Assert.Equal(RebuildStatuses.Built, r.Status));
        AssertAgreesWithDepmod(temp, result);

        // The next plan finds the new builds in the store: nothing left to build.
        var again = RebuildPlanOperation.Run(Request(temp, [.. names.Select(n => Path.Combine(Kmods, n))], [.. names.Select(n => Data.Kmod(Data.OldRelease, n))], releases, []), SilentLog.Instance);
        Assert.Equal(0, again.Builds);
        Assert.Equal(RebuildPlanOutcome.Covered, again.Outcome);
        var status = RebuildStatusOperation.Run(new RebuildStatusRequest(temp.Combine("store.db"), [], false), SilentLog.Instance);
        Assert.Equal(names.Length * releases.Count, status.Rows.Count);
        Assert.Equal(RebuildStatusOutcome.Covered, status.Outcome);
        Assert.All(status.Rows.Where(r => r.Record.Status == RebuildStatuses.Built), r =>
        {
            Assert.NotEmpty(r.Record.KmodIds);
            Assert.StartsWith("gcc", r.Record.Compiler, StringComparison.Ordinal);
            Assert.Equal(Support.RealData.HeadersDir(Data.NewRelease), r.Record.Headers);
            Assert.True(File.Exists(r.Record.LogPath));
        });
    }

    [RealDataFact("depmod", "make", "gcc")]
    public void DebianDkmsPackages_RebuiltFromDkmsConf_ForSeveralAbis_AgreeWithDepmod()
    {
        using var temp = new TempDirectory();
        var debs = new[] { "vpoll-dkms_*.deb", "acpi-call-dkms_*.deb" }.Select(p => Directory.EnumerateFiles(Path.Combine(Data.Root, "debs"), p).Single()).ToList();
        var releases = Releases();
        if (Data.NewerBuildRelease.Length > 0)
            releases.Add(Data.NewerBuildRelease);
        var result = Run(temp, debs, [], releases, Data.NewerHeaders.Length > 0 ? [Data.NewerHeaders] : []);

        Assert.Equal(["vpoll", "acpi-call"], result.Plan.Recipes.Select(r => r.Recipe.Name));
        foreach (var entry in result.Plan.Recipes)
        {
            // Never built before: every distinct (vermagic, ABI) is a class; 55 and 56 have one ABI.
            var builds = entry.Plan.Items.Where(i => i.Action == PlanAction.Build).ToList();
            Assert.Equal(releases.Count - (releases.Contains(Release55) ? 1 : 0), builds.Count);
            Assert.DoesNotContain(entry.Plan.Items, i => i.Action == PlanAction.Blocked);
        }
        // acpi_call builds on both lines; vpoll's use of class_create predates 6.4's change of it, so its 6.12 build may fail.
        Assert.All(result.Results.Where(r => r.Recipe == "acpi-call" || KernelReleases.Line(r.Kernel) != KernelReleases.Line(Data.NewerBuildRelease)),
            r => Assert.Equal(RebuildStatuses.Built, r.Status));
        foreach (var failed in result.Results.Where(r => r.Status == RebuildStatuses.BuildFailed))
        {
            Assert.Contains(": error: ", failed.Detail, StringComparison.Ordinal);
            Assert.Contains(failed.Detail!, File.ReadAllText(failed.LogPath!), StringComparison.Ordinal);
        }
        AssertAgreesWithDepmod(temp, result);
    }

    [RealDataFact("make", "gcc", "patch")]
    public void RecipesWrittenToFail_AreBuildFailed_WithTheCompilersFirstError_AndBlockTheirClassNextTime_UntilTheSourceChanges()
    {
        using var temp = new TempDirectory();
        var broken = Directory.CreateDirectory(temp.Combine("kg_broken")).FullName;
        File.WriteAllText(Path.Combine(broken, "Kbuild"), "obj-m += kg_broken.o\n");
        File.WriteAllText(Path.Combine(broken, "kg_broken.c"), "#include <linux/module.h>\nstatic int __init kg_broken_init(void)\n{\n\treturn undeclared_thing;\n}\nmodule_init(kg_broken_init);\nMODULE_LICENSE(\"GPL\");\n");
        // A DKMS tree whose source only builds once its PATCH[0] is applied: the patch is run, as DKMS runs it.
        var patched = Directory.CreateDirectory(temp.Combine("kg_patched")).FullName;
        Directory.CreateDirectory(Path.Combine(patched, "patches"));
        File.WriteAllText(Path.Combine(patched, "dkms.conf"), "PACKAGE_NAME=\"kg_patched\"\nPACKAGE_VERSION=\"1.0\"\nBUILT_MODULE_NAME[0]=\"$PACKAGE_NAME\"\nDEST_MODULE_LOCATION[0]=\"/extra\"\nPATCH[0]=\"fix.patch\"\n");
        File.WriteAllText(Path.Combine(patched, "Makefile"), "obj-m += kg_patched.o\n");
        File.WriteAllText(Path.Combine(patched, "kg_patched.c"), "#include <linux/module.h>\nstatic int __init kg_patched_init(void)\n{\n\treturn NOT_YET;\n}\nmodule_init(kg_patched_init);\nMODULE_LICENSE(\"GPL\");\n");
        File.WriteAllText(Path.Combine(patched, "patches", "fix.patch"), "--- a/kg_patched.c\n+++ b/kg_patched.c\n@@ -1,7 +1,7 @@\n #include <linux/module.h>\n static int __init kg_patched_init(void)\n {\n-\treturn NOT_YET;\n+\treturn 0;\n }\n module_init(kg_patched_init);\n MODULE_LICENSE(\"GPL\");\n");
        // A Kbuild that never finishes: killed at the timeout, with what it started.
        var hanging = Directory.CreateDirectory(temp.Combine("kg_hanging")).FullName;
        File.WriteAllText(Path.Combine(hanging, "Kbuild"), "$(shell sleep 600)\nobj-m += kg_hanging.o\n");
        File.WriteAllText(Path.Combine(hanging, "kg_hanging.c"), "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\n");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = Run(temp, [broken, patched, hanging], [], [Data.NewRelease], [], timeout: 20);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"the run took {clock.Elapsed}");
        Assert.Equal(RebuildRunOutcome.NotCovered, result.Outcome);
        var failed = result.Results.Single(r => r.Recipe == "kg_broken");
        Assert.Equal(RebuildStatuses.BuildFailed, failed.Status);
        Assert.Matches(@"/kg_broken\.c:4:\d+: error: 'undeclared_thing' undeclared", failed.Detail);
        Assert.Contains(failed.Detail!, File.ReadAllText(failed.LogPath!), StringComparison.Ordinal);
        Assert.Equal(RebuildStatuses.Built, result.Results.Single(r => r.Recipe == "kg_patched").Status);
        var hung = result.Results.Single(r => r.Recipe == "kg_hanging");
        Assert.Equal((RebuildStatuses.BuildFailed, "killed after 20 s (timeout)"), (hung.Status, hung.Detail));

        var plan = RebuildPlanOperation.Run(Request(temp, [broken], [], [Data.NewRelease], []), SilentLog.Instance);
        var blocked = Assert.Single(plan.Recipes.Single().Plan.Items);
        Assert.Equal(PlanAction.Blocked, blocked.Action);
        Assert.Equal("failed before on this class: " + failed.Detail, blocked.Reason);
        Assert.Equal(failed.LogPath, blocked.Log);

        File.WriteAllText(Path.Combine(broken, "kg_broken.c"), File.ReadAllText(Path.Combine(broken, "kg_broken.c")).Replace("undeclared_thing", "0", StringComparison.Ordinal));
        var changed = RebuildPlanOperation.Run(Request(temp, [broken], [], [Data.NewRelease], []), SilentLog.Instance);
        Assert.Equal(PlanAction.Build, Assert.Single(changed.Recipes.Single().Plan.Items).Action);
    }

    /// <summary>Every build on every kernel of its class: kabigate's verdict, and depmod's, on the same files.</summary>
    internal static void AssertAgreesWithDepmod(TempDirectory temp, RebuildRunResult result)
    {
        var kernels = result.Plan.Kernels.ToDictionary(k => k.Release);
        int checkedPairs = 0;
        foreach (var build in result.Builds.Where(b => b.Outcome.Status == Kabigate.Build.BuildStatus.Built))
        {
            var modules = ModuleSetReader.Read(build.Outcome.ModuleFiles).Modules;
            var members = build.Members.Select(m => kernels[m]).ToList();
            var report = CompatibilityEngine.Check(members, modules, new CheckOptions(Explain: true));
            for (int k = 0; k < members.Count; k++)
            {
                var release = members[k].Release;
                var symvers = Path.Combine(Tools.ExtractFromDeb(Data.HeadersDeb(release), "*/Module.symvers", temp.Combine("symvers", release)), $"usr/src/linux-headers-{release}/Module.symvers");
                var depmod = Depmod.Run(build.Outcome.ModuleFiles, symvers, release);
                DepmodAgreementTests.AssertAgreement(depmod, report, k);
                Assert.Empty(depmod);
                Assert.All(Enumerable.Range(0, modules.Count), m => Assert.True(report[m, k].Loads, string.Join("; ", report[m, k].Problems.Select(p => p.Message))));
                checkedPairs++;
            }
        }
        Assert.True(checkedPairs >= 2, $"only {checkedPairs} build × kernel pairs checked");
    }
}

using Kabigate.Abi;
using Kabigate.Abi.Rebuild;
using static Kabigate.Tests.Support.KmodFixtures;

namespace Kabigate.Tests.Abi;

public class RebuildPlannerTests
{
    private static KernelAbi Kernel(string release, uint printkCrc = 0x92997ed8, string? ns = null, uint unrelatedCrc = 1, string exporter = "vmlinux") =>
        new(release,
        [
            new KernelExport("_printk", printkCrc, exporter, ExportKind.Plain, ns),
            new KernelExport("ktime_get", 0xb43f9365, "vmlinux", ExportKind.Gpl, null),
            new KernelExport("unrelated", unrelatedCrc, "vmlinux", ExportKind.Plain, null),
        ], "test", $"{release} SMP preempt mod_unload modversions ");

    private static ExistingBuild Build(string label, string release, uint printkCrc = 0x92997ed8) =>
        new(label, [Module("m", [("_printk", printkCrc), ("ktime_get", 0xb43f9365)], vermagic: $"{release} SMP preempt mod_unload modversions ")]);

    private static RebuildTarget Target(KernelAbi kernel, string? headers = "/h") => new(kernel, headers == "/h" ? "/h/" + kernel.Release : headers, null);

    [Fact]
    public void KernelsThatDifferOnlyOutsideTheImports_AreOneClass_AndTheReleaseWordIsIgnoredWithModversions()
    {
        var reference = Build("old", "6.1.0-40-amd64", printkCrc: 0xdead).Modules;
        var a = AbiClassKey.Of(Kernel("6.1.0-55-amd64", unrelatedCrc: 1), reference);
        var b = AbiClassKey.Of(Kernel("6.1.0-56-amd64", unrelatedCrc: 2), reference);
        Assert.Equal(a, b);
        Assert.Equal(AbiClassKey.Length, a.Length);
    }

    [Theory]
    [InlineData("crc")]
    [InlineData("namespace")]
    [InlineData("exporter")]
    public void AnImportedSymbolsCrcNamespaceOrExporter_SplitsTheClass(string what)
    {
        var reference = Build("old", "6.1.0-40-amd64").Modules;
        var other = what switch
        {
            "crc" => Kernel("6.1.0-56-amd64", printkCrc: 0x1),
            "namespace" => Kernel("6.1.0-56-amd64", ns: "NS"),
            _ => Kernel("6.1.0-56-amd64", exporter: "kernel/printk"),
        };
        Assert.NotEqual(AbiClassKey.Of(Kernel("6.1.0-55-amd64"), reference), AbiClassKey.Of(other, reference));
    }

    [Fact]
    public void WithoutModversions_TheWholeVermagicCounts()
    {
        var noVersions = Module("m", [("_printk", null)], versions: false, vermagic: "6.1.0-40-amd64 SMP preempt mod_unload ");
        Assert.NotEqual(AbiClassKey.Of(Kernel("6.1.0-55-amd64"), [noVersions]), AbiClassKey.Of(Kernel("6.1.0-56-amd64"), [noVersions]));
    }

    [Fact]
    public void NeverBuilt_EveryDistinctExportTableIsItsOwnClass()
    {
        Assert.NotEqual(AbiClassKey.Of(Kernel("6.1.0-55-amd64", unrelatedCrc: 1), []), AbiClassKey.Of(Kernel("6.1.0-56-amd64", unrelatedCrc: 2), []));
        Assert.Equal(AbiClassKey.Of(Kernel("6.1.0-55-amd64"), []), AbiClassKey.Of(Kernel("6.1.0-56-amd64"), []));
    }

    [Fact]
    public void Plan_ReusesWhereABuildLoads_BuildsOncePerClass_OnTheFirstMemberWithHeaders()
    {
        var k47 = Kernel("6.1.0-47-amd64");
        var k55 = Kernel("6.1.0-55-amd64", printkCrc: 0x5555);
        var k56 = Kernel("6.1.0-56-amd64", printkCrc: 0x5555, unrelatedCrc: 9);
        var history = new RecipeHistory("m", [Build("built-for-47", "6.1.0-47-amd64")], []);
        var plan = RebuildPlanner.Plan(history, [Target(k47), Target(k55, headers: null), Target(k56)]);

        Assert.Equal(2, plan.Items.Count);
        var reuse = plan.Items[0];
        Assert.Equal(PlanAction.Reuse, reuse.Action);
        Assert.Equal("built-for-47", reuse.Reused!.Label);
        Assert.Equal([k47], reuse.Kernels);
        var build = plan.Items[1];
        Assert.Equal(PlanAction.Build, build.Action);
        Assert.Equal([k55, k56], build.Kernels);
        Assert.Same(k56, build.BuildOn);
        Assert.Equal("/h/6.1.0-56-amd64", build.Headers);
        Assert.Equal(1, plan.Builds);
        Assert.True(plan.CoversAll);
        Assert.Equal(3, plan.Covered);
    }

    [Fact]
    public void Plan_BlocksAClassWithoutHeaders_AnExcludedKernel_AndAnEarlierFailure_NamingItsLog()
    {
        var k50 = Kernel("6.1.0-50-amd64", printkCrc: 0x50);
        var k53 = Kernel("6.1.0-53-amd64", printkCrc: 0x53);
        var k54 = Kernel("6.1.0-54-amd64", printkCrc: 0x54);
        var failure = new EarlierFailure(["6.1.0-53-amd64"], "/logs/53.log", "m.c:3:1: error: expected ';'");
        var history = new RecipeHistory("m", [Build("old", "6.1.0-47-amd64")], [failure]);
        var plan = RebuildPlanner.Plan(history, [Target(k50, headers: null), Target(k53), new RebuildTarget(k54, "/h", "BUILD_EXCLUSIVE_KERNEL '^5' does not match '6.1.0-54-amd64'")]);

        Assert.False(plan.CoversAll);
        Assert.Equal(0, plan.Builds);
        Assert.Collection(plan.Items,
            i => Assert.Equal(("6.1.0-54-amd64", "BUILD_EXCLUSIVE_KERNEL '^5' does not match '6.1.0-54-amd64'"), (i.Kernels.Single().Release, i.Reason!)),
            i => Assert.Equal(("6.1.0-50-amd64", "no headers for any member of the class"), (i.Kernels.Single().Release, i.Reason!)),
            i =>
            {
                Assert.Equal("6.1.0-53-amd64", i.Kernels.Single().Release);
                Assert.Equal("failed before on this class: m.c:3:1: error: expected ';'", i.Reason);
                Assert.Equal("/logs/53.log", i.Log);
            });
    }

    [Fact]
    public void Verify_GivesTheLoadersWordsForAMemberThatRefuses()
    {
        var built = Build("new", "6.1.0-55-amd64", printkCrc: 0x5555).Modules;
        var verdicts = RebuildVerification.Verify([Kernel("6.1.0-55-amd64", printkCrc: 0x5555), Kernel("6.1.0-56-amd64", printkCrc: 0x5656)], built);
        Assert.True(verdicts[0].Loads);
        Assert.Equal(["m: disagrees about version of symbol _printk"], verdicts[1].Refusals);
    }
}

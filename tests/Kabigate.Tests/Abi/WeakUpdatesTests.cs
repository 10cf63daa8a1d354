using Kabigate.Abi;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Abi;

/// <summary>The weak-updates rules on hand-made kernels and modules, one rule per test.</summary>
public class WeakUpdatesTests
{
    private const uint PrintkCrc = 0x92997ed8;
    private const uint RegisterCrc = 0xf2c48af4;

    private static string Magic(string release) => $"{release} SMP preempt mod_unload modversions ";

    private static KernelAbi Abi(string release, uint registerCrc = RegisterCrc, params KernelExport[] more) =>
        new(release, [new("_printk", PrintkCrc, "vmlinux", ExportKind.Plain, null), new("misc_register", registerCrc, "vmlinux", ExportKind.Plain, null),
            new("gpl_thing", 0x11, "vmlinux", ExportKind.Gpl, null), .. more], "test", Magic(release), loader: new LoaderConfig(true, false));

    private static ModuleImage Image(
        string name, string release, (string Symbol, uint? Crc)[] imports, (string Symbol, uint Crc)[]? exports = null, string license = "GPL", string? depends = null) =>
        KmodFixtures.Module(name, imports, license, Magic(release), exports: [.. (exports ?? []).Select(e => new ModuleExport(e.Symbol, e.Crc, ExportKind.Plain, null))],
            depends: depends, path: $"/root/lib/modules/{release}/extra/{name}.ko");

    private static InstalledModule Installed(ModuleImage image, string release, string dir = "extra") => new(image, release, $"{dir}/{image.Name}.ko");

    private static InstalledKernel Kernel(string release, KernelAbi? abi, IReadOnlyList<InstalledModule>? modules = null, IReadOnlyList<WeakLink>? links = null) =>
        new(release, abi, abi is null ? "no symvers" : null, modules ?? [], links ?? []);

    /// <summary>A kernel's ABI with its own out-of-tree modules' exports, as the tree reader builds it.</summary>
    private static KernelAbi WithModules(KernelAbi abi, params InstalledModule[] modules) =>
        new(abi.Release, abi.Exports.Values.Concat(modules.SelectMany(m => m.Image.Exports.Select(e => new KernelExport(e.Symbol, e.Crc, m.Path[..^3], e.Kind, e.Namespace)))),
            abi.Source, abi.Vermagic, loader: abi.Loader);

    private static WeakDecision Only(WeakUpdatesPlan plan, string kernel, string module) =>
        Assert.Single(plan.Decisions, d => d.Kernel == kernel && d.Module == module);

    private static ModuleImage Stable(string release) => Image("stable", release, [("_printk", PrintkCrc)]);

    [Theory]
    [InlineData("6.1.0-56-amd64", "6.1.0-47-amd64")]
    [InlineData("6.1.0-47-amd64", "6.1.0-9-amd64")]
    [InlineData("5.14.0-162.6.1.el9_1.x86_64", "5.14.0-70.13.1.el9_0.x86_64")]
    [InlineData("4.18.0-305.el8.x86_64", "4.18.0-80.11.2.el8_0.x86_64")]
    [InlineData("5.14.21-150500.55.19-default", "5.14.21-150400.24.11-default")]
    [InlineData("6.1.0-10", "6.1.0-rc7")]
    [InlineData("6.1.0-47-amd64", "6.1.0-47")]
    public void CompareReleases_NewerIsGreater(string newer, string older)
    {
        Assert.True(WeakUpdates.CompareReleases(newer, older) > 0);
        Assert.True(WeakUpdates.CompareReleases(older, newer) < 0);
        Assert.Equal(0, WeakUpdates.CompareReleases(newer, newer));
    }

    [Theory]
    [InlineData("6.1.0-47-amd64", "amd64")]
    [InlineData("6.1.0-47-cloud-amd64", "cloud-amd64")]
    [InlineData("6.1.0-47-rt-amd64", "rt-amd64")]
    [InlineData("5.14.21-150500.55.19-default", "default")]
    [InlineData("5.14.0-70.13.1.el9_0.x86_64", "x86_64")]
    [InlineData("5.14.0-70.13.1.el9_0.x86_64+debug", "x86_64+debug")]
    [InlineData("4.18.0-305.rt7.72.el8.x86_64", "x86_64+rt")]
    [InlineData("5.14.0-427.el9.aarch64+64k", "aarch64+64k")]
    [InlineData("6.12.117+deb12-amd64", "amd64")]
    [InlineData("6.12.117+deb12-rt-amd64", "rt-amd64")]
    [InlineData("6.8.0", null)]
    public void Flavour_FollowsEachDistribution(string release, string? flavour) => Assert.Equal(flavour, WeakUpdates.Flavour(release));

    [Fact]
    public void NewestCompatibleBuild_Wins_OlderOnesSuperseded()
    {
        var old = Installed(Stable("6.1.0-47-amd64"), "6.1.0-47-amd64");
        var newer = Installed(Stable("6.1.0-50-amd64"), "6.1.0-50-amd64");
        var plan = WeakUpdates.Plan([
            Kernel("6.1.0-47-amd64", Abi("6.1.0-47-amd64"), [old]),
            Kernel("6.1.0-50-amd64", Abi("6.1.0-50-amd64"), [newer]),
            Kernel("6.1.0-53-amd64", Abi("6.1.0-53-amd64")),
        ]);
        var rows = plan.Decisions.Where(d => d.Kernel == "6.1.0-53-amd64").ToList();
        Assert.Equal([WeakAction.Link, WeakAction.Skip], rows.Select(r => r.Action));
        Assert.Same(newer, rows[0].Candidate);
        Assert.Equal("weak-updates/stable.ko", rows[0].LinkPath);
        Assert.Equal("/lib/modules/6.1.0-50-amd64/extra/stable.ko", rows[0].LinkTarget);
        Assert.Equal((WeakReason.Superseded, "6.1.0-50-amd64"), (rows[1].Reason, rows[1].Because));
        Assert.Null(rows[1].LoaderCompatible); // not judged once a newer build is linked

        // Each build kernel gets the other's build too, unless it has its own: 47 and 50 both do.
        Assert.Equal(WeakReason.OwnModule, Only(plan, "6.1.0-47-amd64", "stable").Reason);
        Assert.True(plan.HasChanges);
    }

    [Fact]
    public void IncompatibleNewestBuild_FallsBackToAnOlderOne_WithTheKernelsWords()
    {
        var old = Installed(Image("reg", "6.1.0-47-amd64", [("misc_register", RegisterCrc)]), "6.1.0-47-amd64");
        var newer = Installed(Image("reg", "6.1.0-50-amd64", [("misc_register", 0xbad)]), "6.1.0-50-amd64");
        var plan = WeakUpdates.Plan([
            Kernel("6.1.0-47-amd64", Abi("6.1.0-47-amd64"), [old]),
            Kernel("6.1.0-50-amd64", null, [newer]),
            Kernel("6.1.0-53-amd64", Abi("6.1.0-53-amd64")),
        ]);
        var rows = plan.Decisions.Where(d => d.Kernel == "6.1.0-53-amd64").ToList();
        Assert.Equal([(WeakAction.Skip, WeakReason.Incompatible), (WeakAction.Link, WeakReason.Compatible)], rows.Select(r => (r.Action, r.Reason)));
        var problem = Assert.Single(rows[0].Problems);
        Assert.Equal("reg: disagrees about version of symbol misc_register", problem.Message);
        Assert.Equal((RegisterCrc, 0xbadu), (problem.Expected!.Value, problem.Found!.Value));
        Assert.Equal(ProblemKind.CrcMismatch, Assert.Single(rows[0].DepmodFindings).Kind);
        Assert.Same(old, rows[1].Candidate);

        // A kernel without symvers provides modules but is no target.
        Assert.DoesNotContain(plan.Decisions, d => d.Kernel == "6.1.0-50-amd64");
        Assert.Contains(plan.Warnings, w => w.StartsWith("6.1.0-50-amd64: not a target: no symvers", StringComparison.Ordinal));
    }

    [Fact]
    public void OtherFlavour_IsNeverLinked()
    {
        var module = Installed(Stable("6.1.0-47-amd64"), "6.1.0-47-amd64");
        var plan = WeakUpdates.Plan([Kernel("6.1.0-47-amd64", Abi("6.1.0-47-amd64"), [module]), Kernel("6.1.0-50-cloud-amd64", Abi("6.1.0-50-cloud-amd64"))]);
        var row = Only(plan, "6.1.0-50-cloud-amd64", "stable");
        Assert.Equal((WeakAction.Skip, WeakReason.OtherFlavour), (row.Action, row.Reason));
        Assert.False(plan.HasChanges);
    }

    [Fact]
    public void Group_LinksWholeOrNotAtAll_ButASharedDependencyLinksThroughAGoodGroup()
    {
        const string R = "6.1.0-47-amd64";
        var provider = Installed(Image("provider", R, [("_printk", PrintkCrc)], exports: [("provided", 0x77)]), R);
        var good = Installed(Image("good", R, [("provided", 0x77)]), R);
        var bad = Installed(Image("bad", R, [("provided", 0x77), ("misc_register", 0xbad)]), R);
        var lonelyDependency = Installed(Image("lonely_dep", R, [("_printk", PrintkCrc)], exports: [("lonely", 0x5)]), R);
        var lonelyBad = Installed(Image("lonely_bad", R, [("lonely", 0x5), ("misc_register", 0xbad)]), R);
        var plan = WeakUpdates.Plan([
            Kernel(R, Abi(R), [provider, good, bad, lonelyDependency, lonelyBad]),
            Kernel("6.1.0-50-amd64", Abi("6.1.0-50-amd64")),
        ]);
        const string T = "6.1.0-50-amd64";
        Assert.Equal(WeakAction.Link, Only(plan, T, "provider").Action);
        Assert.Equal(WeakAction.Link, Only(plan, T, "good").Action);
        Assert.Equal(["good", "provider"], Only(plan, T, "good").Group);
        Assert.Equal((WeakAction.Skip, WeakReason.Incompatible), (Only(plan, T, "bad").Action, Only(plan, T, "bad").Reason));
        var dependency = Only(plan, T, "lonely_dep");
        Assert.Equal((WeakAction.Skip, WeakReason.GroupIncompatible, "lonely_bad"), (dependency.Action, dependency.Reason, dependency.Because));
        Assert.Equal(true, dependency.LoaderCompatible);
    }

    [Fact]
    public void LoaderOnlyRefusal_SkippedByTheLoaderRule_LinkedByTheDepmodRule()
    {
        const string R = "6.1.0-47-amd64";
        var proprietary = Installed(Image("closed", R, [("gpl_thing", 0x11)], license: "Proprietary"), R);
        InstalledKernel[] kernels = [Kernel(R, Abi(R), [proprietary]), Kernel("6.1.0-50-amd64", Abi("6.1.0-50-amd64"))];

        var loader = Only(WeakUpdates.Plan(kernels), "6.1.0-50-amd64", "closed");
        Assert.Equal((WeakAction.Skip, WeakReason.Incompatible), (loader.Action, loader.Reason));
        Assert.Equal(ProblemKind.GplOnly, Assert.Single(loader.Problems).Kind);
        Assert.Empty(loader.DepmodFindings);
        Assert.True(loader.LoaderOnly);

        var depmod = Only(WeakUpdates.Plan(kernels, new WeakUpdatesOptions(WeakUpdatesRules.Depmod)), "6.1.0-50-amd64", "closed");
        Assert.Equal((WeakAction.Link, WeakReason.Compatible), (depmod.Action, depmod.Reason));
        Assert.True(depmod.LoaderOnly);
    }

    [Fact]
    public void MissingCrc_DepmodCountsItAsZero_TheLoaderOnlyWarns()
    {
        const string R = "6.1.0-47-amd64";
        var module = Installed(Image("half", R, [("_printk", PrintkCrc), ("misc_register", null)]), R);
        InstalledKernel[] kernels = [Kernel(R, Abi(R), [module]), Kernel("6.1.0-50-amd64", Abi("6.1.0-50-amd64"))];

        var loader = Only(WeakUpdates.Plan(kernels), "6.1.0-50-amd64", "half");
        Assert.Equal(WeakAction.Link, loader.Action);
        Assert.Equal(ProblemKind.NoSymbolVersion, Assert.Single(loader.Warnings).Kind);
        var finding = Assert.Single(loader.DepmodFindings);
        Assert.Equal((ProblemKind.CrcMismatch, "misc_register", (uint?)RegisterCrc, (uint?)null), (finding.Kind, finding.Symbol, finding.Expected, finding.Found));

        Assert.Equal(WeakAction.Skip, Only(WeakUpdates.Plan(kernels, new WeakUpdatesOptions(WeakUpdatesRules.Depmod)), "6.1.0-50-amd64", "half").Action);
    }

    [Fact]
    public void ExistingLinks_KeptWhenRight_RemovedWhenDanglingIncompatibleOrDuplicate_ForeignLeftAlone()
    {
        const string R = "6.1.0-47-amd64";
        const string T = "6.1.0-50-amd64";
        var stable = Installed(Stable(R), R);
        var broken = Installed(Image("broken", R, [("misc_register", 0xbad)]), R);
        WeakLink[] links =
        [
            new("weak-updates/stable.ko", "/lib/modules/6.1.0-47-amd64/extra/stable.ko", WeakLinkState.Module, stable),
            new("weak-updates/extra/stable.ko", "../../../6.1.0-47-amd64/extra/stable.ko", WeakLinkState.Module, stable),
            new("weak-updates/broken.ko", "/lib/modules/6.1.0-47-amd64/extra/broken.ko", WeakLinkState.Module, broken),
            new("weak-updates/gone.ko", "/lib/modules/6.1.0-40-amd64/extra/gone.ko", WeakLinkState.Dangling),
            new("weak-updates/vendor.ko", "/opt/vendor/vendor.ko", WeakLinkState.Foreign),
        ];
        var vendor = Installed(Image("vendor", R, [("_printk", PrintkCrc)]), R);
        var plan = WeakUpdates.Plan([Kernel(R, Abi(R), [stable, broken, vendor]), Kernel(T, Abi(T), links: links)]);

        var rows = plan.Decisions.Where(d => d.Kernel == T).Select(d => (d.Module, d.Action, d.Reason, d.LinkPath)).ToList();
        Assert.Equal(
        [
            ("broken", WeakAction.Remove, WeakReason.Incompatible, "weak-updates/broken.ko"),
            ("gone", WeakAction.Remove, WeakReason.Dangling, "weak-updates/gone.ko"),
            ("stable", WeakAction.Keep, WeakReason.Compatible, "weak-updates/stable.ko"),
            ("stable", WeakAction.Remove, WeakReason.Duplicate, "weak-updates/extra/stable.ko"),
            ("vendor", WeakAction.Keep, WeakReason.Foreign, "weak-updates/vendor.ko"),
            ("vendor", WeakAction.Skip, WeakReason.OwnModule, "weak-updates/vendor.ko"),
        ], rows);
    }

    [Fact]
    public void ModuleNeedingOneTheTargetHasItself_IsJudgedAgainstTheTargetsOwn()
    {
        // The target has its own build of "dep", exporting shared() with the CRC "user" was built against elsewhere;
        // the provider's "dep" exports another CRC. The loader would use the target's own dep: so must the plan.
        const string P = "6.1.0-47-amd64";
        const string T = "6.1.0-50-amd64";
        var providerDep = Installed(Image("dep", P, [("_printk", PrintkCrc)], exports: [("shared", 0x1)]), P);
        var user = Installed(Image("user", P, [("shared", 0x2)]), P);
        var ownDep = Installed(Image("dep", T, [("_printk", PrintkCrc)], exports: [("shared", 0x2)]), T);
        var plan = WeakUpdates.Plan([Kernel(P, Abi(P), [providerDep, user]), Kernel(T, WithModules(Abi(T), ownDep), [ownDep])]);

        Assert.Equal(WeakReason.OwnModule, Only(plan, T, "dep").Reason);
        var row = Only(plan, T, "user");
        Assert.Equal((WeakAction.Link, WeakReason.Compatible), (row.Action, row.Reason));
        Assert.Empty(row.DepmodFindings);

        // "user" is the provider kernel's own: never offered to it.
        Assert.DoesNotContain(plan.Decisions, d => d.Kernel == P && d.Module == "user");
    }

    [Fact]
    public void LaterBuild_ResolvesAgainstAModuleLinkedFromANewerKernel()
    {
        // 53 provides only "dep"; 47 provides "user" that needs dep's export: on 56 user resolves against 53's dep.
        var dep = Installed(Image("dep", "6.1.0-53-amd64", [("_printk", PrintkCrc)], exports: [("shared", 0x9)]), "6.1.0-53-amd64");
        var user = Installed(Image("user", "6.1.0-47-amd64", [("shared", 0x9)]), "6.1.0-47-amd64");
        var plan = WeakUpdates.Plan([
            Kernel("6.1.0-47-amd64", null, [user]),
            Kernel("6.1.0-53-amd64", null, [dep]),
            Kernel("6.1.0-56-amd64", Abi("6.1.0-56-amd64")),
        ]);
        Assert.Equal(WeakAction.Link, Only(plan, "6.1.0-56-amd64", "dep").Action);
        Assert.Equal(WeakAction.Link, Only(plan, "6.1.0-56-amd64", "user").Action);
    }

    [Fact]
    public void UpdatesBeatsExtra_WithinOneKernel()
    {
        const string R = "6.1.0-47-amd64";
        var inExtra = Installed(Stable(R), R, "extra");
        var inUpdates = Installed(Image("stable", R, [("_printk", PrintkCrc)]), R, "updates");
        var old = new WeakLink("weak-updates/stable.ko", "/lib/modules/6.1.0-47-amd64/extra/stable.ko", WeakLinkState.Module, inExtra);
        var plan = WeakUpdates.Plan([Kernel(R, Abi(R), [inExtra, inUpdates]), Kernel("6.1.0-50-amd64", Abi("6.1.0-50-amd64"), links: [old])]);
        var rows = plan.Decisions.Where(d => d.Kernel == "6.1.0-50-amd64").ToList();
        Assert.Equal([(WeakAction.Link, inUpdates), (WeakAction.Remove, inExtra)], rows.Select(r => (r.Action, r.Candidate!)));
        Assert.Equal((WeakReason.Duplicate, (string?)null), (rows[1].Reason, rows[1].Because));
        Assert.Contains(plan.Warnings, w => w == "6.1.0-47-amd64: module stable is installed twice (updates/stable.ko, extra/stable.ko): updates/stable.ko is the one linked");
    }

    [Fact]
    public void DepmodFindings_NeedTheExplainedImports()
    {
        var verdict = CompatibilityEngine.Check([Abi("6.1.0-47-amd64")], [Stable("6.1.0-47-amd64")])[0, 0];
        Assert.Throws<ArgumentException>(() => WeakUpdates.DepmodFindings(verdict));
    }

    [Fact]
    public void BuildRelease_IsTheFirstWordOfVermagic()
    {
        var module = Installed(Stable("6.1.0-47-amd64"), "6.1.0-50-amd64");
        Assert.Equal("6.1.0-47-amd64", module.BuildRelease);
        Assert.Equal("/lib/modules/6.1.0-50-amd64/extra/stable.ko", module.SystemPath);
        Assert.Equal("weak-updates/a/b.ko", WeakUpdates.LinkPathFor(module with { Path = "updates/a/b.ko" }));
    }
}

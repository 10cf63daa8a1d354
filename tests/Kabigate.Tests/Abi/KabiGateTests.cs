using Kabigate.Abi;

namespace Kabigate.Tests.Abi;

/// <summary>The package gates on hand-made packages: roles, kernel families, CRCs as numbers, the kmod fixed point.</summary>
public class KabiGateTests
{
    private static KabiPackage Package(string name, string version, string release, bool installed = false, string[]? provides = null, string[]? requires = null, string[]? files = null) =>
        new(name, null, version, release, "x86_64", installed ? "rpmdb" : "repo", installed,
            [.. (provides ?? []).Select(Relation)], [.. (requires ?? []).Select(Relation)], files ?? []);

    private static PackageRelation Relation(string text)
    {
        var parts = text.Split(' ');
        return parts.Length == 3 ? new PackageRelation(parts[0], parts[1], parts[2]) : new PackageRelation(text, "", null);
    }

    /// <summary>A kernel package of uname-r <paramref name="release"/> (<c>6.1.0-N.x86_64</c>): version 6.1.0, release N.</summary>
    private static KabiPackage Kernel(string name, string release, bool installed, params string[] symbols)
    {
        var versionRelease = release[..release.LastIndexOf('.')].Split('-', 2);
        return Package(name, versionRelease[0], versionRelease[1], installed, [$"{name}-uname-r = {release}", .. symbols]);
    }

    [Theory]
    [InlineData("1.0", "1.0", 0)]
    [InlineData("1.0", "1.1", -1)]
    [InlineData("1.10", "1.9", 1)]
    [InlineData("1.0~rc1", "1.0", -1)]
    [InlineData("1.0^git1", "1.0", 1)]
    [InlineData("1.0^git1", "1.0.1", -1)]
    [InlineData("1.a", "1.1", -1)]
    [InlineData("47.amd64.r2", "47.amd64", 1)]
    [InlineData("56.amd64", "47.amd64.r2", 1)]
    [InlineData("001", "1", 0)]
    public void RpmVersions_CompareAsRpmvercmp(string a, string b, int expected)
    {
        Assert.Equal(expected, Math.Sign(RpmVersions.Compare(a, b)));
        Assert.Equal(-expected, Math.Sign(RpmVersions.Compare(b, a)));
    }

    [Fact]
    public void Roles_EveryKernelFamily_MetaPackages_Kmods()
    {
        Assert.Equal(KabiPackageRole.Kernel, Kernel("kernel-core", "5.14.0-70.el9.x86_64", false).Role);
        Assert.Equal(KabiPackageRole.Kernel, Package("kernel-rt-core", "5.14.0", "70.el9", provides: ["kernel(printk) = 0x12345678"]).Role);
        Assert.Equal(KabiPackageRole.Kernel, Package("kernel-default", "5.14.21", "150500.55", provides: ["ksym(default:printk) = 1234"]).Role);
        Assert.Equal(KabiPackageRole.Kernel, Package("kernel-ml", "6.8.1", "1.el9.elrepo", provides: ["kernel-uname-r = 6.8.1-1.el9.elrepo.x86_64"]).Role);
        Assert.Equal("5.14.0-70.el9.x86_64", Package("kernel-modules", "5.14.0", "70.el9", provides: ["kernel-modules-uname-r = 5.14.0-70.el9.x86_64"]).KernelRelease);
        var meta = Package("kernel", "5.14.0", "70.el9", requires: ["kernel-core-uname-r = 5.14.0-70.el9.x86_64"]);
        Assert.Equal((KabiPackageRole.KernelMeta, "5.14.0-70.el9.x86_64"), (meta.Role, meta.KernelRelease));
        Assert.Equal(KabiPackageRole.Kmod, Package("kmod-foo", "1.0", "1", requires: ["kernel(printk) = 0x12345678"]).Role);
        Assert.Equal(KabiPackageRole.Kmod, Package("kmod-suse", "1.0", "1", provides: ["ksym(default:foo_export) = 99"], requires: ["ksym(default:printk) = 1234"]).Role);
        Assert.Equal(KabiPackageRole.Kmod, Package("foo-kmod-bare", "1.0", "1", provides: ["kernel-modules >= 5.14.0-70.el9.x86_64"]).Role);
        Assert.Equal(KabiPackageRole.Other, Package("bash", "5.1", "1", provides: ["kernel(x86-64) = 5.1-1"]).Role);
        Assert.Equal(["kg_a_b", "kg_c"], Package("kmod-x", "1", "1", files: ["/lib/modules/6.1/extra/kg-a-b.ko.xz", "/lib/modules/6.1/extra/kg_c.ko", "/usr/share/doc/x.ko"]).ModuleNames);
    }

    [Fact]
    public void KernelsAreKnownByNameAndProvides_NeverByAProvideAlone()
    {
        Assert.Equal(KabiPackageRole.Other, Package("openssl-libs", "3.0.7", "27.el9", provides: ["kernel-uname-r = 3.0.7-27.el9.x86_64", "kernel(printk) = 0x12345678"]).Role);
        Assert.Equal(KabiPackageRole.Other, Package("kernelshark", "2.0", "1", provides: ["kernel-uname-r = 6.1.0-1.x86_64"]).Role);
        Assert.Equal(KabiPackageRole.Kernel, Package("kernel-64k-core", "5.14.0", "70.el9", provides: ["kernel(printk) = 0x12345678"]).Role);
        Assert.True(KernelPackageNames.SameFlavour("kernel-rt-modules", "kernel-rt-core"));
        Assert.True(KernelPackageNames.SameFlavour("kernel-devel", "kernel-core"));
        Assert.False(KernelPackageNames.SameFlavour("kernel-rt-core", "kernel-core"));
    }

    [Fact]
    public void Hold_EachRepositorysCopyOfANevraIsJudgedOnItsOwn()
    {
        var kmod = Package("kmod-foo", "1.0", "1", installed: true, requires: ["kernel(printk) = 0x12345678"]);
        var installed = new[] { Kernel("kernel-core", "6.1.0-1.x86_64", true, "kernel(printk) = 0x12345678"), kmod };
        KabiPackage Offered(string origin, string crc) =>
            new("kernel-core", null, "6.1.0", "2", "x86_64", origin, false, [new("kernel-core-uname-r", "=", "6.1.0-2.x86_64"), new("kernel(printk)", "=", crc)], [], []);
        var hostile = Offered("https://evil.example/repo", "0x99999999");
        var genuine = Offered("https://mirror.example/updates", "0x12345678");
        var report = KabiGate.Hold(installed, [hostile, genuine]);
        var excluded = Assert.Single(report.Excluded);
        Assert.Same(hostile, excluded.Package);
        Assert.Equal("https://mirror.example/updates", report.NewestLoadable?.Origin);
    }

    [Fact]
    public void Mask_ByCrcAsNumbers_ClosestKernelNamed_NoRequirementsNotJudged()
    {
        KabiPackage[] installed = [Kernel("kernel-core", "6.1.0-1.x86_64", true, "kernel(a) = 0x00000001", "kernel(b) = 0x00000002")];
        KabiPackage[] available =
        [
            Kernel("kernel-core", "6.1.0-2.x86_64", false, "kernel(a) = 0x00000001", "kernel(b) = 0x00000003"),
            Package("kmod-ok", "1", "1", requires: ["kernel(a) = 0x1", "kernel(b) = 0x00000003"]),       // 0x1 is 0x00000001
            Package("kmod-stale", "1", "1", requires: ["kernel(a) = 0x00000001", "kernel(b) = 0x00000009", "kernel(c) = 0x00000004"]),
            Package("kmod-bare", "1", "1", provides: ["kernel-modules >= 6.1.0-1"]),
        ];
        var report = KabiGate.Mask(installed, available);
        var byName = report.Kmods.ToDictionary(k => k.Kmod.Name);
        Assert.Equal(MaskVerdict.Loads, byName["kmod-ok"].Verdict);
        Assert.Equal("loads on 1 of 2 kernels (newest: 6.1.0-2.x86_64)", byName["kmod-ok"].Reason);
        Assert.Equal(MaskVerdict.NotJudged, byName["kmod-bare"].Verdict);
        Assert.Equal("declares no kABI requirements; not judged", byName["kmod-bare"].Reason);
        var stale = byName["kmod-stale"];
        Assert.Equal(MaskVerdict.Masked, stale.Verdict);
        Assert.Equal("no available or installed kernel meets its kABI requirements; closest 6.1.0-2.x86_64 (kernel-core-6.1.0-2.x86_64): 2 of 3 kABI requirements unmet: kernel(b) = 0x00000009 (kernel has 0x00000003), kernel(c) = 0x00000004 (not provided)", stale.Reason);
        Assert.Equal(["kmod-stale"], report.Excluded.Select(p => p.Name));
    }

    [Fact]
    public void Mask_KsymFromAnotherKmodThatLoads_TheFixedPoint()
    {
        KabiPackage[] available =
        [
            Kernel("kernel-core", "6.1.0-1.x86_64", false, "kernel(a) = 0x00000001"),
            Package("kmod-provider", "1", "1", provides: ["ksym(p) = 0x00000007"], requires: ["kernel(a) = 0x00000001"]),
            Package("kmod-consumer", "1", "1", requires: ["kernel(a) = 0x00000001", "ksym(p) = 0x00000007"]),
            Package("kmod-orphan", "1", "1", provides: ["ksym(q) = 0x00000008"], requires: ["kernel(a) = 0x00000002"]),
            Package("kmod-orphans-user", "1", "1", requires: ["ksym(q) = 0x00000008"]),
        ];
        var report = KabiGate.Mask([], available);
        Assert.Equal(["kmod-orphan", "kmod-orphans-user"], report.Excluded.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Mask_SuseFlavorsDoNotMix()
    {
        KabiPackage[] available =
        [
            Package("kernel-default", "5.14.21", "1", provides: ["kernel-uname-r = 5.14.21-1-default", "ksym(default:printk) = 1234"]),
            Package("kmod-default", "1", "1", requires: ["ksym(default:printk) = 00001234"]),
            Package("kmod-rt", "1", "1", requires: ["ksym(rt:printk) = 1234"]),
        ];
        Assert.Equal(["kmod-rt"], KabiGate.Mask([], available).Excluded.Select(p => p.Name));
    }

    [Fact]
    public void Hold_KernelsThatBreakAnInstalledKmod_NewestThatKeepsThem_MetaPackagesGoWithTheirKernel()
    {
        KabiPackage[] installed =
        [
            Kernel("kernel-core", "6.1.0-1.x86_64", true, "kernel(a) = 0x00000001"),
            Package("kmod-x", "1", "1", true, requires: ["kernel(a) = 0x00000001"]),
            Package("kmod-bare", "1", "1", true, provides: ["kernel-modules >= 6.1.0-1"]),
        ];
        KabiPackage[] available =
        [
            Kernel("kernel-core", "6.1.0-1.x86_64", false, "kernel(a) = 0x00000001"), // the installed one, offered again
            Kernel("kernel-core", "6.1.0-2.x86_64", false, "kernel(a) = 0x00000001"),
            Kernel("kernel-core", "6.1.0-3.x86_64", false, "kernel(a) = 0x00000005"),
            Package("kernel", "6.1.0", "3", requires: ["kernel-core-uname-r = 6.1.0-3.x86_64"]),
            Package("kernel-core", "6.1.0", "4", provides: ["kernel-uname-r = 6.1.0-4.x86_64"]), // no kABI provides
        ];
        var report = KabiGate.Hold(installed, available);
        Assert.Equal(["kernel-6.1.0-3.x86_64", "kernel-core-6.1.0-3.x86_64"], report.Excluded.Select(e => e.Package.Nevra).Order(StringComparer.Ordinal));
        Assert.Equal("6.1.0-2.x86_64", report.NewestLoadable!.Release);
        Assert.Equal(["6.1.0-4.x86_64", "6.1.0-3.x86_64", "6.1.0-2.x86_64"], report.Kernels.Select(k => k.Kernel.Release));
        Assert.Equal(HoldVerdict.NotJudged, report.Kernels[0].Verdict);
        Assert.Equal("kmod-x-1-1.x86_64 would not load: 1 of 1 kABI requirements unmet: kernel(a) = 0x00000001 (kernel has 0x00000005)", report.Kernels[1].Reason);
        Assert.Equal(["kmod-bare"], report.NotJudged.Select(p => p.Name));

        var inUse = KabiGate.Hold(installed, available, judge: p => p.Name != "kmod-x");
        Assert.Empty(inUse.Excluded);
    }
}

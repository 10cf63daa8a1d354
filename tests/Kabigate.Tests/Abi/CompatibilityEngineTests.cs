using Kabigate.Abi;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Abi;

public class CompatibilityEngineTests
{
    private const string Magic = "6.1.0-47-amd64 SMP preempt mod_unload modversions ";

    private static KernelAbi Kernel(string release = "6.1.0-47-amd64", string? vermagic = Magic, LoaderConfig? loader = null, params KernelExport[] exports) =>
        new(release, exports.Length > 0 ? exports : DefaultExports, "test", vermagic, "test kernel without vermagic", loader ?? new LoaderConfig(false, false));

    private static readonly KernelExport[] DefaultExports =
    [
        new("module_layout", 0x160c03af, "vmlinux", ExportKind.Plain, null),
        new("_printk", 0x92997ed8, "vmlinux", ExportKind.Plain, null),
        new("misc_register", 0xf2c48af4, "vmlinux", ExportKind.Plain, null),
        new("ktime_get", 0xb43f9365, "vmlinux", ExportKind.Gpl, null),
        new("crypto_cipher_setkey", 0xec3adc8b, "vmlinux", ExportKind.Gpl, "CRYPTO_INTERNAL"),
        new("usb_stor_probe1", 0x12345678, "drivers/usb/storage/usb-storage", ExportKind.Gpl, "USB_STORAGE"),
    ];

    private static ModuleImage Module(
        string name, (string Symbol, uint? Crc)[] imports, string license = "GPL", string? vermagic = Magic,
        string[]? importNs = null, ModuleExport[]? exports = null, bool versions = true, (string, bool)[]? weak = null, string? depends = null) =>
        KmodFixtures.Module(name, imports, license, vermagic, importNs, exports, versions, weak, depends, moreVersions: [("module_layout", 0x160c03af)], path: $"/m/{name}.ko");

    private static Verdict One(ModuleImage module, KernelAbi kernel) => CompatibilityEngine.Check([kernel], [module])[0, 0];

    [Fact]
    public void Loads_WhenEveryImportMatches()
    {
        var verdict = One(Module("good", [("_printk", 0x92997ed8), ("ktime_get", 0xb43f9365)]), Kernel());
        Assert.True(verdict.Loads);
        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void UnknownSymbol_ButWeakIsFine()
    {
        var verdict = One(Module("m", [("_printk", 0x92997ed8), ("gone_symbol", 0x1)], weak: [("optional_symbol", true)]), Kernel());
        var problem = Assert.Single(verdict.Problems);
        Assert.Equal(new Problem(ProblemKind.UnknownSymbol, "m", "gone_symbol", null, 0x1), problem);
        Assert.Equal("m: Unknown symbol gone_symbol (err -2)", problem.Message);
    }

    [Fact]
    public void CrcMismatch_CarriesBothCrcsAndExporter()
    {
        var verdict = One(Module("m", [("misc_register", 0x844c8938)]), Kernel());
        var problem = Assert.Single(verdict.Problems);
        Assert.Equal(new Problem(ProblemKind.CrcMismatch, "m", "misc_register", 0xf2c48af4, 0x844c8938, "vmlinux", From: ExporterKind.KernelImage), problem);
        Assert.Equal("m: disagrees about version of symbol misc_register", problem.Message);
    }

    [Fact]
    public void ModuleLayout_IsCheckedLikeTheKernelDoes()
    {
        var kernel = Kernel(exports: [new("module_layout", 0x9060323f, "vmlinux", ExportKind.Plain, null), new("_printk", 0x92997ed8, "vmlinux", ExportKind.Plain, null)]);
        var verdict = One(Module("m", [("_printk", 0x92997ed8)]), kernel);
        var problem = Assert.Single(verdict.Problems);
        Assert.Equal(ProblemKind.CrcMismatch, problem.Kind);
        Assert.Equal("module_layout", problem.Symbol);
    }

    [Fact]
    public void NoSymbolVersion_IsOnlyAWarning()
    {
        var verdict = One(Module("m", [("_printk", null)]), Kernel());
        Assert.True(verdict.Loads);
        Assert.Equal(ProblemKind.NoSymbolVersion, Assert.Single(verdict.Warnings).Kind);
    }

    [Fact]
    public void GplOnly_RefusedForProprietaryAndForMissingLicense()
    {
        var proprietary = One(Module("p", [("ktime_get", 0xb43f9365)], license: "Proprietary"), Kernel());
        Assert.Equal(ProblemKind.GplOnly, Assert.Single(proprietary.Problems).Kind);
        Assert.True(One(Module("d", [("ktime_get", 0xb43f9365)], license: "Dual MIT/GPL"), Kernel()).Loads);
        Assert.False(One(Module("x", [("ktime_get", 0xb43f9365)], license: "MIT"), Kernel()).Loads);
    }

    [Fact]
    public void Namespace_MustBeImported_UnlessTheKernelAllowsIt()
    {
        var module = Module("n", [("crypto_cipher_setkey", 0xec3adc8b)]);
        var problem = Assert.Single(One(module, Kernel()).Problems);
        Assert.Equal("n: module uses symbol (crypto_cipher_setkey) from namespace CRYPTO_INTERNAL, but does not import it.", problem.Message);
        Assert.True(One(Module("n", [("crypto_cipher_setkey", 0xec3adc8b)], importNs: ["CRYPTO_INTERNAL"]), Kernel()).Loads);
        var lenient = One(module, Kernel(loader: new LoaderConfig(false, AllowMissingNamespaceImports: true)));
        Assert.True(lenient.Loads);
        Assert.Equal(ProblemKind.NamespaceNotImported, Assert.Single(lenient.Warnings).Kind);
    }

    [Fact]
    public void Vermagic_ReleaseIgnoredWithModversions_ComparedInFullWithout()
    {
        var otherRelease = Magic.Replace("6.1.0-47-amd64", "6.1.0-56-amd64", StringComparison.Ordinal);
        Assert.True(One(Module("m", [("_printk", 0x92997ed8)], vermagic: otherRelease), Kernel()).Loads);
        var rt = One(Module("m", [("_printk", 0x92997ed8)], vermagic: "6.1.0-47-amd64 SMP preempt_rt mod_unload modversions "), Kernel());
        Assert.Equal("m: version magic '6.1.0-47-amd64 SMP preempt_rt mod_unload modversions ' should be '6.1.0-47-amd64 SMP preempt mod_unload modversions '", Assert.Single(rt.Problems).Message);
        var unversioned = One(Module("u", [("_printk", 0x92997ed8)], vermagic: otherRelease, versions: false), Kernel(loader: new LoaderConfig(true, false)));
        Assert.Equal(ProblemKind.VermagicMismatch, Assert.Single(unversioned.Problems).Kind);
    }

    [Fact]
    public void Vermagic_UnknownKernelMagic_IsSaidNotGuessed()
    {
        var verdict = One(Module("m", [("_printk", 0x92997ed8)]), Kernel(vermagic: null));
        Assert.True(verdict.Loads);
        Assert.Equal(ProblemKind.VermagicUnchecked, Assert.Single(verdict.Warnings).Kind);
    }

    [Fact]
    public void NoModversions_RefusedWithoutForceLoad_WarnedWithIt()
    {
        var module = Module("u", [("_printk", 0x92997ed8), ("ktime_get", 0xb43f9365)], versions: false);
        var strict = One(module, Kernel());
        Assert.Equal(ProblemKind.NoModversions, Assert.Single(strict.Problems).Kind);
        var forced = One(module, Kernel(loader: new LoaderConfig(true, false)));
        Assert.True(forced.Loads);
        Assert.Equal(ProblemKind.NoModversions, Assert.Single(forced.Warnings).Kind);
    }

    [Fact]
    public void SetModules_SatisfyEachOther_AndReplaceInTreeModulesOfTheSameName()
    {
        var provider = Module("usb_storage", [("_printk", 0x92997ed8)], exports: [new ModuleExport("usb_stor_probe1", 0xabcdef01, ExportKind.Gpl, "USB_STORAGE")]);
        var consumer = Module("uas", [("usb_stor_probe1", 0xabcdef01)], importNs: ["USB_STORAGE"]);
        var report = CompatibilityEngine.Check([Kernel()], [provider, consumer]);
        Assert.True(report.AllLoad);

        // Without the replacement, the in-tree exporter's CRC counts.
        var alone = One(consumer, Kernel());
        Assert.Equal(ProblemKind.CrcMismatch, Assert.Single(alone.Problems).Kind);
        Assert.Equal("drivers/usb/storage/usb-storage", alone.Problems[0].Exporter);
    }

    [Fact]
    public void DependencyFails_PropagatesTransitively_AsItsOwnKind()
    {
        var bottom = Module("bottom", [("misc_register", 0x00000001)], exports: [new ModuleExport("bottom_fn", 0x1, ExportKind.Plain, null)]);
        var middle = Module("middle", [("bottom_fn", 0x1)], exports: [new ModuleExport("middle_fn", 0x2, ExportKind.Plain, null)]);
        var top = Module("top", [("middle_fn", 0x2)]);
        var listed = Module("listed", [("_printk", 0x92997ed8)], depends: "bottom");
        var report = CompatibilityEngine.Check([Kernel()], [bottom, middle, top, listed]);

        Assert.Equal(ProblemKind.CrcMismatch, Assert.Single(report[0, 0].Problems).Kind);
        var dependency = Assert.Single(report[1, 0].Problems);
        Assert.Equal((ProblemKind.DependencyFails, "bottom_fn", "bottom"), (dependency.Kind, dependency.Symbol, dependency.Exporter));
        Assert.Equal("middle: needs bottom_fn from bottom, which does not load on 6.1.0-47-amd64", dependency.Message);
        Assert.Equal(ProblemKind.DependencyFails, Assert.Single(report[2, 0].Problems).Kind);
        Assert.Equal("listed: depends on bottom, which does not load on 6.1.0-47-amd64", Assert.Single(report[3, 0].Problems).Message);
    }

    [Fact]
    public void DuplicateExport_OfAKernelImageSymbol_IsRefused()
    {
        var compat = Module("compat", [("_printk", 0x92997ed8)], exports: [new ModuleExport("misc_register", 0x1, ExportKind.Plain, null), new ModuleExport("compat_only", 0x2, ExportKind.Plain, null)]);
        var problem = Assert.Single(One(compat, Kernel()).Problems);
        Assert.Equal((ProblemKind.DuplicateExport, "misc_register"), (problem.Kind, problem.Symbol));
        Assert.Equal("compat: exports duplicate symbol misc_register (owned by kernel)", problem.Message);
    }

    [Fact]
    public void EveryProblemIsListed_NotOnlyTheFirst()
    {
        var module = Module("many", [("misc_register", 0x1), ("gone", 0x2), ("crypto_cipher_setkey", 0x3)], vermagic: "6.1.0-47-amd64 SMP preempt_rt mod_unload modversions ");
        var kinds = One(module, Kernel()).Problems.Select(p => p.Kind).ToList();
        Assert.Equal([ProblemKind.VermagicMismatch, ProblemKind.CrcMismatch, ProblemKind.UnknownSymbol, ProblemKind.CrcMismatch, ProblemKind.NamespaceNotImported], kinds);
    }

    [Fact]
    public void Stablelist_MarksProblemSymbols()
    {
        var module = Module("m", [("misc_register", 0x1), ("gone", 0x2)]);
        var report = CompatibilityEngine.Check([Kernel()], [module], new CheckOptions(new Stablelist(["misc_register"], "list")));
        Assert.Equal([true, false], report[0, 0].Problems.Select(p => p.Stablelisted));
    }

    [Fact]
    public void Matrix_IsModulesByKernels()
    {
        var module = Module("m", [("misc_register", 0xf2c48af4)]);
        var newer = Kernel("6.1.0-56-amd64", exports: [new("misc_register", 0x844c8938, "vmlinux", ExportKind.Plain, null)]);
        var report = CompatibilityEngine.Check([Kernel(), newer], [module]);
        Assert.True(report[0, 0].Loads);
        Assert.False(report[0, 1].Loads);
        Assert.Same(newer, report[0, 1].Kernel);
    }

    [Theory]
    [InlineData("6.1.0-47-amd64 SMP preempt ", "6.1.0-56-amd64 SMP preempt ", true, true)]
    [InlineData("6.1.0-47-amd64 SMP preempt ", "6.1.0-56-amd64 SMP preempt ", false, false)]
    [InlineData("6.1.0-47-amd64 SMP preempt ", "6.1.0-47-amd64 SMP preempt ", false, true)]
    [InlineData("6.1.0-47-amd64 SMP preempt ", "6.1.0-47-amd64 SMP preempt_rt ", true, false)]
    public void SameMagic_FollowsTheKernel(string a, string b, bool hasCrcs, bool same) =>
        Assert.Equal(same, CompatibilityEngine.SameMagic(a, b, hasCrcs));
}

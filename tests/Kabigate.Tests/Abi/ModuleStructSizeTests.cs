using Kabigate.Abi;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Abi;

/// <summary>
/// kernel/module/main.c elf_validity_cache_index_mod (since 6.4): the module's .gnu.linkonce.this_module must be
/// sizeof(struct module) of the running kernel, checked before vermagic and CRCs.
/// </summary>
public class ModuleStructSizeTests
{
    private const string NewMagic = "6.12.117+deb12-amd64 SMP preempt mod_unload modversions ";

    private static KernelAbi Kernel(string release, ulong? structSize) =>
        new(release, [new KernelExport("_printk", 0x1234, "vmlinux", ExportKind.Plain, null)], "test", release + " SMP preempt mod_unload modversions ", loader: new LoaderConfig(true, false))
        {
            ModuleStructSize = structSize,
            ModuleStructUnknownReason = "test kernel without its size",
        };

    private static ModuleImage Module(ulong? sectionSize, string vermagic = NewMagic, BtfFacts? btf = null)
    {
        var module = KmodFixtures.Module("old", [("_printk", 0x1234)], vermagic: vermagic);
        return new ModuleImage
        {
            Path = module.Path,
            Name = module.Name,
            Elf = module.Elf,
            Modinfo = module.Modinfo,
            Imports = module.Imports,
            Exports = module.Exports,
            BasicVersions = module.BasicVersions,
            ExtendedVersions = module.ExtendedVersions,
            VersionTables = module.VersionTables,
            Signed = false,
            ThisModuleSize = sectionSize,
            Btf = btf,
        };
    }

    private static Verdict One(ModuleImage module, KernelAbi kernel) => CompatibilityEngine.Check([kernel], [module])[0, 0];

    [Fact]
    public void OtherSize_On612_IsRefusedFirst_InTheKernelsWords()
    {
        var verdict = One(Module(896), Kernel("6.12.117+deb12-amd64", 1280));
        Assert.False(verdict.Loads);
        var problem = verdict.Problems[0];
        Assert.Equal(ProblemKind.ModuleStructSize, problem.Kind);
        Assert.Equal("module-struct-size", problem.Kind.ToJsonName());
        Assert.Equal("module old: .gnu.linkonce.this_module section size must match the kernel's built struct module size at run time (section 896 bytes, struct module 1280)", problem.Message);
    }

    [Fact]
    public void SameSize_Loads()
    {
        var verdict = One(Module(1280), Kernel("6.12.117+deb12-amd64", 1280));
        Assert.True(verdict.Loads, string.Join("; ", verdict.Problems.Select(p => p.Message)));
        Assert.Empty(verdict.Warnings);
    }

    [Theory]
    [InlineData("6.1.0-47-amd64", false)]
    [InlineData("6.3.13", false)]
    [InlineData("6.4.0", true)]
    [InlineData("5.14.0-427.13.1.el9_4.x86_64", false)]
    [InlineData("6.12.0-55.9.1.el10_0.x86_64", true)]
    [InlineData("6.17.1-300.fc43.x86_64", true)]
    [InlineData("custom", false)]
    public void OnlyKernelsFrom64_CheckTheSize(string release, bool checks)
    {
        Assert.Equal(checks, CompatibilityEngine.ChecksModuleStructSize(release));
        var magic = release + " SMP preempt mod_unload modversions ";
        var verdict = One(Module(896, magic), Kernel(release, 1280));
        Assert.Equal(!checks, verdict.Loads);
    }

    [Fact]
    public void UnknownKernelSize_On612_IsAWarning()
    {
        var verdict = One(Module(896), Kernel("6.12.117+deb12-amd64", null));
        Assert.True(verdict.Loads);
        var warning = Assert.Single(verdict.Warnings);
        Assert.Equal(ProblemKind.ModuleStructUnchecked, warning.Kind);
        Assert.Equal("old: .gnu.linkonce.this_module size not checked against 6.12.117+deb12-amd64's struct module: test kernel without its size", warning.Message);
    }

    [Fact]
    public void ModuleWithoutTheSection_IsNotJudgedByThisRule()
    {
        var verdict = One(Module(null), Kernel("6.12.117+deb12-amd64", 1280));
        Assert.True(verdict.Loads);
        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void MalformedOrForeignBtf_WithoutAllowance_IsRefused_AndUnknownKernelBtf_IsUnchecked()
    {
        var kernelBtf = new BtfFacts(100, 1000, 999, 100, null);
        var strict = new LoaderConfig(true, false, AllowBtfMismatch: false);
        KernelAbi K(BtfFacts? btf) => new("6.12.117+deb12-amd64", [new KernelExport("_printk", 0x1234, "vmlinux", ExportKind.Plain, null)], "test", NewMagic, loader: strict) { Btf = btf };
        ModuleImage M(BtfFacts btf) => Module(null, btf: btf);

        Assert.True(One(M(new BtfFacts(3, 20, 1010, 102, 1000)), K(kernelBtf)).Loads);
        var outOfRange = One(M(new BtfFacts(3, 20, 1030, 102, null)), K(kernelBtf));
        Assert.Equal("failed to validate module [old] BTF: -22 (name offset 1030 beyond the kernel's 1000 + the module's 20 string bytes)", Assert.Single(outOfRange.Problems).Message);
        var otherBase = One(M(new BtfFacts(3, 20, 1010, 102, 990)), K(kernelBtf));
        Assert.Equal(ProblemKind.BtfMismatch, Assert.Single(otherBase.Problems).Kind);
        var unknown = One(M(new BtfFacts(3, 20, 1010, 102, 1000)), K(null));
        Assert.Equal(ProblemKind.BtfUnchecked, Assert.Single(unknown.Warnings).Kind);
    }
}

using Kabigate.Abi;

namespace Kabigate.Tests.Abi;

/// <summary>A kmod package's declared kABI requirements against its modules' modversions.</summary>
public class DeclaredRequirementsTests
{
    private static ModuleImage Module(params (string Symbol, uint Crc)[] versions) => new()
    {
        Path = "/lib/modules/6.1/extra/foo.ko",
        Name = "foo",
        Elf = new ElfIdentity(true, false, ElfIdentity.MachineX86_64),
        Modinfo = [new("license", "GPL")],
        Imports = [.. versions.Where(v => v.Symbol != "module_layout").Select(v => new ModuleImport(v.Symbol, false))],
        Exports = [],
        BasicVersions = [.. versions.Select(v => new SymbolVersion(v.Symbol, v.Crc))],
        ExtendedVersions = [],
        VersionTables = ModversionTables.Basic,
        Signed = false,
    };

    private static KabiDependency Requires(string symbol, uint crc) => KabiDependency.Parse($"kernel({symbol})", "=", $"0x{crc:x8}")!;

    [Fact]
    public void ModuleLayout_DeclaredAsBuilt_OrNotDeclared_IsNoFinding()
    {
        var module = Module(("module_layout", 0x160c03af), ("printk", 0x12345678));
        Assert.Empty(DeclaredRequirements.Compare("kmod-foo", [Requires("module_layout", 0x160c03af), Requires("printk", 0x12345678)], [], [module]));
        Assert.Empty(DeclaredRequirements.Compare("kmod-foo", [Requires("printk", 0x12345678)], [], [module]));
    }

    [Fact]
    public void ModuleLayout_DeclaredWithAnotherCrc_IsAFinding()
    {
        var module = Module(("module_layout", 0x160c03af), ("printk", 0x12345678));
        Assert.Equal(["kmod-foo: declares kernel(module_layout) = 0x0badcafe but foo.ko was built against 0x160c03af"],
            DeclaredRequirements.Compare("kmod-foo", [Requires("module_layout", 0x0badcafe), Requires("printk", 0x12345678)], [], [module]));
    }

    [Fact]
    public void ARequirementNoModuleImports_IsAFinding()
    {
        var module = Module(("printk", 0x12345678));
        Assert.Equal(["kmod-foo: declares kernel(misc_register) = 0xf2c48af4 but none of its modules imports misc_register"],
            DeclaredRequirements.Compare("kmod-foo", [Requires("printk", 0x12345678), Requires("misc_register", 0xf2c48af4)], [], [module]));
    }
}

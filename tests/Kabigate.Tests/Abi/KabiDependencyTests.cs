using Kabigate.Abi;

namespace Kabigate.Tests.Abi;

public class KabiDependencyTests
{
    [Theory]
    [InlineData("kernel(printk)", "=", "0xc5850110", KabiDependencyKind.KernelSymbol, "printk", null, 0xc5850110u)]
    [InlineData("ksym(kg_provider_answer)", "=", "0x410ad63c", KabiDependencyKind.ModuleSymbol, "kg_provider_answer", null, 0x410ad63cu)]
    [InlineData("ksym(default:current_task)", "=", "eb56bb3", KabiDependencyKind.FlavorSymbol, "current_task", "default", 0x0eb56bb3u)]
    [InlineData("ksym(rt:_printk)", "=", "92997ed8", KabiDependencyKind.FlavorSymbol, "_printk", "rt", 0x92997ed8u)]
    public void Parse_SymbolForms(string name, string op, string version, KabiDependencyKind kind, string symbol, string? flavor, uint crc)
    {
        var dependency = KabiDependency.Parse(name, op, version)!;
        Assert.Equal((kind, symbol, flavor, (uint?)crc), (dependency.Kind, dependency.Symbol, dependency.Flavor, dependency.Crc));
    }

    [Fact]
    public void Parse_ReleaseForms()
    {
        Assert.Equal(KabiDependencyKind.KernelUnameR, KabiDependency.Parse("kernel-uname-r", "=", "4.18.0-259.el8.x86_64")!.Kind);
        Assert.Equal(KabiDependencyKind.KernelCoreUnameR, KabiDependency.Parse("kernel-core-uname-r", ">=", "5.14.0-70.el9.x86_64")!.Kind);
        var modules = KabiDependency.Parse("kernel-modules", ">=", "4.18.0-259.el8.x86_64")!;
        Assert.Equal("kernel-modules >= 4.18.0-259.el8.x86_64", modules.ToString());
    }

    [Theory]
    [InlineData("kernel(x86-64)", "=", "4.18.0-259.el8")]
    [InlineData("kernel", ">=", "3.10.0-862.el7")]
    [InlineData("kernel(printk)", ">=", "0xc5850110")]
    [InlineData("kernel(printk)", "=", "0x1234567890")]
    [InlineData("libc.so.6()(64bit)", "", null)]
    public void Parse_Unrelated_IsNull(string name, string op, string? version) => Assert.Null(KabiDependency.Parse(name, op, version));

    [Fact]
    public void Crcs_AreIntegersNotVersionStrings()
    {
        // rpm's version comparison holds these equal (it compares numeric runs, skipping leading zeros in 0x0...).
        Assert.True(KabiDependency.TryParseCrc("0xa01b1cde", out var a));
        Assert.True(KabiDependency.TryParseCrc("0xa1b01cde", out var b));
        Assert.NotEqual(a, b);
        Assert.True(KabiDependency.TryParseCrc("0eb56bb3", out var padded));
        Assert.True(KabiDependency.TryParseCrc("eb56bb3", out var bare));
        Assert.Equal(padded, bare);
    }
}

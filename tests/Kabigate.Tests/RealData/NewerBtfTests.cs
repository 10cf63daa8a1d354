using System.Text.RegularExpressions;
using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;
using static Kabigate.Tests.RealData.KmodVerdictTests;

namespace Kabigate.Tests.RealData;

/// <summary>
/// BTF on Debian's 6.12 line: the headers' BTF-only vmlinux, the split BTF kbuild (with pahole) puts in the test kmods,
/// and the loader's rule for a module whose BTF was generated on another vmlinux (kernel/bpf/btf.c, btf_module_notify).
/// </summary>
[Trait("Category", "RealData")]
public partial class NewerBtfTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [GeneratedRegex(@"/\* size: (?<size>\d+),")]
    private static partial Regex PaholeSize();

    [RealDataFact("pahole")]
    public void HeadersVmlinux_TellsStructModule_AsPaholeReadsIt()
    {
        var vmlinux = Path.Combine(Data.NewerHeaders, "vmlinux");
        var pahole = Tools.RunOk("pahole", "-F", "btf", "-C", "module", vmlinux);
        var size = ulong.Parse(PaholeSize().Matches(pahole)[^1].Groups["size"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var kernel = Kernel(Data.NewerBuildRelease);
        Assert.Equal(size, kernel.ModuleStructSize);
        Assert.NotNull(kernel.Btf);
        Assert.True(kernel.Btf!.TypeCount > 100_000, $"{kernel.Btf.TypeCount} types");
    }

    [RealDataFact("pahole")]
    public void KmodBtf_IsNumberedFromTheEndOfItsBuildKernelsStrings()
    {
        var kernel = Kernel(Data.NewerBuildRelease);
        foreach (var ko in Data.Kmods(Data.NewerBuildRelease))
        {
            var module = ModuleFileReader.Read(ko);
            Assert.NotNull(module.Btf);
            Assert.Equal(kernel.Btf!.StringLength, module.Btf!.BuildBaseStringLength);
        }
        // Debian's 6.1 headers ship no vmlinux, so kbuild made no BTF for the 6.1 kmods.
        Assert.All(Data.Kmods(Data.OldRelease), ko => Assert.Null(ModuleFileReader.Read(ko).Btf));
    }

    [RealDataFact("pahole")]
    public void OnAnother612Kernel_TheBtfMismatch_WarnsAsDebianAllowsIt_AndRefusesWithoutThatOption()
    {
        var other = Data.NewerReleases.First(r => r != Data.NewerBuildRelease && KernelReleases.Flavour(r) == "amd64");
        var own = CheckAll(Data.NewerBuildRelease, Data.NewerBuildRelease, other);
        foreach (var verdict in own.Verdicts.Where(v => v.Kernel.Release == Data.NewerBuildRelease))
            Assert.DoesNotContain(verdict.Warnings.Concat(verdict.Problems), p => p.Kind is ProblemKind.BtfMismatch or ProblemKind.BtfUnchecked);
        var stable = Of(own, "kg_stable", other);
        var warning = Assert.Single(stable.Warnings, w => w.Kind == ProblemKind.BtfMismatch);
        Assert.StartsWith("kg_stable: Kernel module BTF mismatch detected, BTF debug info may be unavailable for some modules (", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(stable.Problems, p => p.Kind == ProblemKind.BtfMismatch);

        // The same real kernel built without CONFIG_MODULE_ALLOW_BTF_MISMATCH: the module is refused.
        var real = Kernel(other);
        var strict = new KernelAbi(real.Release, real.Exports.Values, real.Source, real.Vermagic, loader: real.Loader! with { AllowBtfMismatch = false })
        {
            ModuleStructSize = real.ModuleStructSize,
            Btf = real.Btf,
        };
        var refused = CompatibilityEngine.Check([strict], [stable.Module])[0, 0];
        Assert.StartsWith("failed to validate module [kg_stable] BTF: -22 (", Assert.Single(refused.Problems, p => p.Kind == ProblemKind.BtfMismatch).Message, StringComparison.Ordinal);

        // On 6.1 the kernel's BTF is not at hand; Debian allows mismatches there too, so nothing is said.
        var onOld = CheckAll(Data.NewerBuildRelease, Data.OldRelease);
        Assert.All(onOld.Verdicts, v => Assert.DoesNotContain(v.Warnings.Concat(v.Problems), p => p.Kind is ProblemKind.BtfMismatch or ProblemKind.BtfUnchecked));
    }
}

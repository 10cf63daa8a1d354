using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;
using static Kabigate.Tests.RealData.KmodVerdictTests;

namespace Kabigate.Tests.RealData;

/// <summary>
/// Debian's 6.12 line (<c>6.12.N+deb12-*</c>) next to its 6.1 line: every 6.12 ABI apt offered read from its
/// headers package, the test kmods built with 6.12's own kbuild, and kmods of one line checked on the other.
/// </summary>
[Trait("Category", "RealData")]
public class NewerLineTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string ConfigOf(string release) =>
        Tools.RunOk("bash", "-c", $"dpkg-deb --fsys-tarfile '{Data.HeadersDeb(release)}' | tar -xO --wildcards '*/.config'");

    [RealDataFact("readelf")]
    public void EveryNewerAbi_IsRead_WithItsVermagicAndLoaderOptions()
    {
        Assert.True(Data.NewerReleases.Count(r => KernelReleases.Flavour(r) == "amd64") >= 1, "apt offered no 6.12 ABI");
        foreach (var release in Data.NewerReleases)
        {
            var kernel = Kernel(release);
            Assert.Equal(release, kernel.Release);
            Assert.Equal(SymversFacts.ForRelease(release).Count, kernel.Exports.Count);
            Assert.StartsWith(release + " SMP ", kernel.Vermagic, StringComparison.Ordinal);
            // The loader options follow the package's .config, read here by plain string search.
            var config = ConfigOf(release).Split('\n');
            Assert.Equal(release.EndsWith("-rt-amd64", StringComparison.Ordinal), config.Contains("CONFIG_PREEMPT_RT=y"));
            // Since CONFIG_PREEMPT_RT selects PREEMPT_BUILD, the rt flavour's vermagic says "preempt" too
            // (include/linux/vermagic.h tests PREEMPT_BUILD first): on 6.12 only the release tells rt apart.
            Assert.Contains(" SMP preempt mod_unload modversions ", kernel.Vermagic, StringComparison.Ordinal);
            Assert.Equal(new LoaderConfig(config.Contains("CONFIG_MODULE_FORCE_LOAD=y"), config.Contains("CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS=y"), config.Contains("CONFIG_MODULE_ALLOW_BTF_MISMATCH=y")), kernel.Loader);
            Assert.True(kernel.Loader!.AllowBtfMismatch, "Debian builds with CONFIG_MODULE_ALLOW_BTF_MISMATCH");
        }
    }

    [RealDataFact("readelf")]
    public void UnpackedHeaders_ReadAsTheirPackage()
    {
        var fromDirectory = KernelSourceReader.Read(Data.NewerHeaders, new KernelSourceOptions());
        var fromPackage = Kernel(Data.NewerBuildRelease);
        Assert.Equal(fromPackage.Release, fromDirectory.Release);
        Assert.Equal(fromPackage.Vermagic, fromDirectory.Vermagic);
        Assert.Equal(fromPackage.Loader, fromDirectory.Loader);
        Assert.Equal(fromPackage.Exports.Values.OrderBy(e => e.Symbol, StringComparer.Ordinal), fromDirectory.Exports.Values.OrderBy(e => e.Symbol, StringComparer.Ordinal));
    }

    /// <summary>The size of .gnu.linkonce.this_module as binutils' readelf reports it.</summary>
    internal static ulong ReadelfThisModuleSize(string ko)
    {
        var line = Tools.RunOk("readelf", "-SW", ko).Split('\n').Single(l => l.Contains(" .gnu.linkonce.this_module ", StringComparison.Ordinal));
        var fields = line[(line.IndexOf(".gnu.linkonce.this_module", StringComparison.Ordinal) + ".gnu.linkonce.this_module".Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Convert.ToUInt64(fields[3], 16); // type, address, offset, size
    }

    [RealDataFact("readelf")]
    public void StructModuleSize_FromTheHeadersBtf_IsWhatKbuildBuiltInto612Kmods()
    {
        var built = ReadelfThisModuleSize(Data.Kmod(Data.NewerBuildRelease, "kg_stable"));
        Assert.Equal(built, Kernel(Data.NewerBuildRelease).ModuleStructSize);
        Assert.Equal(built, KernelSourceReader.Read(Data.NewerHeaders, new KernelSourceOptions()).ModuleStructSize);
        Assert.Equal(built, ModuleFileReader.Read(Data.Kmod(Data.NewerBuildRelease, "kg_stable")).ThisModuleSize);
        // 6.1's struct module is smaller, and Debian's 6.1 headers carry no vmlinux to tell it.
        Assert.True(ReadelfThisModuleSize(Data.Kmod(Data.OldRelease, "kg_stable")) < built);
        Assert.Null(Kernel(Data.OldRelease).ModuleStructSize);
    }

    /// <summary>
    /// What the CRC rules alone expect of a kmod built on one line and checked on a kernel of the other, from an
    /// independent reading of both Module.symvers: module_layout and every versioned import whose CRC differs,
    /// every non-weak import the kernel does not export.
    /// </summary>
    private static List<string> CrcExpectation(ModuleImage module, SymversFacts target)
    {
        var expected = new List<string>();
        foreach (var version in module.BasicVersions)
        {
            if (target.Has(version.Symbol) && target.Crc(version.Symbol) != version.Crc)
                expected.Add($"crc-mismatch:{version.Symbol}");
        }
        foreach (var import in module.Imports.Where(i => !i.Weak && !target.Has(i.Symbol)))
            expected.Add($"unknown-symbol:{import.Symbol}");
        return [.. expected.Order(StringComparer.Ordinal)];
    }

    public static TheoryData<string, string> CrossLine() => new()
    {
        { Support.RealData.Instance.OldRelease, Support.RealData.Instance.NewerBuildRelease },
        { Support.RealData.Instance.NewRelease, Support.RealData.Instance.NewerReleases[0] },
        { Support.RealData.Instance.NewerBuildRelease, Support.RealData.Instance.OldRelease },
        { Support.RealData.Instance.NewerBuildRelease, Support.RealData.Instance.NewRelease },
    };

    [RealDataTheory("readelf")]
    [MemberData(nameof(CrossLine))]
    public void KmodsOfOneLine_OnTheOther_AreRefusedForTheRealReasons(string buildRelease, string target)
    {
        var facts = SymversFacts.ForRelease(target);
        var report = CheckAll(buildRelease, target);
        foreach (var name in new[] { "kg_stable", "kg_crcchange" })
        {
            var verdict = Of(report, name, target);
            var crc = CrcExpectation(verdict.Module, facts);
            Assert.NotEmpty(crc);
            Assert.Equal(crc, Kinds(verdict).Where(k => k.StartsWith("crc-mismatch:", StringComparison.Ordinal) || k.StartsWith("unknown-symbol:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            Assert.False(verdict.Loads);
        }

        // 6.12 compares the struct module size before anything else (6.1 does not: its loader has no such check).
        var stable = Of(report, "kg_stable", target);
        if (target.StartsWith("6.12.", StringComparison.Ordinal))
        {
            var expected = LoaderMessages.ModuleStructSize("kg_stable", ReadelfThisModuleSize(Data.Kmod(buildRelease, "kg_stable")), Kernel(target).ModuleStructSize!.Value);
            Assert.Equal(expected, stable.Problems[0].Message);
            Assert.All(report.Verdicts, v => Assert.Equal(ProblemKind.ModuleStructSize, v.Problems[0].Kind));
        }
        else
        {
            Assert.DoesNotContain(report.Verdicts.SelectMany(v => v.Problems.Concat(v.Warnings)), p => p.Kind is ProblemKind.ModuleStructSize or ProblemKind.ModuleStructUnchecked);
        }

        // With modversions the release word of vermagic is not compared: both lines say "SMP preempt mod_unload modversions".
        Assert.DoesNotContain(Of(report, "kg_stable", target).Problems, p => p.Kind == ProblemKind.VermagicMismatch);
        // Without them it is, release included.
        Assert.Contains(Of(report, "kg_noversions", target).Problems, p => p.Kind == ProblemKind.VermagicMismatch);
    }

    [RealDataFact("readelf")]
    public void OnTheNewerRtFlavour_VermagicNoLongerRefuses_TheCrcsDo()
    {
        var rt = Data.NewerReleases.Single(r => r.EndsWith("-rt-amd64", StringComparison.Ordinal));
        var rtFacts = SymversFacts.ForRelease(rt);
        Assert.NotEqual(SymversFacts.ForRelease(Data.NewerBuildRelease).Crc("module_layout"), rtFacts.Crc("module_layout"));
        var report = CheckAll(Data.NewerBuildRelease, rt);
        foreach (var verdict in report.Verdicts)
        {
            Assert.False(verdict.Loads, verdict.Module.Name);
            if (verdict.Module.HasBasicVersions)
            {
                Assert.DoesNotContain(verdict.Problems, p => p.Kind == ProblemKind.VermagicMismatch);
                Assert.Contains("crc-mismatch:module_layout", Kinds(verdict));
            }
            else
            {
                Assert.Equal(LoaderMessages.VersionMagic("kg_noversions", verdict.Module.Vermagic!, Kernel(rt).Vermagic!), verdict.Problems[0].Message);
            }
        }
    }
}

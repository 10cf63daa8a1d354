using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>The test kmods, built with the real kbuild, on every real kernel ABI prepared.</summary>
[Trait("Category", "RealData")]
public class KmodVerdictTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    internal static KernelAbi Kernel(string release) => KernelSourceReader.Read(Data.HeadersDeb(release), new KernelSourceOptions());

    internal static CheckReport CheckAll(string buildRelease, params string[] releases)
    {
        var set = ModuleSetReader.Read([Data.KmodDir(buildRelease)]);
        Assert.Empty(set.Errors);
        Assert.Equal(7, set.Modules.Count);
        return CompatibilityEngine.Check(releases.Select(Kernel).ToList(), set.Modules);
    }

    internal static Verdict Of(CheckReport report, string module, string release) =>
        report.Verdicts.Single(v => v.Module.Name == module && v.Kernel.Release == release);

    internal static IEnumerable<string> Kinds(Verdict v) => v.Problems.Select(p => $"{p.Kind.ToJsonName()}:{p.Symbol}");

    [RealDataFact]
    public void HeadersVermagic_EqualsTheVermagicKbuildWroteIntoTheKmods()
    {
        foreach (var release in new[] { Data.OldRelease, Data.NewRelease, Data.NewerBuildRelease })
        {
            var kernel = Kernel(release);
            var built = ModuleFileReader.Read(Data.Kmod(release, "kg_stable"));
            Assert.Equal(built.Vermagic, kernel.Vermagic);
            Assert.Equal(release, kernel.Release);
        }
    }

    /// <summary>The oldest 6.1 ABI and the newest 6.12 ABI, each with the kmods built against it.</summary>
    public static TheoryData<string> OwnKernels() => [Support.RealData.Instance.OldRelease, Support.RealData.Instance.NewerBuildRelease];

    [RealDataTheory]
    [MemberData(nameof(OwnKernels))]
    public void OnTheirOwnKernel_TheLoaderOnlyRefusesTheRuleBreakers(string old)
    {
        var report = CheckAll(old, old);

        foreach (var name in new[] { "kg_stable", "kg_crcchange", "kg_provider", "kg_consumer" })
        {
            var v = Of(report, name, old);
            Assert.True(v.Loads, $"{name}: {string.Join("; ", v.Problems.Select(p => p.Message))}");
            Assert.Empty(v.Warnings);
        }

        // License 'Proprietary' makes kg_provider_answer (EXPORT_SYMBOL_GPL in kg_provider) invisible to it.
        var proprietary = Of(report, "kg_proprietary", old);
        Assert.Equal(["gpl-only:kg_provider_answer"], Kinds(proprietary));
        Assert.Equal("kg_provider.ko", Path.GetFileName(proprietary.Problems[0].Exporter));
        // modpost could not see kg_provider's CRCs: the loader warns for the import it can resolve (the GPL-only one
        // is never found, so never version-checked).
        Assert.Equal(["kg_provider_plain"], proprietary.Warnings.Select(w => w.Symbol));
        Assert.Equal(ProblemKind.NoSymbolVersion, proprietary.Warnings[0].Kind);

        var nsMissing = Of(report, "kg_nsmissing", old);
        Assert.Equal(["namespace-not-imported:kg_provider_ns_answer"], Kinds(nsMissing));
        Assert.Equal("kg_nsmissing: module uses symbol (kg_provider_ns_answer) from namespace KABIGATE_TEST, but does not import it.", nsMissing.Problems[0].Message);

        // Debian builds with CONFIG_MODULE_FORCE_LOAD: a module without modversions loads, tainting the kernel.
        var noVersions = Of(report, "kg_noversions", old);
        Assert.True(noVersions.Loads);
        Assert.Equal(ProblemKind.NoModversions, Assert.Single(noVersions.Warnings).Kind);
        Assert.Equal(ModversionTables.None, noVersions.Module.VersionTables);
    }

    [RealDataFact]
    public void OnANewerAbi_CrcChangesFollowTheRealSymvers()
    {
        var (old, @new) = (Data.OldRelease, Data.NewRelease);
        var oldFacts = SymversFacts.ForRelease(old);
        var newFacts = SymversFacts.ForRelease(@new);
        var report = CheckAll(old, @new);

        var layoutChanged = oldFacts.Crc("module_layout") != newFacts.Crc("module_layout");
        string[] Expected(params string[] symbols) =>
            [.. (layoutChanged ? ["crc-mismatch:module_layout"] : Array.Empty<string>()),
             .. symbols.Where(s => oldFacts.Crc(s) != newFacts.Crc(s)).Select(s => $"crc-mismatch:{s}")];

        var crcChange = Of(report, "kg_crcchange", @new);
        Assert.Equal(Expected("misc_register", "misc_deregister").Order(), Kinds(crcChange).Order());
        Assert.True(oldFacts.Crc("misc_register") != newFacts.Crc("misc_register"), "the test kmod is meant to see a real CRC change");
        var mismatch = crcChange.Problems.Single(p => p.Symbol == "misc_register");
        Assert.Equal((newFacts.Crc("misc_register"), oldFacts.Crc("misc_register")), (mismatch.Expected!.Value, mismatch.Found!.Value));

        var stable = Of(report, "kg_stable", @new);
        Assert.Equal(Expected("_printk", "msleep", "ktime_get", "get_random_u32", "kstrtoint", "__stack_chk_fail", "__fentry__", "__x86_return_thunk").Order(), Kinds(stable).Order());

        // kg_provider breaks on seq_printf, so kg_consumer cannot load either: a dependency failure of its own kind.
        Assert.Contains("crc-mismatch:seq_printf", Kinds(Of(report, "kg_provider", @new)));
        var consumer = Of(report, "kg_consumer", @new);
        Assert.Contains(consumer.Problems, p => p.Kind == ProblemKind.DependencyFails && p.Exporter == "kg_provider");

        // Without modversions the loader compares vermagic in full, release included.
        var noVersions = Of(report, "kg_noversions", @new);
        Assert.Equal(["vermagic-mismatch:"], Kinds(noVersions));
    }

    [RealDataFact]
    public void BuiltAgainstTheNewest_LoadsOnEveryAbiWithTheSameLayoutAndCrcs()
    {
        var @new = Data.NewRelease;
        var newFacts = SymversFacts.ForRelease(@new);
        var amd64 = Data.Releases.Where(r => KernelReleases.Flavour(r) == "amd64").ToArray();
        var report = CheckAll(@new, amd64);
        Assert.True(Of(report, "kg_stable", @new).Loads);
        var built = Of(report, "kg_stable", @new).Module.BasicVersions;
        foreach (var release in amd64)
        {
            var facts = SymversFacts.ForRelease(release);
            var same = built.All(v => facts.Has(v.Symbol) && facts.Crc(v.Symbol) == v.Crc);
            Assert.Equal(same, Of(report, "kg_stable", release).Loads);
        }
    }

    [RealDataFact]
    public void OnTheRtFlavour_VermagicRefusesWhateverTheCrcs()
    {
        var rt = Data.Releases.Single(r => r.EndsWith("-rt-amd64", StringComparison.Ordinal));
        var kernel = Kernel(rt);
        Assert.Contains("preempt_rt", kernel.Vermagic, StringComparison.Ordinal);
        var report = CheckAll(Data.OldRelease, rt);
        foreach (var verdict in report.Verdicts)
            Assert.Equal(ProblemKind.VermagicMismatch, verdict.Problems[0].Kind);
    }

    [RealDataFact("xz", "zstd", "gzip")]
    public void CompressedKmods_ReadTheSameAsPlain()
    {
        var plain = ModuleFileReader.Read(Data.Kmod(Data.OldRelease, "kg_provider"));
        using var temp = new TempDirectory();
        var dir = temp.Path;
        foreach (var (tool, suffix) in new[] { ("xz", ".xz"), ("zstd", ".zst"), ("gzip", ".gz") })
        {
            var copy = Path.Combine(dir, "kg_provider.ko");
            File.Copy(plain.Path, copy, overwrite: true);
            Tools.RunOk(tool, "-q", "-f", copy);
            var compressed = ModuleFileReader.Read(copy + suffix);
            Assert.Equal(plain.Exports.ToArray(), compressed.Exports.ToArray());
            Assert.Equal(plain.Imports.ToArray(), compressed.Imports.ToArray());
            Assert.Equal(plain.BasicVersions.ToArray(), compressed.BasicVersions.ToArray());
            Assert.Equal(plain.Modinfo.ToArray(), compressed.Modinfo.ToArray());
            File.Delete(copy + suffix);
        }
    }

    [RealDataFact]
    public void KmodExports_MatchTheModuleSymversKbuildWrote()
    {
        var provider = ModuleFileReader.Read(Data.Kmod(Data.OldRelease, "kg_provider"));
        var symvers = File.ReadAllLines(Data.KmodDir(Data.OldRelease) + ".build/src/kg_provider/Module.symvers")
            .Select(l => l.Split('\t'))
            .Select(f => new ModuleExport(f[1], Convert.ToUInt32(f[0], 16), f[3] == "EXPORT_SYMBOL_GPL" ? ExportKind.Gpl : ExportKind.Plain, f[4].Length > 0 ? f[4] : null))
            .OrderBy(e => e.Symbol, StringComparer.Ordinal);
        Assert.Equal(symvers, provider.Exports.ToArray());
        Assert.Contains(provider.Exports, e => e.Namespace == "KABIGATE_TEST" && e.Kind == ExportKind.Gpl);
    }
}

using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// kabigate against kmod's depmod on the same files, the way weak-modules asks it (<c>depmod -e -E symvers</c>).
/// <para>
/// depmod's rule (tools/depmod.c, libkmod-elf.c): every undefined symbol plus every unvisited <c>__versions</c>
/// entry (module_layout) is looked up; missing and not weak → "needs unknown symbol"; a CRC different from the
/// module's, where a missing CRC counts as 0 and weak imports are skipped → "disagrees about version of symbol".
/// The loader is stricter in some ways (GPL-only, namespaces, vermagic) and more lenient in one: a symbol with no
/// modversions entry only warns. So two comparisons: kabigate's own resolution of every import, judged by depmod's
/// rule, equals depmod's findings exactly; and every refusal kabigate makes for an unknown symbol or a CRC is one
/// depmod makes too. One more difference is depmod's, not the loader's: <c>-E</c> keeps only vmlinux rows, so an
/// export of one of the kernel's own modules that is not in the tree is unknown to depmod, while kabigate knows it
/// from Module.symvers (e.g. coreboot_table, built in on amd64 but a module on cloud-amd64).
/// </para>
/// </summary>
[Trait("Category", "RealData")]
public class DepmodAgreementTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    /// <summary>kabigate's resolutions judged by depmod's rule.</summary>
    internal static HashSet<Depmod.Finding> DepmodView(CheckReport report, int kernel)
    {
        var findings = new HashSet<Depmod.Finding>();
        foreach (var verdict in report.Verdicts.Where(v => ReferenceEquals(v.Kernel, report.Kernels[kernel])))
        {
            var file = Path.GetFileName(verdict.Module.Path);
            foreach (var import in verdict.Imports!)
            {
                if (import.Weak)
                    continue;
                if (import.ExporterKind is ExporterKind.None or ExporterKind.KernelModule)
                    findings.Add(new Depmod.Finding(file, import.Symbol, "unknown-symbol"));
                else if ((import.ExporterCrc ?? 0) != (import.ModuleCrc ?? 0))
                    findings.Add(new Depmod.Finding(file, import.Symbol, "crc-mismatch"));
            }
            foreach (var layout in verdict.Problems.Where(p => p.Symbol == "module_layout"))
                findings.Add(new Depmod.Finding(file, "module_layout", "crc-mismatch"));
        }
        return findings;
    }

    /// <summary>kabigate's own refusals for unknown symbols and CRCs, as depmod would name them.</summary>
    internal static HashSet<Depmod.Finding> Refusals(CheckReport report, int kernel) =>
        report.Verdicts.Where(v => ReferenceEquals(v.Kernel, report.Kernels[kernel]))
            .SelectMany(v => v.Problems.Where(p => p.Kind is ProblemKind.UnknownSymbol or ProblemKind.CrcMismatch)
                .Select(p => new Depmod.Finding(Path.GetFileName(v.Module.Path), p.Symbol!,
                    v.Imports!.Any(i => i.Symbol == p.Symbol && i.ExporterKind == ExporterKind.KernelModule) ? "unknown-symbol" : p.Kind.ToJsonName())))
            .ToHashSet();

    internal static void AssertAgreement(IReadOnlySet<Depmod.Finding> depmod, CheckReport report, int kernel)
    {
        var view = DepmodView(report, kernel);
        var release = report.Kernels[kernel].Release;
        Assert.True(depmod.SetEquals(view),
            $"{release}: depmod only: {string.Join(", ", depmod.Except(view).Take(5))}; kabigate only: {string.Join(", ", view.Except(depmod).Take(5))}");
        var refusals = Refusals(report, kernel);
        Assert.True(refusals.IsSubsetOf(depmod), $"{release}: refused by kabigate but not by depmod: {string.Join(", ", refusals.Except(depmod).Take(5))}");
    }

    /// <summary>The kmods built against the oldest and newest 6.1 ABI and the newest 6.12 ABI.</summary>
    public static TheoryData<string> BuildReleases() => [Support.RealData.Instance.OldRelease, Support.RealData.Instance.NewRelease, Support.RealData.Instance.NewerBuildRelease];

    /// <summary>Every kmod build on every kernel of both lines (6.1 and 6.12), one depmod run per kernel.</summary>
    [RealDataTheory("depmod")]
    [MemberData(nameof(BuildReleases))]
    public void TestKmods_OnEveryKernel_AgreeWithDepmod(string buildRelease)
    {
        var set = ModuleSetReader.Read([Data.KmodDir(buildRelease)]);
        var kernels = Data.Releases.Concat(Data.NewerReleases).Select(r => KernelSourceReader.Read(Data.HeadersDeb(r), new KernelSourceOptions())).ToList();
        var report = CompatibilityEngine.Check(kernels, set.Modules, new CheckOptions(Explain: true));
        using var temp = new TempDirectory();
        var symversDir = temp.Path;
        var refusals = 0;
        var depmodOnly = 0;
        for (var k = 0; k < kernels.Count; k++)
        {
            var release = kernels[k].Release;
            var symvers = Path.Combine(Tools.ExtractFromDeb(Data.HeadersDeb(release), "*/Module.symvers", Path.Combine(symversDir, release)), $"usr/src/linux-headers-{release}/Module.symvers");
            var depmod = Depmod.Run(Data.Kmods(buildRelease), symvers, release);
            AssertAgreement(depmod, report, k);
            refusals += Refusals(report, k).Count;
            depmodOnly += depmod.Except(Refusals(report, k)).Count();
        }

        // Both sides of the comparison must be exercised: real CRC refusals, and depmod's missing-CRC reports
        // (kg_noversions, kg_nsmissing) that the loader only warns about.
        Assert.True(refusals > 0, "no CRC or unknown-symbol refusal on any kernel");
        Assert.True(depmodOnly > 0, "no depmod finding beyond the loader's refusals");
    }
}

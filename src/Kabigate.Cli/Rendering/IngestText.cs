using System.Globalization;
using System.Text;
using Kabigate.Abi;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.Cli.Rendering;

/// <summary>The text of <c>ingest</c>: what was stored, then what the store says about the kernels it stored.</summary>
internal static class IngestText
{
    private const int MaxKmodLines = 50;

    public static string Render(IngestSummary summary)
    {
        var text = new StringBuilder();
        int kmodLines = summary.Items.Count(i => !i.IsKernel);
        foreach (var item in summary.Items)
        {
            if (!item.IsKernel && kmodLines > MaxKmodLines)
                continue;
            var outcome = item.Result.Outcome switch
            {
                IngestOutcome.Stored => "stored",
                IngestOutcome.AlreadyStored => "unchanged",
                _ => "stored (conflict)",
            };
            text.AppendLine(CultureInfo.InvariantCulture, $"{(item.IsKernel ? "kernel" : "kmod")} {item.Result.What}: {outcome} ({item.Result.Detail})");
        }
        string Count(bool kernel, IngestOutcome outcome) => summary.Items.Count(i => i.IsKernel == kernel && i.Result.Outcome == outcome).ToString(CultureInfo.InvariantCulture);
        int kernels = summary.Items.Count(i => i.IsKernel);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"ingested {kernels} kernels ({Count(true, IngestOutcome.Stored)} new, {Count(true, IngestOutcome.AlreadyStored)} already stored, {Count(true, IngestOutcome.StoredConflicting)} with conflicting content) " +
            $"and {kmodLines} kmods ({Count(false, IngestOutcome.Stored)} new, {Count(false, IngestOutcome.AlreadyStored)} already stored); " +
            $"the store holds {summary.StoredKernels} kernels and {summary.StoredKmods} kmods in {summary.SizeOnDisk / 1024.0:0} KiB");
        if (summary.Summary.Count == 0)
            return text.ToString();
        text.AppendLine(CultureInfo.InvariantCulture, $"verdicts of the {summary.KmodsJudged} stored kmods:");
        foreach (var kernel in summary.Summary)
        {
            var reasons = string.Join(", ", kernel.FirstProblems.Select(r => $"{r.Count} {r.Kind.ToJsonName()}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"  {Labels.Kernel(kernel.Kernel)}: {kernel.Loads} load, {kernel.Fail} fail{(kernel.Fail > 0 ? $" (first problem: {reasons})" : "")}");
        }
        text.AppendLine("'kabigate matrix' shows every verdict, 'kabigate diff OLD NEW' what changed between two releases.");
        return text.ToString();
    }
}

using System.Globalization;
using System.Text;
using Kabigate.Abi;
using Kabigate.App.Json;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>The <c>diff</c> report as text, JSON (schema 1) and Markdown (for a merge-request comment).</summary>
internal static class DiffReport
{
    private const int MarkdownRows = 200;

    public static string Text(DiffResult result)
    {
        var (diff, judged, regressions, policy, list) = (result.Diff, result.Changes, result.Regressions, result.Policy, result.Stablelist);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"kABI diff {diff.Old.Release} -> {diff.New.Release} ({diff.Old.Exports.Count} -> {diff.New.Exports.Count} exports; stablelist: {list?.Source ?? "none"}; policy: {policy.Origin})\n");
        var counts = new TextTable("CHANGE", "SYMBOLS", "STABLELISTED", "RELEVANT");
        foreach (var kind in Enum.GetValues<AbiChangeKind>())
        {
            var ofKind = judged.Where(j => j.Change.Kind == kind).ToList();
            counts.Add(kind.ToJsonName(), N(ofKind.Count), N(ofKind.Count(j => j.Change.Stablelisted)), N(ofKind.Count(j => j.Relevant)));
        }
        text.Append(counts.Render());
        var breaking = judged.Where(j => j.Change.Kind.Breaks()).ToList();
        if (breaking.Count > 0)
        {
            text.Append("\nbreaking changes:\n");
            var table = new TextTable("", "CHANGE", "SYMBOL", "OLD", "NEW", "EXPORTER", "LISTED", "POLICY", "BREAKS");
            foreach (var j in breaking)
                table.Add(j.Relevant ? "!" : "", j.Change.Kind.ToJsonName(), j.Change.Symbol, Describe(j.Change.Old), Describe(j.Change.New), (j.Change.Old ?? j.Change.New)!.Module, j.Change.Stablelisted ? "yes" : "no", Policy(j), string.Join(" ", j.Change.Breaks));
            text.Append(table.Render());
        }
        var other = judged.Where(j => !j.Change.Kind.Breaks()).ToList();
        if (other.Count > 0)
        {
            text.Append("\nother changes:\n");
            var table = new TextTable("CHANGE", "SYMBOL", "OLD", "NEW");
            foreach (var j in other)
                table.Add(j.Change.Kind.ToJsonName(), j.Change.Symbol, DescribeWithModule(j.Change.Old), DescribeWithModule(j.Change.New));
            text.Append(table.Render());
        }
        if (diff.Kmods is { } report)
        {
            text.Append("\nkmods:\n");
            var table = new TextTable("KMOD", diff.Old.Release, diff.New.Release, "FIRST PROBLEM ON NEW");
            for (int m = 0; m < report.Modules.Count; m++)
                table.Add(report.Modules[m].Name, report[m, 0].Loads ? "loads" : "FAILS", report[m, 1].Loads ? "loads" : "FAILS", report[m, 1].Problems.FirstOrDefault()?.Message ?? "");
            text.Append(table.Render());
        }
        if (regressions.Count > 0)
        {
            text.Append("\nkmod problems no symbol change explains:\n");
            var table = new TextTable("", "KMOD", "PROBLEM", "POLICY");
            foreach (var r in regressions)
                table.Add(r.Judgement.Fails ? "!" : "", r.Kmod, r.Problem.Message, r.Judgement.Explain());
            text.Append(table.Render());
        }
        int relevant = result.RelevantCount;
        text.Append(CultureInfo.InvariantCulture, $"\n{relevant} relevant change{(relevant == 1 ? "" : "s")} under the policy (marked !){(diff.Kmods is null ? "" : ": changes that break a given kmod and the policy fails")}\n");
        return text.ToString();
    }

    public static void Json(TextWriter stdout, DiffResult result) => Rendering.Json.Write(stdout, GateDocuments.Diff(result));

    public static string Markdown(DiffResult result)
    {
        var (diff, judged, regressions, policy, list) = (result.Diff, result.Changes, result.Regressions, result.Policy, result.Stablelist);
        var md = new StringBuilder();
        int relevant = result.RelevantCount;
        md.Append(CultureInfo.InvariantCulture, $"### kABI diff `{diff.Old.Release}` → `{diff.New.Release}`: {(relevant == 0 ? "✅ no relevant change" : $"❌ {relevant} relevant change{(relevant == 1 ? "" : "s")}")}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Stablelist: {(list is null ? "none" : $"`{list.Source}`")}. Policy: `{policy.Origin}`.\n\n");
        md.Append("| change | symbols | stablelisted | relevant |\n|---|---:|---:|---:|\n");
        foreach (var kind in Enum.GetValues<AbiChangeKind>())
        {
            var ofKind = judged.Where(j => j.Change.Kind == kind).ToList();
            md.Append(CultureInfo.InvariantCulture, $"| {kind.ToJsonName()} | {ofKind.Count} | {ofKind.Count(j => j.Change.Stablelisted)} | {ofKind.Count(j => j.Relevant)} |\n");
        }
        if (diff.Kmods is { } report)
        {
            md.Append("\n| kmod | on old | on new | first problem on new |\n|---|---|---|---|\n");
            for (int m = 0; m < report.Modules.Count; m++)
                md.Append(CultureInfo.InvariantCulture, $"| `{report.Modules[m].Name}` | {(report[m, 0].Loads ? "loads" : "**fails**")} | {(report[m, 1].Loads ? "loads" : "**fails**")} | {Escape(report[m, 1].Problems.FirstOrDefault()?.Message ?? "")} |\n");
        }
        var shown = judged.Where(j => j.Relevant).Concat(judged.Where(j => !j.Relevant && j.Change.Kind.Breaks())).ToList();
        if (shown.Count > 0)
        {
            md.Append("\n<details><summary>breaking changes</summary>\n\n| | change | symbol | old | new | stablelisted | policy | breaks |\n|---|---|---|---|---|---|---|---|\n");
            foreach (var j in shown.Take(MarkdownRows))
                md.Append(CultureInfo.InvariantCulture, $"| {(j.Relevant ? "❌" : "")} | {j.Change.Kind.ToJsonName()} | `{j.Change.Symbol}` | {Escape(Describe(j.Change.Old))} | {Escape(Describe(j.Change.New))} | {(j.Change.Stablelisted ? "yes" : "no")} | {Escape(Policy(j))} | {string.Join(" ", j.Change.Breaks.Select(b => $"`{b}`"))} |\n");
            if (shown.Count > MarkdownRows)
                md.Append(CultureInfo.InvariantCulture, $"\n…and {shown.Count - MarkdownRows} more; run `kabigate diff --format json` for all.\n");
            md.Append("\n</details>\n");
        }
        return md.ToString();
    }

    private static string Policy(JudgedChange j)
    {
        var failing = j.KmodJudgements.FirstOrDefault(k => k.Judgement.Fails);
        var shown = failing.Kmod is not null ? failing.Judgement : j.KmodJudgements.Count > 0 ? j.KmodJudgements[0].Judgement : j.Judgement;
        return shown.Explain();
    }

    private static string Describe(KernelExport? export) => export is null ? "-"
        : $"{Hex.Crc(export.Crc) ?? "no crc"}{(export.Kind.IsGplOnly() ? " GPL" : "")}{(export.Namespace is null ? "" : $" ns:{export.Namespace}")}";

    private static string DescribeWithModule(KernelExport? export) => export is null ? "-" : $"{Describe(export)} {export.Module}";

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}

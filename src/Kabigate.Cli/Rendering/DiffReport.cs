using System.Globalization;
using System.Text;
using Kabigate.Abi;
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
        int relevant = Relevant(judged, regressions);
        text.Append(CultureInfo.InvariantCulture, $"\n{relevant} relevant change{(relevant == 1 ? "" : "s")} under the policy (marked !){(diff.Kmods is null ? "" : ": changes that break a given kmod and the policy fails")}\n");
        return text.ToString();
    }

    public static void Json(TextWriter stdout, DiffResult result) =>
        Rendering.Json.Write(stdout, json =>
        {
            var (diff, judged, regressions, policy, list) = (result.Diff, result.Changes, result.Regressions, result.Policy, result.Stablelist);
            json.WriteStartObject();
            json.WriteNumber("schema", 1);
            foreach (var (name, kernel) in new[] { ("old", diff.Old), ("new", diff.New) })
            {
                json.WriteStartObject(name);
                json.WriteString("release", kernel.Release);
                json.WriteString("source", kernel.Source);
                json.WriteNumber("exports", kernel.Exports.Count);
                json.WriteEndObject();
            }
            json.WriteString("stablelist", list?.Source);
            json.WriteString("policy", policy.Origin);
            json.WriteStartObject("counts");
            foreach (var kind in Enum.GetValues<AbiChangeKind>())
                json.WriteNumber(kind.ToJsonName(), judged.Count(j => j.Change.Kind == kind));
            json.WriteEndObject();
            json.WriteNumber("relevant", Relevant(judged, regressions));
            json.WriteStartArray("changes");
            foreach (var j in judged)
            {
                json.WriteStartObject();
                json.WriteString("kind", j.Change.Kind.ToJsonName());
                json.WriteString("symbol", j.Change.Symbol);
                WriteExport(json, "old", j.Change.Old);
                WriteExport(json, "new", j.Change.New);
                json.WriteBoolean("stablelisted", j.Change.Stablelisted);
                json.WriteBoolean("breaking", j.Change.Kind.Breaks());
                json.WriteBoolean("relevant", j.Relevant);
                if (j.Change.Kind.Breaks())
                {
                    json.WriteString("severity", j.Judgement.Severity == Severity.Pass ? "PASS" : "FAIL");
                    json.WriteString("policy", j.Judgement.Explain());
                }
                json.WriteStartArray("breaks");
                foreach (var (kmod, judgement) in j.KmodJudgements)
                {
                    json.WriteStartObject();
                    json.WriteString("kmod", kmod);
                    json.WriteBoolean("fails", judgement.Fails);
                    json.WriteString("policy", judgement.Explain());
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("kmod_regressions");
            foreach (var r in regressions)
            {
                json.WriteStartObject();
                json.WriteString("kmod", r.Kmod);
                json.WriteString("kind", r.Problem.Kind.ToJsonName());
                json.WriteString("message", r.Problem.Message);
                json.WriteBoolean("relevant", r.Judgement.Fails);
                json.WriteString("policy", r.Judgement.Explain());
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (diff.Kmods is { } report)
            {
                json.WriteStartArray("kmods");
                for (int m = 0; m < report.Modules.Count; m++)
                {
                    json.WriteStartObject();
                    json.WriteString("name", report.Modules[m].Name);
                    json.WriteString("path", report.Modules[m].Path);
                    json.WriteBoolean("loads_on_old", report[m, 0].Loads);
                    json.WriteBoolean("loads_on_new", report[m, 1].Loads);
                    json.Problems(report[m, 1]);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        });

    public static string Markdown(DiffResult result)
    {
        var (diff, judged, regressions, policy, list) = (result.Diff, result.Changes, result.Regressions, result.Policy, result.Stablelist);
        var md = new StringBuilder();
        int relevant = Relevant(judged, regressions);
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

    private static int Relevant(IReadOnlyList<JudgedChange> judged, IReadOnlyList<KmodRegression> regressions) =>
        judged.Count(j => j.Relevant) + regressions.Count(r => r.Judgement.Fails);

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

    private static void WriteExport(System.Text.Json.Utf8JsonWriter json, string name, KernelExport? export)
    {
        if (export is null)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartObject(name);
        json.Crc("crc", export.Crc);
        json.WriteString("module", export.Module);
        json.WriteString("kind", export.Kind.ToSymversName());
        json.WriteString("namespace", export.Namespace);
        json.WriteEndObject();
    }
}

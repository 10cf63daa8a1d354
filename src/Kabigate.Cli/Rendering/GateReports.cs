using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kabigate.Abi;
using Kabigate.App.Json;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>
/// The reports of <c>mask</c> and <c>hold</c>: text (one line per package, the verdict first), JSON (schema 1, what
/// the dnf plugin reads) and excludes (one NEVRA per line, what dnf's <c>--exclude</c> takes).
/// </summary>
internal static class GateReports
{
    private const int VerdictWidth = 11;

    public static string Excludes(IEnumerable<KabiPackage> packages)
    {
        var text = new StringBuilder();
        foreach (var nevra in packages.Select(p => p.Nevra).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            text.Append(nevra).Append('\n');
        return text.ToString();
    }

    public static string MaskText(MaskReport report)
    {
        var text = new StringBuilder();
        foreach (var entry in report.Kmods.OrderBy(e => e.Verdict switch { MaskVerdict.Masked => 0, MaskVerdict.NotJudged => 1, _ => 2 }).ThenBy(e => e.Kmod.Nevra, StringComparer.Ordinal))
        {
            var verdict = entry.Verdict switch { MaskVerdict.Masked => "masked", MaskVerdict.NotJudged => "not judged", _ => "loads" };
            text.Append(verdict.PadRight(VerdictWidth)).Append(entry.Kmod.Nevra).Append(": ").Append(entry.Reason).Append('\n');
        }

        int Count(MaskVerdict v) => report.Kmods.Count(e => e.Verdict == v);
        text.Append(CultureInfo.InvariantCulture, $"{report.Kernels.Count(k => k.ExportCount > 0)} kernel release(s), {report.Kmods.Count} kmod package(s): {Count(MaskVerdict.Masked)} masked, {Count(MaskVerdict.NotJudged)} not judged, {Count(MaskVerdict.Loads)} load\n");
        return text.ToString();
    }

    public static string HoldText(HoldReport report)
    {
        var text = new StringBuilder();
        foreach (var entry in report.Kernels.OrderBy(e => e.Verdict switch { HoldVerdict.Held => 0, HoldVerdict.NotJudged => 1, _ => 2 }))
        {
            var verdict = entry.Verdict switch { HoldVerdict.Held => "held", HoldVerdict.NotJudged => "not judged", _ => "allowed" };
            text.Append(verdict.PadRight(VerdictWidth)).Append(CultureInfo.InvariantCulture, $"{entry.Kernel.Release} ({entry.Kernel.Newest.Nevra}): {entry.Reason}\n");
        }

        foreach (var kmod in report.NotJudged)
            text.Append("not judged".PadRight(VerdictWidth)).Append(CultureInfo.InvariantCulture, $"{kmod.Nevra}: {KabiGate.NoRequirements}\n");
        text.Append(report.NewestLoadable is { } newest
            ? $"newest available kernel on which every installed kmod loads: {newest.Release} ({newest.Newest.Nevra})\n"
            : "no available kernel on which every installed kmod loads\n");
        return text.ToString();
    }

    public static string MaskJson(MaskResult result) => KabigateJson.ToString(PackageDocuments.Mask(result), indented: false);

    public static string HoldJson(HoldResult result) => KabigateJson.ToString(PackageDocuments.Hold(result), indented: false);

    public static string MaskAndHoldJson(MaskAndHoldResult result) => KabigateJson.ToString(PackageDocuments.MaskAndHold(result), indented: false);
}

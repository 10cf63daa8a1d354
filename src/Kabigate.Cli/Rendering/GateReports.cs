using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kabigate.Abi;
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

    public static string MaskJson(MaskResult result) => Json(json =>
    {
        var (report, database) = (result.Report, result.Database);
        json.WriteString("command", "mask");
        json.WriteString("database", database);
        WriteKernels(json, report.Kernels);
        json.WriteStartArray("kmods");
        foreach (var entry in report.Kmods)
        {
            json.WriteStartObject();
            WritePackage(json, entry.Kmod);
            json.WriteString("verdict", entry.Verdict switch { MaskVerdict.Masked => "masked", MaskVerdict.NotJudged => "not-judged", _ => "loads" });
            json.WriteString("reason", entry.Reason);
            json.WriteNumber("requirements", entry.Kmod.SymbolRequirements.Count);
            json.WriteStartArray("loadsOn");
            foreach (var kernel in entry.LoadsOn)
                json.WriteStringValue(kernel.Release);
            json.WriteEndArray();
            if (entry.Closest is { } closest)
            {
                json.WriteStartObject("closest");
                json.WriteString("release", closest.Kernel.Release);
                json.WriteString("package", closest.Kernel.Newest.Nevra);
                WriteUnmet(json, closest.Unmet);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("closest");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteExcludes(json, report.Kmods.Where(e => e.Verdict == MaskVerdict.Masked).Select(e => (e.Kmod, e.Reason)));
    });

    public static string HoldJson(HoldResult result) => Json(json =>
    {
        var (report, database) = (result.Report, result.Database);
        json.WriteString("command", "hold");
        json.WriteString("database", database);
        json.WriteStartArray("judged");
        foreach (var kmod in report.Judged)
            json.WriteStringValue(kmod.Nevra);
        json.WriteEndArray();
        json.WriteStartArray("notJudged");
        foreach (var kmod in report.NotJudged)
        {
            json.WriteStartObject();
            json.WriteString("package", kmod.Nevra);
            json.WriteString("reason", KabiGate.NoRequirements);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("kernels");
        foreach (var entry in report.Kernels)
        {
            json.WriteStartObject();
            json.WriteString("release", entry.Kernel.Release);
            json.WriteString("package", entry.Kernel.Newest.Nevra);
            json.WriteString("verdict", entry.Verdict switch { HoldVerdict.Held => "held", HoldVerdict.NotJudged => "not-judged", _ => "allowed" });
            json.WriteString("reason", entry.Reason);
            json.WriteStartArray("packages");
            foreach (var package in entry.Kernel.Available)
                json.WriteStringValue(package.Nevra);
            json.WriteEndArray();
            json.WriteStartArray("broken");
            foreach (var broken in entry.Broken)
            {
                json.WriteStartObject();
                json.WriteString("package", broken.Kmod.Nevra);
                WriteUnmet(json, broken.Unmet);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (report.NewestLoadable is { } newest)
        {
            json.WriteStartObject("newest");
            json.WriteString("release", newest.Release);
            json.WriteString("package", newest.Newest.Nevra);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("newest");
        }

        WriteExcludes(json, report.Excluded.Select(e => (e.Package, $"kernel {e.Entry.Kernel.Release} held back: {e.Entry.Reason}")));
    });

    private static void WriteKernels(Utf8JsonWriter json, IReadOnlyList<KernelCandidate> kernels)
    {
        json.WriteStartArray("kernels");
        foreach (var kernel in kernels)
        {
            json.WriteStartObject();
            json.WriteString("release", kernel.Release);
            json.WriteString("package", kernel.Newest.Nevra);
            json.WriteBoolean("installed", kernel.IsInstalled);
            json.WriteNumber("exports", kernel.ExportCount);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteUnmet(Utf8JsonWriter json, IReadOnlyList<UnmetRequirement> unmet)
    {
        json.WriteStartArray("unmet");
        foreach (var u in unmet)
        {
            json.WriteStartObject();
            json.WriteString("requirement", u.Requirement.ToString());
            json.WriteString("symbol", u.Requirement.Symbol);
            json.WriteString("wanted", Hex.Crc(u.Requirement.Crc));
            json.WriteString("available", Hex.Crc(u.Available));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteExcludes(Utf8JsonWriter json, IEnumerable<(KabiPackage Package, string Reason)> excludes)
    {
        json.WriteStartArray("excludes");
        foreach (var (package, reason) in excludes.DistinctBy(e => e.Package.Nevra, StringComparer.Ordinal).OrderBy(e => e.Package.Nevra, StringComparer.Ordinal))
        {
            json.WriteStartObject();
            WritePackage(json, package);
            json.WriteString("reason", reason);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WritePackage(Utf8JsonWriter json, KabiPackage package)
    {
        json.WriteString("nevra", package.Nevra);
        json.WriteString("name", package.Name);
        json.WriteNumber("epoch", package.Epoch ?? 0);
        json.WriteString("version", package.Version);
        json.WriteString("release", package.Release);
        json.WriteString("arch", package.Arch);
        json.WriteString("origin", package.Origin);
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var memory = new MemoryStream();
        using (var json = new Utf8JsonWriter(memory, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", JsonReport.Schema);
            body(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(memory.GetBuffer(), 0, (int)memory.Length) + "\n";
    }
}

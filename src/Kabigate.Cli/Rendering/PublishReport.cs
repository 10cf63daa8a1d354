using System.Text;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>The report of <c>publish-gated</c>: each kernel published or held back, and what was written.</summary>
internal static class PublishReport
{
    public static void Json(TextWriter stdout, PublishGatedResult result) => Rendering.Json.Write(stdout, json =>
    {
        json.WriteStartObject();
        json.WriteNumber("schema", 1);
        json.WriteString("from", result.From);
        json.WriteString("to", result.To);
        json.WriteNumber("published", result.Published.Kept.Count);
        json.WriteStartArray("omitted");
        foreach (var package in result.Published.Omitted)
            json.WriteStringValue(package.Nevra);
        json.WriteEndArray();
        json.WriteStartArray("kernels");
        foreach (var kernel in result.Kernels)
        {
            json.WriteStartObject();
            json.WriteString("package", kernel.Package.Nevra);
            json.WriteString("release", kernel.Kernel.Release);
            json.WriteBoolean("published", kernel.Published);
            json.WriteStartArray("failing_kmods");
            foreach (var c in kernel.Failing)
                json.WriteStringValue(c.Kmod);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    public static string Text(PublishGatedResult result)
    {
        var text = new StringBuilder();
        foreach (var kernel in result.Kernels)
        {
            text.AppendLine(kernel.Published
                ? $"published  {kernel.Package.Nevra}"
                : $"held back  {kernel.Package.Nevra}: {string.Join("; ", kernel.Failing.Select(c => $"{c.Kmod}: {c.Problems.First(p => p.Judgement.Fails).Problem.Message}"))}");
        }
        text.AppendLine($"{result.To}: {result.Published.Kept.Count} packages published ({result.Published.Linked} hard-linked), {result.Published.Omitted.Count} left out ({result.HeldBack} kernels failing the gate, with their subpackages)");
        return text.ToString();
    }
}

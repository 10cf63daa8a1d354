using System.Text;
using Kabigate.App.Json;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>The report of <c>publish-gated</c>: each kernel published or held back, and what was written.</summary>
internal static class PublishReport
{
    public static void Json(TextWriter stdout, PublishGatedResult result) => Rendering.Json.Write(stdout, GateDocuments.Publish(result));

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

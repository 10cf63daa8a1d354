using System.Text;
using Kabigate.App.Json;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>The report of <c>publish-gated</c>: each kernel published or held back, and what was written.</summary>
internal static class PublishReport
{
    public static void Json(TextWriter stdout, PublishGatedResult result) => Rendering.Json.Write(stdout, GateDocuments.Publish(result));

    /// <summary>A failing case's first failing problem in the kernel's words, which name the module; the kmod's name before it when they do not.</summary>
    private static string FirstFailure(Kabigate.Abi.GateCase c)
    {
        var message = c.Problems.First(p => p.Judgement.Fails).Problem.Message;
        return message.StartsWith(c.Kmod + ":", StringComparison.Ordinal) ? message : $"{c.Kmod}: {message}";
    }

    public static string Text(PublishGatedResult result)
    {
        var text = new StringBuilder();
        foreach (var kernel in result.Kernels)
        {
            text.AppendLine(kernel.Published
                ? $"published  {kernel.Package.Nevra}"
                : $"held back  {kernel.Package.Nevra}: {string.Join("; ", kernel.Failing.Select(FirstFailure))}");
        }
        text.AppendLine($"{result.To}: {result.Published.Kept.Count} packages published ({result.Published.Linked} hard-linked), {result.Published.Omitted.Count} left out ({result.HeldBack} kernels failing the gate, with their subpackages)");
        return text.ToString();
    }
}

using System.Text.Encodings.Web;
using System.Text.Json;
using Kabigate.Abi;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli.Rendering;

/// <summary>The versioned JSON contract of <c>weak-updates plan|apply</c> (schema 1, documented in docs/kabigate.md).</summary>
internal static class WeakUpdatesJson
{
    public const int Schema = 1;

    public static void Write(InstalledTree tree, WeakUpdatesPlan plan, bool apply, TextWriter stdout) =>
        StdoutStream.Write(stdout, stream => Render(tree, plan, apply, stream));

    private static void Render(InstalledTree tree, WeakUpdatesPlan plan, bool apply, Stream output)
    {
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", Schema);
            json.WriteString("root", tree.Root);
            json.WriteString("rules", plan.Rules == WeakUpdatesRules.Loader ? "loader" : "depmod");
            json.WriteBoolean("apply", apply);
            json.WriteBoolean("changes", plan.HasChanges);
            json.WriteStartArray("kernels");
            foreach (var kernel in plan.Kernels)
            {
                json.WriteStartObject();
                json.WriteString("release", kernel.Release);
                json.WriteBoolean("target", kernel.IsTarget);
                json.WriteString("notTarget", kernel.NotTargetReason);
                json.WriteString("flavour", WeakUpdates.Flavour(kernel.Release));
                json.WriteString("vermagic", kernel.Abi?.Vermagic);
                json.WriteStartArray("modules");
                foreach (var module in kernel.Modules)
                    json.WriteStringValue(module.Path);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("decisions");
            foreach (var decision in plan.Decisions)
            {
                WriteDecision(json, decision);
                if (json.BytesPending > 1 << 16)
                    json.Flush();
            }
            json.WriteEndArray();
            json.WriteStartArray("warnings");
            foreach (var warning in plan.Warnings)
                json.WriteStringValue(warning);
            json.WriteEndArray();
            json.SourceErrors(tree.Errors);
            json.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
    }

    private static void WriteDecision(Utf8JsonWriter json, WeakDecision d)
    {
        json.WriteStartObject();
        json.WriteString("kernel", d.Kernel);
        json.WriteString("module", d.Module);
        json.WriteString("action", d.Action.ToJsonName());
        json.WriteString("reason", d.Reason.ToJsonName());
        json.WriteString("from", d.Candidate?.Release);
        json.WriteString("builtFor", d.Candidate?.BuildRelease);
        json.WriteString("link", d.LinkPath);
        json.WriteString("target", d.LinkTarget);
        json.WriteString("because", d.Because);
        json.WriteStartArray("group");
        foreach (var name in d.Group)
            json.WriteStringValue(name);
        json.WriteEndArray();
        WriteNullableBoolean(json, "loaderCompatible", d.LoaderCompatible);
        WriteNullableBoolean(json, "depmodCompatible", d.DepmodCompatible);
        json.WriteBoolean("loaderOnly", d.LoaderOnly);
        JsonReport.WriteProblems(json, "problems", d.Problems);
        JsonReport.WriteProblems(json, "warnings", d.Warnings);
        json.WriteStartArray("depmod");
        foreach (var finding in d.DepmodFindings)
        {
            json.WriteStartObject();
            json.WriteString("kind", finding.Kind.ToJsonName());
            json.WriteString("symbol", finding.Symbol);
            json.WriteString("expected", Hex.Crc(finding.Expected));
            json.WriteString("found", Hex.Crc(finding.Found));
            json.WriteString("message", finding.Kind == ProblemKind.UnknownSymbol
                ? $"needs unknown symbol {finding.Symbol}"
                : $"disagrees about version of symbol {finding.Symbol}");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteNullableBoolean(Utf8JsonWriter json, string name, bool? value)
    {
        if (value is bool b)
            json.WriteBoolean(name, b);
        else
            json.WriteNull(name);
    }
}

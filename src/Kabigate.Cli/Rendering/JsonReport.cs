using System.Text;
using System.Text.Json;
using Kabigate.Abi;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli.Rendering;

/// <summary>The versioned JSON contract of <c>check</c> (schema 1, documented in the README).</summary>
internal static class JsonReport
{
    public const int Schema = 1;

    public static string Render(CheckReport report, IReadOnlyList<SourceError> errors)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", Schema);
            json.WriteStartArray("kernels");
            foreach (var kernel in report.Kernels)
            {
                json.WriteStartObject();
                json.WriteString("release", kernel.Release);
                json.WriteString("source", kernel.Source);
                json.WriteString("vermagic", kernel.Vermagic);
                json.WriteNumber("exports", kernel.Exports.Count);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("results");
            foreach (var verdict in report.Verdicts)
                WriteVerdict(json, verdict);
            json.WriteEndArray();
            json.WriteStartArray("errors");
            foreach (var error in errors)
            {
                json.WriteStartObject();
                json.WriteString("source", error.Source);
                json.WriteString("message", error.Message);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteVerdict(Utf8JsonWriter json, Verdict verdict)
    {
        json.WriteStartObject();
        json.WriteString("module", verdict.Module.Path);
        json.WriteString("name", verdict.Module.Name);
        json.WriteString("kernel", verdict.Kernel.Release);
        json.WriteBoolean("loads", verdict.Loads);
        WriteProblems(json, "problems", verdict.Problems);
        WriteProblems(json, "warnings", verdict.Warnings);
        json.WriteEndObject();
    }

    private static void WriteProblems(Utf8JsonWriter json, string name, IReadOnlyList<Problem> problems)
    {
        json.WriteStartArray(name);
        foreach (var problem in problems)
        {
            json.WriteStartObject();
            json.WriteString("kind", problem.Kind.ToJsonName());
            json.WriteString("symbol", problem.Symbol);
            json.WriteString("expected", Hex.Crc(problem.Expected));
            json.WriteString("found", Hex.Crc(problem.Found));
            json.WriteString("message", problem.Message);
            json.WriteString("exporter", problem.Exporter);
            if (problem.Stablelisted is bool listed)
                json.WriteBoolean("stablelisted", listed);
            else
                json.WriteNull("stablelisted");
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}

using System.Text.Encodings.Web;
using System.Text.Json;
using Kabigate.Abi;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli.Rendering;

/// <summary>The versioned JSON contract of <c>check</c> (schema 1, documented in the README).</summary>
internal static class JsonReport
{
    public const int Schema = 1;

    /// <summary>Writes the report to <paramref name="stdout"/>: compact JSON, one document.</summary>
    public static void Write(CheckReport report, IReadOnlyList<SourceError> errors, TextWriter stdout) =>
        StdoutStream.Write(stdout, stream => Render(report, errors, stream));

    private static void Render(CheckReport report, IReadOnlyList<SourceError> errors, Stream output)
    {
        // Relaxed escaping: the report is data for programs, not HTML; quotes in messages stay readable.
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
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
            {
                WriteVerdict(json, verdict);
                if (json.BytesPending > 1 << 16)
                    json.Flush(); // stream out instead of building the whole document in memory
            }
            json.WriteEndArray();
            json.SourceErrors(errors);
            json.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
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

    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText Symbol = JsonEncodedText.Encode("symbol");
    private static readonly JsonEncodedText Expected = JsonEncodedText.Encode("expected");
    private static readonly JsonEncodedText Found = JsonEncodedText.Encode("found");
    private static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText Exporter = JsonEncodedText.Encode("exporter");
    private static readonly JsonEncodedText Stablelisted = JsonEncodedText.Encode("stablelisted");
    private static readonly JsonEncodedText From = JsonEncodedText.Encode("from");
    private static readonly JsonEncodedText[] FromNames = [JsonEncodedText.Encode("none"), JsonEncodedText.Encode("vmlinux"), JsonEncodedText.Encode("kernel-module"), JsonEncodedText.Encode("module-set")];
    private static readonly JsonEncodedText[] KindNames = Enum.GetValues<ProblemKind>().Select(k => JsonEncodedText.Encode(k.ToJsonName())).ToArray();

    /// <summary>Writes problems as <c>check</c>'s JSON does (kind, symbol, expected, found, message, exporter, from, stablelisted).</summary>
    internal static void WriteProblems(Utf8JsonWriter json, string name, IReadOnlyList<Problem> problems)
    {
        json.WriteStartArray(name);
        Span<byte> hex = stackalloc byte[10];
        foreach (var problem in problems)
        {
            json.WriteStartObject();
            json.WriteString(Kind, KindNames[(int)problem.Kind]);
            json.WriteString(Symbol, problem.Symbol);
            WriteCrc(json, Expected, problem.Expected, hex);
            WriteCrc(json, Found, problem.Found, hex);
            json.WriteString(Message, problem.Message);
            json.WriteString(Exporter, problem.Exporter);
            if (problem.From == ExporterKind.None)
                json.WriteNull(From);
            else
                json.WriteString(From, FromNames[(int)problem.From]);
            if (problem.Stablelisted is bool listed)
                json.WriteBoolean(Stablelisted, listed);
            else
                json.WriteNull(Stablelisted);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteCrc(Utf8JsonWriter json, JsonEncodedText name, uint? crc, Span<byte> buffer)
    {
        if (crc is not uint value)
        {
            json.WriteNull(name);
            return;
        }
        "0x"u8.CopyTo(buffer);
        value.TryFormat(buffer[2..], out _, "x8");
        json.WriteString(name, buffer);
    }
}

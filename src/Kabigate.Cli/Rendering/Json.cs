using Kabigate.Abi;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kabigate.Cli.Rendering;

/// <summary>Writes one indented JSON document to stdout with the relaxed escaping every kabigate report uses.</summary>
internal static class Json
{
    public static void Write(TextWriter stdout, Action<Utf8JsonWriter> body, bool indented = true) =>
        StdoutStream.Write(stdout, stream =>
        {
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                body(json);
            }
            stream.WriteByte((byte)'\n');
        });

    /// <summary>The fields every report names a stored kernel by: id, release, line.</summary>
    public static void StoredKernel(this Utf8JsonWriter json, Kabigate.Store.StoredKernel kernel)
    {
        json.WriteNumber("id", kernel.Id);
        json.WriteString("release", kernel.Release);
        json.WriteString("line", kernel.Line);
    }

    /// <summary>The fields every report names a stored kmod by: id, name, and the kernel it was built for.</summary>
    public static void StoredKmod(this Utf8JsonWriter json, Kabigate.Store.StoredKmod kmod)
    {
        json.WriteNumber("id", kmod.Id);
        json.WriteString("name", kmod.Name);
        json.WriteString("built_for", Kabigate.Abi.KernelReleases.BuiltFor(kmod.Vermagic));
    }

    /// <summary>The <c>errors</c> array: the inputs that could not be read, each with its one-line message.</summary>
    public static void SourceErrors(this Utf8JsonWriter json, IEnumerable<Kabigate.Formats.Sources.SourceError> errors)
    {
        json.WriteStartArray("errors");
        foreach (var error in errors)
        {
            json.WriteStartObject();
            json.WriteString("source", error.Source);
            json.WriteString("message", error.Message);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The <c>problems</c> array of a verdict in the stored-verdict reports: kind, symbol, message.</summary>
    public static void Problems(this Utf8JsonWriter json, Kabigate.Abi.Verdict verdict)
    {
        json.WriteStartArray("problems");
        foreach (var problem in verdict.Problems)
        {
            json.WriteStartObject();
            json.WriteString("kind", problem.Kind.ToJsonName());
            json.WriteString("symbol", problem.Symbol);
            json.WriteString("message", problem.Message);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    public static void Crc(this Utf8JsonWriter json, string name, uint? crc)
    {
        if (crc is { } value)
            json.WriteString(name, Hex.Crc(value));
        else
            json.WriteNull(name);
    }
}

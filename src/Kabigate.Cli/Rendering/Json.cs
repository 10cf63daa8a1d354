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

    public static void Crc(this Utf8JsonWriter json, string name, uint? crc)
    {
        if (crc is { } value)
            json.WriteString(name, Hex.Crc(value));
        else
            json.WriteNull(name);
    }
}

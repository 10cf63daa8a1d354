using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Kabigate.App.Json;

/// <summary>
/// The source-generated (AOT-safe) serializer of every JSON document: snake_case keys, nulls written, relaxed
/// escaping (the documents are data for programs; quotes and non-ASCII in messages stay readable).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never, WriteIndented = true)]
[JsonSerializable(typeof(CheckDocument))]
[JsonSerializable(typeof(MatrixDocument))]
[JsonSerializable(typeof(InspectModuleDocument))]
[JsonSerializable(typeof(InspectKernelDocument))]
[JsonSerializable(typeof(InspectPackageDocument))]
[JsonSerializable(typeof(KernelsDocument))]
[JsonSerializable(typeof(KmodsDocument))]
[JsonSerializable(typeof(HistoryDocument))]
[JsonSerializable(typeof(GreylistDocument))]
[JsonSerializable(typeof(DiffDocument))]
[JsonSerializable(typeof(GateDocument))]
[JsonSerializable(typeof(PublishDocument))]
[JsonSerializable(typeof(MaskDocument))]
[JsonSerializable(typeof(HoldDocument))]
[JsonSerializable(typeof(MaskAndHoldDocument))]
[JsonSerializable(typeof(WeakUpdatesDocument))]
[JsonSerializable(typeof(GateRunsDocument))]
[JsonSerializable(typeof(JsonGateRun))]
[JsonSerializable(typeof(SourcesDocument))]
[JsonSerializable(typeof(SubmissionDocument))]
[JsonSerializable(typeof(KmodStatusDocument))]
[JsonSerializable(typeof(KernelStatusDocument))]
[JsonSerializable(typeof(KcidbDocument))]
[JsonSerializable(typeof(ErrorDocument))]
[JsonSerializable(typeof(RebuildPlanDocument))]
[JsonSerializable(typeof(CiMatrixDocument))]
[JsonSerializable(typeof(RebuildRunDocument))]
[JsonSerializable(typeof(RebuildStatusDocument))]
internal sealed partial class KabigateJsonContext : JsonSerializerContext;

/// <summary>Writes the documents.</summary>
public static class KabigateJson
{
    private static readonly KabigateJsonContext Indented = new(new JsonSerializerOptions(KabigateJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    private static readonly KabigateJsonContext Compact = new(new JsonSerializerOptions(Indented.Options) { WriteIndented = false });

    /// <summary>Writes one document and a newline; <paramref name="indented"/> false for the big reports (check, matrix) that programs read.</summary>
    public static void Write<T>(Stream output, T document, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        var info = (JsonTypeInfo<T>)(indented ? Indented : Compact).GetTypeInfo(typeof(T))!;
        JsonSerializer.Serialize(output, document, info);
        output.WriteByte((byte)'\n');
    }

    /// <summary>The document as UTF-8 bytes (with its newline).</summary>
    public static byte[] ToUtf8Bytes<T>(T document, bool indented = true)
    {
        using var buffer = new MemoryStream();
        Write(buffer, document, indented);
        return buffer.ToArray();
    }

    /// <summary>The document as a string (with its newline).</summary>
    public static string ToString<T>(T document, bool indented = true)
    {
        using var buffer = new MemoryStream();
        Write(buffer, document, indented);
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kabigate.App.Json;

/// <summary>
/// A package as a machine reports it to <c>POST /api/v1/hold</c>: what <c>rpm -q --qf</c>, <c>--provides</c>,
/// <c>--requires</c> and <c>-l</c> print for it.
/// </summary>
/// <param name="Name">The name.</param>
/// <param name="Version">The version.</param>
/// <param name="Release">The release.</param>
/// <param name="Arch">The architecture.</param>
/// <param name="Epoch">The epoch, or null.</param>
/// <param name="Provides">Its provides, one per string as rpm prints them (<c>kernel(printk) = 0x1234abcd</c>).</param>
/// <param name="Requires">Its requires, likewise.</param>
/// <param name="Files">Its files (a kmod's modules name it for <c>loaded</c>), or null.</param>
public sealed record JsonMachinePackage(string Name, string Version, string Release, string Arch, int? Epoch = null,
    IReadOnlyList<string>? Provides = null, IReadOnlyList<string>? Requires = null, IReadOnlyList<string>? Files = null);

/// <summary>The body of <c>POST /api/v1/hold</c>: one machine's installed packages and the kernels it may move to.</summary>
/// <param name="Installed">The installed packages (kmods and kernels; others are ignored).</param>
/// <param name="Kernels">Stored kernel releases (or <c>id:N</c>) to judge as candidates, or null.</param>
/// <param name="Candidates">Kernel packages offered to the machine, with their provides, or null.</param>
/// <param name="Loaded">The machine's loaded modules (<c>/proc/modules</c>): judge only the kmods with one of them; null for all.</param>
public sealed record HoldQueryDocument(IReadOnlyList<JsonMachinePackage> Installed, IReadOnlyList<string>? Kernels = null,
    IReadOnlyList<JsonMachinePackage>? Candidates = null, IReadOnlyList<string>? Loaded = null);

/// <summary>Reads request documents: snake_case keys, unknown keys refused (a misspelt key must not widen a question).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(HoldQueryDocument))]
internal sealed partial class KabigateRequestJsonContext : JsonSerializerContext;

/// <summary>Reads the request documents of the service.</summary>
public static class KabigateRequestJson
{
    /// <summary>The deepest nesting a request document has (object, list, package, list).</summary>
    public const int MaxDepth = 8;

    /// <summary>Reads a <c>POST /api/v1/hold</c> body.</summary>
    /// <exception cref="OperationException">It is not such a document; one line saying where.</exception>
    public static HoldQueryDocument ReadHoldQuery(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
            return JsonSerializer.Deserialize(ref reader, KabigateRequestJsonContext.Default.HoldQueryDocument)
                ?? throw new OperationException("the body is null; it must be an object with 'installed'");
        }
        catch (JsonException e)
        {
            throw new OperationException($"the body is not a hold query: {e.Message}".ReplaceLineEndings(" "));
        }
    }
}

using Kabigate.App.Json;

namespace Kabigate.Cli.Rendering;

/// <summary>Writes a JSON document of the contract (src/Kabigate.App/Json) to stdout.</summary>
internal static class Json
{
    public static void Write<T>(TextWriter stdout, T document, bool indented = true) =>
        StdoutStream.Write(stdout, stream => KabigateJson.Write(stream, document, indented));
}

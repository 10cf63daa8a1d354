namespace Kabigate.Formats;

/// <summary>
/// Message text of the format readers, in one place so it can be grepped and kept consistent. Values are single-quoted,
/// the kernel's and depmod's words are kept (<c>Invalid symbol version</c>), and no message names its path: the
/// <see cref="ModuleFormatException"/> adds that.
/// </summary>
internal static partial class Messages
{
    // Compression.
    internal const string Bzip2Unsupported = "bzip2 compression is not supported";
    internal const string LzmaAloneUnsupported = "lzma (.lzma) compression is not supported";

    internal static string DecompressionBomb(long maxOutputBytes) =>
        $"decompressed data exceeds {maxOutputBytes} bytes (decompression bomb?)";

    internal static string NativeLibraryMissing(string format, string library, string package) =>
        $"{format} decompression needs {library}, which could not be loaded; install the '{package}' package";

    internal static string NativeExportMissing(string library, string function) =>
        $"{library} has no function '{function}' (library too old?)";

    internal static string Truncated(string format) => $"{format}: unexpected end of compressed data (truncated?)";

    internal static string CompressorError(string format, string detail) => $"{format}: {detail}";

    internal static string TrailingGarbage(string format) => $"{format}: trailing garbage after compressed data";

    internal static string NoProgress(string format) => $"{format}: decoder made no progress";

    // Module.symvers.
    internal static string InvalidSymbolVersion(string crc) => $"Invalid symbol version '{crc}'";

    internal static string UnknownExportType(string kind) => $"unknown export type '{kind}'";

    internal static string SymversFieldCount(int count) => $"expected 3 to 5 fields, found {count}";

    internal const string EmptySymbolName = "empty symbol name";
    internal const string EmptyModuleName = "empty module name";

    // Stablelists.
    internal static string InvalidSymbolName(string name) => $"invalid symbol name '{name}'";

    internal static string InvalidSectionHeader(string header) => $"invalid section header '{header}'";
}

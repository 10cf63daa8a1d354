namespace Kabigate.Formats;

internal static partial class Messages
{
    // Input files and limits (InputFiles, InputLimits).
    internal static string NotRegularFile(string kind) => $"not a regular file ({kind}); refused before opening it";

    internal static string InputExceeds(long limit) => $"more than the limit of {limit} bytes";

    internal static string LineTooLong(int limit) => $"line longer than the limit of {limit} bytes";

    internal static string XmlTokenTooLong(int limit) =>
        $"an XML text or tag longer than the limit of {limit} bytes";

    internal static string TooManyPackageDependencies(string? package, int limit) =>
        $"package '{package}': more than the limit of {limit} provides, requires and conflicts";

    internal static string TooManyPackages(int limit) => $"more than the limit of {limit} packages";

    internal static string TooManyDocumentDependencies(long limit) => $"more than the limit of {limit} dependency entries in the document";

    internal static string PolicyTooDeep(int limit) => $"arrays or inline tables nested deeper than the limit of {limit}";

    internal static string TooManyPolicyEntries(string what, int limit) => $"more than the limit of {limit} {what}";
}

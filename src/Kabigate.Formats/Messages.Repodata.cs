namespace Kabigate.Formats;

/// <summary>Message text of the repodata readers and the repository client.</summary>
internal static partial class Messages
{
    // repomd.xml and primary.xml.
    internal static string MalformedXml(string detail) => $"malformed XML: {detail}";

    internal const string UnexpectedEndOfXml = "unexpected end of XML (truncated?)";

    internal static string WrongRoot(string file, string expected, string expectedNamespace, string found, string foundNamespace) =>
        $"not a {file}: the root element is '{found}' in namespace '{foundNamespace}', not '{expected}' in '{expectedNamespace}'";

    internal const string RepomdDataWithoutType = "<data> has no 'type' attribute";

    internal static string RepomdDataWithoutLocation(string type) => $"<data type='{type}'> has no <location href>";

    internal static string ChecksumWithoutType(string dataType) => $"a checksum of <data type='{dataType}'> has no 'type' attribute";

    internal static string InvalidNumber(string what, string text) => $"invalid {what} '{text}'";

    internal static string PackageMissing(string? package, string part) =>
        package is null ? $"<package> has no <{part}>" : $"package '{package}' has no <{part}>";

    internal static string PackageVersionAttributeMissing(string package, string attribute) =>
        $"package '{package}' has no '{attribute}' in <version>";

    internal static string DependencyWithoutName(string? package, string list) =>
        $"package '{package}': an <rpm:entry> of <rpm:{list}> has no 'name'";

    internal static string UnknownDependencyFlags(string? package, string flags) =>
        $"package '{package}': unknown dependency flags '{flags}'";

    internal static string InvalidPre(string? package, string pre) => $"package '{package}': invalid 'pre' value '{pre}'";

    internal static string TooManyDependencies(string? package, string list, int limit) =>
        $"package '{package}': <rpm:{list}> has more than {limit} entries";
}

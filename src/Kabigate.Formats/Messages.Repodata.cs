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

    // Checksums.
    internal static string UnsupportedChecksumType(string what, string type) => $"unsupported checksum type '{type}' for {what}";

    internal static string InvalidChecksumValue(string what, string type, string value) => $"invalid {type} checksum '{value}' for {what}";

    internal static string ChecksumMismatch(string what, string type, string expected, string actual) =>
        $"checksum mismatch for {what}: expected {type} {expected}, got {actual}";

    // HTTP.
    internal static string HttpUnreachable(string detail) => $"cannot download: {detail}";

    internal static string HttpStatus(int code, string? reason) =>
        string.IsNullOrEmpty(reason) ? $"cannot download: HTTP {code}" : $"cannot download: HTTP {code} {reason}";

    internal static string HttpTimeout(string seconds) => $"cannot download: no response within {seconds} s (timed out)";

    internal static string HttpStalled(string seconds, long received) =>
        $"download stalled: no data for {seconds} s after {received} bytes (timed out)";

    internal static string HttpBodyFailed(string detail, long received) => $"download failed after {received} bytes: {detail}";

    internal static string DownloadTooLarge(long limit) => $"download exceeds the limit of {limit} bytes";

    internal static string HttpDeadline(string seconds, long received) =>
        $"download took longer than the limit of {seconds} s in all, after {received} bytes (timed out)";

    internal static string RedirectRefused(string location, string why) => $"redirect to '{location}' refused: {why}";

    internal static string TooManyRedirects(int limit) => $"cannot download: more than {limit} redirects";

    internal const string RedirectNotHttp = "not an http(s) URL";

    internal const string RedirectDowngrade = "it leaves https for http";

    internal const string RedirectOtherHost = "another host or port (set RedirectsToOtherHosts to allow it)";

    internal const string RedirectWithoutLocation = "no valid Location header";

    // Repositories.
    internal const string InvalidRepositoryUrl = "not a valid http(s) repository URL";

    internal const string NoSuchRepositoryDirectory = "no such directory (a repository is a directory or an http(s):// URL)";

    internal const string NoRepomd = "no repodata/repomd.xml: not an RPM repository";

    internal const string NoPrimary = "repomd.xml names no primary metadata (<data type='primary'>)";

    internal static string NoChecksum(string href) => $"repomd.xml gives no checksum for {href}";

    internal static string MissingMetadataFile(string href) => $"{href}, named by repomd.xml, does not exist";

    internal static string MissingPackageFile(string href) => $"package file {href}, named by primary.xml, does not exist";

    internal static string InvalidLocation(string href) => $"invalid location '{href}'";

    internal static string FileTooLarge(long length, long limit) => $"file is {length} bytes, more than the limit of {limit}";

    internal static string PackageWithoutChecksum(string nevra) => $"primary.xml gives no checksum for package '{nevra}'";
}

using System.Net.Http;
using System.Xml;

namespace Kabigate.Formats;

/// <summary>
/// Which exceptions are an input's fault, and their one line: the last net under every verb, so that a reader fault
/// that escaped its reader still ends as one <c>ERROR</c> line and exit 2, never a stack trace.
/// </summary>
public static class InputFailures
{
    /// <summary>One line for an exception an input caused, or null for a bug (which should crash loudly).</summary>
    /// <param name="e">The exception.</param>
    public static string? Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string? line = e switch
        {
            IOException or UnauthorizedAccessException => e.Message,
            UriFormatException => $"invalid URL: {e.Message}",
            HttpRequestException => $"cannot download: {e.Message}",
            XmlException => $"malformed XML: {e.Message}",
            Tomlyn.TomlException => $"malformed TOML: {e.Message}",
            OutOfMemoryException => "out of memory while reading an input (a limit is missing: please report this input)",
            _ => null,
        };
        return line?.ReplaceLineEndings(" ");
    }

    /// <summary>An input failure's message without its leading <c>SOURCE: </c> when it names <paramref name="source"/>.</summary>
    public static string WithoutSource(Exception e, string source)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(source);
        var message = e.Message.ReplaceLineEndings(" ");
        return message.StartsWith(source + ": ", StringComparison.Ordinal) ? message[(source.Length + 2)..] : message;
    }
}

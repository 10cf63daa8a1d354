using System.Globalization;
using System.Xml;

namespace Kabigate.Formats.Repodata;

/// <summary>What repomd.xml and primary.xml share: namespaces, safe reader settings, numbers and error positions.</summary>
internal static class RepodataXml
{
    /// <summary>The namespace of repomd.xml.</summary>
    public const string RepoNamespace = "http://linux.duke.edu/metadata/repo";

    /// <summary>The default namespace of primary.xml.</summary>
    public const string CommonNamespace = "http://linux.duke.edu/metadata/common";

    /// <summary>The namespace of the <c>rpm:</c> elements in primary.xml.</summary>
    public const string RpmNamespace = "http://linux.duke.edu/metadata/rpm";

    /// <summary>The namespace of <c>xml:base</c>.</summary>
    public const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";

    /// <summary>
    /// Settings for untrusted metadata: no DTD (so no entity expansion), no external resources, and at most
    /// <paramref name="maxCharacters"/> characters in the document.
    /// </summary>
    public static XmlReaderSettings Settings(long maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        MaxCharactersInDocument = maxCharacters,
        CloseInput = false,
    };

    /// <summary>
    /// Creates a reader with <see cref="Settings"/>. <see cref="XmlReader.Create(Stream, XmlReaderSettings)"/> already
    /// decodes the first bytes (a byte order mark, the declared encoding), so a document that starts badly fails here.
    /// </summary>
    /// <exception cref="ModuleFormatException">The first bytes are not text in the encoding they announce.</exception>
    public static XmlReader CreateReader(Stream input, string sourceName, long maxCharacters)
    {
        try
        {
            return XmlReader.Create(input, Settings(maxCharacters));
        }
        catch (XmlException e)
        {
            throw Malformed(e, sourceName, reader: null);
        }
    }

    /// <summary>The reader's current 1-based line, or null when it keeps none.</summary>
    public static int? Line(XmlReader reader) =>
        reader is IXmlLineInfo info && info.HasLineInfo() && info.LineNumber > 0 ? info.LineNumber : null;

    /// <summary>A format error at the reader's current line.</summary>
    public static ModuleFormatException Error(XmlReader reader, string sourceName, string message) =>
        new(sourceName, message, line: Line(reader));

    /// <summary>
    /// Turns an <see cref="XmlException"/> into a format error at its line, without .NET's position suffix; where the
    /// exception has no line, the reader's (a refused DTD has neither).
    /// </summary>
    public static ModuleFormatException Malformed(XmlException e, string sourceName, XmlReader? reader)
    {
        string detail = e.Message;
        string suffix = string.Create(CultureInfo.InvariantCulture, $" Line {e.LineNumber}, position {e.LinePosition}.");
        if (detail.EndsWith(suffix, StringComparison.Ordinal))
            detail = detail[..^suffix.Length];
        return new ModuleFormatException(sourceName, Messages.MalformedXml(detail), line: e.LineNumber > 0 ? e.LineNumber : reader is null ? null : Line(reader), inner: e);
    }

    /// <summary>Parses a non-negative decimal integer attribute or element text.</summary>
    public static long? ParseCount(XmlReader reader, string sourceName, string what, string? text)
    {
        if (text is null)
            return null;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            return value;
        throw Error(reader, sourceName, Messages.InvalidNumber(what, text));
    }

    /// <summary>Parses an epoch: a non-negative decimal integer that fits an <see cref="int"/>.</summary>
    public static int? ParseEpoch(XmlReader reader, string sourceName, string? text)
    {
        if (text is null)
            return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            return value;
        throw Error(reader, sourceName, Messages.InvalidNumber("epoch", text));
    }

    /// <summary>
    /// Parses a timestamp: whole seconds, or seconds with a fraction (old createrepo wrote <c>1234567890.12</c>),
    /// truncated.
    /// </summary>
    public static long? ParseTimestamp(XmlReader reader, string sourceName, string? text)
    {
        if (text is null)
            return null;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long whole))
            return whole;
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds < long.MaxValue)
            return (long)seconds;
        throw Error(reader, sourceName, Messages.InvalidNumber("timestamp", text));
    }
}

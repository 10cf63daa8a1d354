using System.Xml;

namespace Kabigate.Formats.Repodata;

/// <summary>
/// Reads repodata/repomd.xml (namespace <c>http://linux.duke.edu/metadata/repo</c>): the revision, and for each
/// <c>&lt;data type="…"&gt;</c> where the metadata file is, its checksums, sizes and timestamp.
/// </summary>
/// <remarks>
/// Elements this reader does not know (<c>&lt;tags&gt;</c>, <c>&lt;database_version&gt;</c>, zchunk's
/// <c>&lt;header-checksum&gt;</c>, …) are skipped. A DTD is refused, so no entity can expand.
/// </remarks>
public static class RepomdReader
{
    /// <summary>The largest repomd.xml accepted: 16 MiB (createrepo_c's are a few KiB).</summary>
    public const long DefaultMaxBytes = 16L << 20;

    /// <summary>Reads a repomd.xml file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The largest file accepted.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ModuleFormatException">The file is not well-formed XML, not a repomd.xml, or too large.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Repomd Read(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        InputFiles.RequireRegularFile(path);
        using var stream = File.OpenRead(path);
        return Read(stream, path, maxBytes);
    }

    /// <summary>Reads repomd.xml from a stream.</summary>
    /// <param name="data">The document, read forward only; left open.</param>
    /// <param name="sourceName">The name errors report (a path or URL).</param>
    /// <param name="maxBytes">The most bytes read before the document is refused as too large.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ModuleFormatException">The document is not well-formed XML, not a repomd.xml, or too large.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    public static Repomd Read(Stream data, string sourceName, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var capped = Compression.OpenDecompressing(new PeekableStream(data), CompressionKind.None, sourceName, maxBytes);
        using var bounded = new XmlTokenLimitStream(capped, sourceName, InputLimits.MaxXmlTokenBytes);
        using var reader = RepodataXml.CreateReader(bounded, sourceName, maxBytes);
        try
        {
            return ReadDocument(reader, sourceName);
        }
        catch (XmlException e)
        {
            throw RepodataXml.Malformed(e, sourceName, reader);
        }
    }

    private static Repomd ReadDocument(XmlReader reader, string sourceName)
    {
        reader.MoveToContent();
        if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "repomd" || reader.NamespaceURI != RepodataXml.RepoNamespace)
            throw RepodataXml.Error(reader, sourceName, Messages.WrongRoot("repomd.xml", "repomd", RepodataXml.RepoNamespace, reader.LocalName, reader.NamespaceURI));

        string? revision = null;
        var data = new List<RepomdData>();
        bool empty = reader.IsEmptyElement;
        reader.Read();
        while (!empty && reader.NodeType != XmlNodeType.EndElement)
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                Advance(reader, sourceName);
                continue;
            }

            if (reader.NamespaceURI == RepodataXml.RepoNamespace && reader.LocalName == "revision")
                revision = ReadText(reader);
            else if (reader.NamespaceURI == RepodataXml.RepoNamespace && reader.LocalName == "data")
                data.Add(ReadData(reader, sourceName));
            else
                reader.Skip();
        }

        // Read past the root's end, so that the reader checks nothing but whitespace follows.
        while (reader.Read())
        {
        }

        return new Repomd(revision, data);
    }

    /// <summary>Reads one <c>&lt;data&gt;</c> element and leaves the reader after it.</summary>
    private static RepomdData ReadData(XmlReader reader, string sourceName)
    {
        int? line = RepodataXml.Line(reader);
        string? type = reader.GetAttribute("type");
        if (string.IsNullOrEmpty(type))
            throw RepodataXml.Error(reader, sourceName, Messages.RepomdDataWithoutType);

        string? href = null;
        RepoChecksum? checksum = null, openChecksum = null;
        long? size = null, openSize = null, timestamp = null;
        if (reader.IsEmptyElement)
        {
            reader.Read();
        }
        else
        {
            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement)
            {
                if (reader.NodeType != XmlNodeType.Element || reader.NamespaceURI != RepodataXml.RepoNamespace)
                {
                    if (reader.NodeType == XmlNodeType.Element)
                        reader.Skip();
                    else
                        Advance(reader, sourceName);
                    continue;
                }

                switch (reader.LocalName)
                {
                    case "location":
                        href = reader.GetAttribute("href");
                        reader.Skip();
                        break;
                    case "checksum":
                        checksum = ReadChecksum(reader, sourceName, type);
                        break;
                    case "open-checksum":
                        openChecksum = ReadChecksum(reader, sourceName, type);
                        break;
                    case "size":
                        size = RepodataXml.ParseCount(reader, sourceName, "size", ReadText(reader));
                        break;
                    case "open-size":
                        openSize = RepodataXml.ParseCount(reader, sourceName, "open-size", ReadText(reader));
                        break;
                    case "timestamp":
                        timestamp = RepodataXml.ParseTimestamp(reader, sourceName, ReadText(reader));
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            reader.Read();
        }

        if (string.IsNullOrEmpty(href))
            throw new ModuleFormatException(sourceName, Messages.RepomdDataWithoutLocation(type), line: line);
        return new RepomdData(type, href, checksum, openChecksum, size, openSize, timestamp);
    }

    private static RepoChecksum ReadChecksum(XmlReader reader, string sourceName, string dataType)
    {
        string? algorithm = reader.GetAttribute("type");
        if (string.IsNullOrEmpty(algorithm))
            throw RepodataXml.Error(reader, sourceName, Messages.ChecksumWithoutType(dataType));
        return new RepoChecksum(algorithm, ReadText(reader) ?? "");
    }

    /// <summary>The trimmed text of a simple element (null when empty), leaving the reader after it.</summary>
    private static string? ReadText(XmlReader reader)
    {
        string text = reader.ReadElementContentAsString().Trim();
        return text.Length == 0 ? null : text;
    }

    private static void Advance(XmlReader reader, string sourceName)
    {
        if (!reader.Read())
            throw RepodataXml.Error(reader, sourceName, Messages.UnexpectedEndOfXml);
    }
}

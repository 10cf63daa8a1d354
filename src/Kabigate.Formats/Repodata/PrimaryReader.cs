using System.Xml;

namespace Kabigate.Formats.Repodata;

/// <summary>
/// Streams the packages of a repository's primary.xml (plain, gzip, xz or zstd, sniffed by magic): identity, package
/// file location and checksum, and the <c>rpm:provides</c>, <c>rpm:requires</c> and <c>rpm:conflicts</c> entries. A
/// kernel's kABI (<c>kernel(sym) = 0xCRC</c>) and a kmod's requirements are read this way without fetching a package.
/// </summary>
/// <remarks>
/// The document is read with an <see cref="XmlReader"/>, one package at a time: memory holds the current package
/// only, whatever the number of packages. Other elements (<c>summary</c>, <c>file</c>, <c>rpm:obsoletes</c>,
/// weak dependencies, …) are skipped. bzip2 is recognised and refused with the same error as everywhere else.
/// </remarks>
public static class PrimaryReader
{
    /// <summary>The largest decompressed primary.xml accepted by default: 8 GiB (Fedora's largest are below 1 GiB).</summary>
    public const long DefaultMaxXmlBytes = 8L << 30;

    /// <summary>
    /// The most dependency entries one package may have, its provides, requires and conflicts together:
    /// <see cref="InputLimits.MaxDependenciesPerPackage"/>, bounding the memory one package can take.
    /// </summary>
    public const int MaxDependenciesPerPackage = InputLimits.MaxDependenciesPerPackage;

    /// <summary>
    /// How many decompressed bytes are produced per decoder call: XmlReader asks for a few KiB at a time, and feeding it
    /// through a buffer this size keeps the native decoders from being called for each of them.
    /// </summary>
    private const int DecodeBufferSize = 256 * 1024;

    /// <summary>Reads the packages of a primary.xml file.</summary>
    /// <param name="path">The file, compressed or not.</param>
    /// <param name="maxXmlBytes">The largest decompressed document accepted.</param>
    /// <returns>The packages in document order, read lazily; the file stays open until the enumeration ends.</returns>
    /// <exception cref="ModuleFormatException">
    /// While enumerating: the document is malformed XML (with its line), not a primary.xml, a package lacks a required
    /// element, the compressed data is corrupt or bzip2, or the document exceeds <paramref name="maxXmlBytes"/>.
    /// </exception>
    /// <exception cref="IOException">While enumerating: the file cannot be read.</exception>
    public static IEnumerable<RepoPackage> Read(string path, long maxXmlBytes = DefaultMaxXmlBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(maxXmlBytes);
        return ReadFile(path, maxXmlBytes);

        static IEnumerable<RepoPackage> ReadFile(string path, long maxXmlBytes)
        {
            InputFiles.RequireRegularFile(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            foreach (var package in Enumerate(stream, path, maxXmlBytes))
                yield return package;
        }
    }

    /// <summary>Reads the packages of primary.xml from a stream.</summary>
    /// <param name="data">The document, compressed or not, read forward only; left open.</param>
    /// <param name="sourceName">The name errors report (a path or URL).</param>
    /// <param name="maxXmlBytes">The largest decompressed document accepted.</param>
    /// <returns>The packages in document order, read lazily as the enumeration advances.</returns>
    /// <exception cref="ModuleFormatException">
    /// While enumerating: the document is malformed XML (with its line), not a primary.xml, a package lacks a required
    /// element, the compressed data is corrupt or bzip2, or the document exceeds <paramref name="maxXmlBytes"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxXmlBytes"/> is negative.</exception>
    public static IEnumerable<RepoPackage> Read(Stream data, string sourceName, long maxXmlBytes = DefaultMaxXmlBytes)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentOutOfRangeException.ThrowIfNegative(maxXmlBytes);
        return Enumerate(data, sourceName, maxXmlBytes);
    }

    private static IEnumerable<RepoPackage> Enumerate(Stream data, string sourceName, long maxXmlBytes)
    {
        var peeked = new PeekableStream(data);
        var kind = Compression.Sniff(peeked.Peek(Compression.SniffLength));
        using var xml = Compression.OpenDecompressing(peeked, kind, sourceName, maxXmlBytes);
        using var bounded = new XmlTokenLimitStream(xml, sourceName, InputLimits.MaxXmlTokenBytes);
        using var buffered = new BufferedStream(bounded, DecodeBufferSize);
        using var reader = RepodataXml.CreateReader(buffered, sourceName, maxXmlBytes);
        var parser = new PrimaryParser(reader, sourceName);
        while (parser.Next() is { } package)
            yield return package;
    }
}

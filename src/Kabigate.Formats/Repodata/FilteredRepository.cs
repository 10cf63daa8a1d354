using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;

namespace Kabigate.Formats.Repodata;

/// <summary>What <see cref="FilteredRepository.Publish"/> wrote.</summary>
/// <param name="Kept">The packages the new metadata lists.</param>
/// <param name="Omitted">The packages it leaves out.</param>
/// <param name="Linked">How many package files this run hard-linked (those already in place from an earlier run are not counted).</param>
public sealed record PublishedRepository(IReadOnlyList<RepoPackage> Kept, IReadOnlyList<RepoPackage> Omitted, int Linked);

/// <summary>
/// Publishes a copy of a local repository's metadata (repomd.xml, primary, filelists, other, with their checksums)
/// that lists only the packages a filter keeps. Package files are hard-linked, never copied. The new repodata
/// replaces the old in one rename, so a client never sees half a repository.
/// </summary>
public static partial class FilteredRepository
{
    private static readonly string[] Types = ["primary", "filelists", "other"];

    /// <exception cref="ModuleFormatException">The source is not a local repository or its metadata is malformed.</exception>
    /// <exception cref="IOException">A file cannot be read, linked or written.</exception>
    public static PublishedRepository Publish(string from, string to, Func<RepoPackage, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        if (from.Contains("://", StringComparison.Ordinal) && !from.StartsWith("file://", StringComparison.Ordinal))
            throw new ModuleFormatException(from, "publishing from a remote repository is not supported: mirror it first (dnf reposync, rsync)");
        using var repository = RpmRepository.Open(from);
        var source = repository.Location;
        var destination = Path.GetFullPath(to);
        if (string.Equals(Path.GetFullPath(source).TrimEnd('/'), destination.TrimEnd('/'), StringComparison.Ordinal))
            throw new ModuleFormatException(to, "the gated repository must be another directory than its source");
        var packages = repository.ReadPackages().ToList();
        var kept = packages.Where(keep).ToList();
        var omitted = packages.Except(kept).ToList();
        var keptIds = kept.Select(p => p.Checksum ?? throw new ModuleFormatException(source, $"{p.Nevra} has no checksum in primary.xml")).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Directory.CreateDirectory(destination);
        int linked = 0;
        foreach (var package in kept)
        {
            if (package.LocationBase is not null)
                throw new ModuleFormatException(source, $"{package.Nevra} lives at {package.LocationBase}; only packages inside the repository can be linked");
            var target = Path.GetFullPath(Path.Combine(destination, package.LocationHref));
            if (!target.StartsWith(destination + "/", StringComparison.Ordinal))
                throw new ModuleFormatException(source, $"{package.Nevra}: location '{package.LocationHref}' leaves the repository");
            RequireNoSymlinks(destination, target);
            if (HardLink(Path.Combine(source, package.LocationHref), target, package))
                linked++;
        }

        var staging = Path.Combine(destination, $".repodata.kabigate-{Environment.ProcessId}");
        RequireNoSymlinks(destination, staging);
        RequireNoSymlinks(destination, Path.Combine(destination, "repodata"));
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            var records = new List<(string Type, string Href, string Checksum, string OpenChecksum, long Size, long OpenSize)>();
            foreach (var type in Types)
            {
                var data = repository.Repomd.Find(type);
                if (data is null)
                {
                    if (type == "primary")
                        throw new ModuleFormatException(source, "repomd.xml lists no primary metadata");
                    continue;
                }
                records.Add(WriteFiltered(Path.Combine(source, data.LocationHref), type, keptIds, kept.Count, staging));
            }
            WriteRepomd(Path.Combine(staging, "repomd.xml"), records);
            Swap(staging, Path.Combine(destination, "repodata"));
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
        return new PublishedRepository(kept, omitted, linked);
    }

    private static (string Type, string Href, string Checksum, string OpenChecksum, long Size, long OpenSize) WriteFiltered(string path, string type, HashSet<string> keptIds, int count, string staging)
    {
        using var compressed = File.OpenRead(path);
        var head = new byte[16];
        int read = compressed.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        compressed.Position = 0;
        using var input = Compression.OpenDecompressing(compressed, Compression.Sniff(head.AsSpan(0, read)), path, PrimaryReader.DefaultMaxXmlBytes);
        var temporary = Path.Combine(staging, type + ".xml.gz.tmp");
        using var openHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long openSize;
        using (var file = File.Create(temporary))
        {
            using var gzip = new GZipStream(file, CompressionLevel.Optimal);
            using var hashing = new HashingStream(gzip, openHash);
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true };
            using (var reader = XmlReader.Create(input, settings))
            using (var writer = XmlWriter.Create(hashing, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) }))
            {
                reader.MoveToContent();
                writer.WriteStartDocument();
                writer.WriteStartElement(reader.Prefix, reader.LocalName, reader.NamespaceURI);
                if (reader.MoveToFirstAttribute())
                {
                    do
                    {
                        if (reader.Name == "packages")
                            continue;
                        writer.WriteAttributeString(reader.Prefix, reader.LocalName, reader.NamespaceURI, reader.Value);
                    }
                    while (reader.MoveToNextAttribute());
                    reader.MoveToElement();
                }
                writer.WriteAttributeString("packages", count.ToString(CultureInfo.InvariantCulture));
                if (!reader.IsEmptyElement)
                {
                    reader.Read();
                    while (!reader.EOF && reader.NodeType != XmlNodeType.EndElement)
                    {
                        if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "package")
                        {
                            var package = (XElement)XNode.ReadFrom(reader);
                            if (keptIds.Contains(PackageId(package, type) ?? ""))
                                package.WriteTo(writer);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                writer.WriteEndElement();
                writer.WriteEndDocument();
            }
            openSize = hashing.Length;
        }
        var checksum = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(temporary)));
        var name = $"{checksum}-{type}.xml.gz";
        File.Move(temporary, Path.Combine(staging, name));
        return (type, "repodata/" + name, checksum, Convert.ToHexStringLower(openHash.GetHashAndReset()), new FileInfo(Path.Combine(staging, name)).Length, openSize);
    }

    private static string? PackageId(XElement package, string type) => type == "primary"
        ? package.Elements().FirstOrDefault(e => e.Name.LocalName == "checksum")?.Value.Trim()
        : package.Attribute("pkgid")?.Value;

    private static void WriteRepomd(string path, List<(string Type, string Href, string Checksum, string OpenChecksum, long Size, long OpenSize)> records)
    {
        XNamespace repo = "http://linux.duke.edu/metadata/repo";
        XNamespace rpm = "http://linux.duke.edu/metadata/rpm";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var document = new XDocument(new XElement(repo + "repomd",
            new XAttribute("xmlns", repo.NamespaceName), new XAttribute(XNamespace.Xmlns + "rpm", rpm.NamespaceName),
            new XElement(repo + "revision", now),
            records.Select(r => new XElement(repo + "data", new XAttribute("type", r.Type),
                new XElement(repo + "checksum", new XAttribute("type", "sha256"), r.Checksum),
                new XElement(repo + "open-checksum", new XAttribute("type", "sha256"), r.OpenChecksum),
                new XElement(repo + "location", new XAttribute("href", r.Href)),
                new XElement(repo + "timestamp", now),
                new XElement(repo + "size", r.Size),
                new XElement(repo + "open-size", r.OpenSize)))));
        using var writer = XmlWriter.Create(path, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        document.Save(writer);
    }

    /// <summary>Puts the new repodata in place with renames: a client sees the old metadata or the new, never a mix.</summary>
    private static void Swap(string staging, string repodata)
    {
        var old = repodata + ".old-" + Environment.ProcessId;
        if (Directory.Exists(repodata))
            Directory.Move(repodata, old);
        Directory.Move(staging, repodata);
        if (Directory.Exists(old))
            Directory.Delete(old, recursive: true);
    }

    /// <summary>
    /// Refuses to write <paramref name="path"/> when it, or a folder between <paramref name="destination"/> and it, is a
    /// symlink: a link there would carry the write out of the named tree.
    /// </summary>
    private static void RequireNoSymlinks(string destination, string path)
    {
        for (string? p = path; p is not null && p.Length > destination.Length; p = Path.GetDirectoryName(p))
        {
            FileSystemInfo info = Directory.Exists(p) ? new DirectoryInfo(p) : new FileInfo(p);
            if (info.LinkTarget is not null)
                throw new ModuleFormatException(p, "a symlink on a path publish-gated writes; refusing to write through it (replace it with a directory or a file)");
        }
    }

    /// <summary>
    /// Hard-links a package into place with <c>link(2)</c>, which never replaces an existing file. A file already there
    /// is kept when it is the same package (the same file, or the same checksum: a gated repository published
    /// before) and refused otherwise: publishing never replaces a file it did not create.
    /// </summary>
    /// <returns>True when a link was made, false when the package was already in place.</returns>
    private static bool HardLink(string source, string target, RepoPackage package)
    {
        var sourceInfo = new FileInfo(source);
        if (!sourceInfo.Exists)
            throw new ModuleFormatException(source, "the package file named by primary.xml is missing");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (Link(source, target) == 0)
            return true;
        var errno = Marshal.GetLastPInvokeError();
        if (!File.Exists(target) && !Directory.Exists(target))
            throw new IOException($"{target}: cannot hard-link {source} ({Marshal.GetPInvokeErrorMessage(errno)}); the gated repository must be on the same file system as its source");
        if (!IsSamePackage(target, source, package))
            throw new ModuleFormatException(target, $"exists and is not package '{package.Nevra}'; publish-gated never replaces a file it did not create (remove it, or publish to an empty directory)");
        return false;
    }

    private static bool IsSamePackage(string existing, string source, RepoPackage package)
    {
        if (InputFiles.SameFile(existing, source))
            return true;
        if (!File.Exists(existing) || new FileInfo(existing).LinkTarget is not null || package.ChecksumType is null || package.Checksum is null)
            return false;
        InputFiles.RequireRegularFile(existing);
        var (algorithm, hex) = RepoChecksums.Validate(new RepoChecksum(package.ChecksumType, package.Checksum), existing, package.LocationHref);
        return string.Equals(RepoChecksums.HashFile(existing, algorithm), hex, StringComparison.Ordinal);
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    /// <summary>Counts and hashes what passes through to the inner stream.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        private long Written { get; set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            Written += buffer.Length;
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

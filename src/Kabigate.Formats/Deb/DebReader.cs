using System.Formats.Tar;

namespace Kabigate.Formats.Deb;

/// <summary>
/// Reads Debian binary packages (deb(5)) as a stream, never unpacking to disk: the ar archive
/// (<c>debian-binary</c>, <c>control.tar[.gz|.xz|.zst]</c>, <c>data.tar[.gz|.xz|.zst]</c>), the member's compression
/// (sniffed by magic, and required to agree with the member's name) and the tar inside it.
/// </summary>
/// <remarks>
/// Only regular files are yielded: directories, symlinks and hard links are skipped, as are paths with a <c>..</c>
/// component. Files not wanted are skipped without being buffered. Errors inside a member name it in the source, as
/// <c>package.deb!data.tar.xz</c>. When the enumeration runs to its end, the rest of the data member is read too, so
/// that the compressor's integrity checks cover all of it.
/// </remarks>
public static partial class DebReader
{
    /// <summary>The largest ar member accepted: 8 GiB (ar's 10-digit size field stops below 10 GB anyway).</summary>
    public const long MaxMemberBytes = 8L << 30;

    /// <summary>The largest <c>control.tar.*</c>, compressed or decompressed: 64 MiB.</summary>
    public const long MaxControlBytes = 64L << 20;

    /// <summary>The largest <c>debian-binary</c> member: it holds <c>2.0\n</c>.</summary>
    private const int MaxFormatVersionBytes = 4096;

    /// <summary>The largest GNU long name or PAX header accepted: TarReader allocates what one claims (see <see cref="TarMetadataGuard"/>).</summary>
    internal const long MaxTarMetadataBytes = 1 << 20;

    private const string FormatMember = "debian-binary";
    private const string ControlPrefix = "control.tar";
    private const string DataPrefix = "data.tar";

    /// <summary>Reads the wanted regular files of a package file's data archive.</summary>
    /// <param name="path">The .deb file.</param>
    /// <param name="wanted">Chooses files by their normalised path (see <see cref="DebEntry.Path"/>).</param>
    /// <param name="maxEntryBytes">The largest wanted file accepted.</param>
    /// <returns>The files, in archive order, read lazily; the file stays open until the enumeration ends.</returns>
    /// <exception cref="ModuleFormatException">The package is malformed or truncated, or a wanted file is too large.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IEnumerable<DebEntry> ReadDataEntries(string path, Func<string, bool> wanted, long maxEntryBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntryBytes);
        return ReadFile(path, wanted, maxEntryBytes);

        static IEnumerable<DebEntry> ReadFile(string path, Func<string, bool> wanted, long maxEntryBytes)
        {
            using var stream = OpenFile(path);
            foreach (var entry in EnumerateData(stream, path, wanted, maxEntryBytes))
                yield return entry;
        }
    }

    /// <summary>Reads the wanted regular files of a package's data archive from a stream.</summary>
    /// <param name="deb">The package, read forward from its current position; need not be seekable. Not disposed.</param>
    /// <param name="sourceName">The package's name in errors.</param>
    /// <param name="wanted">Chooses files by their normalised path (see <see cref="DebEntry.Path"/>).</param>
    /// <param name="maxEntryBytes">The largest wanted file accepted.</param>
    /// <returns>The files, in archive order, read lazily as the enumeration advances.</returns>
    /// <exception cref="ModuleFormatException">
    /// The package is malformed or truncated (the message names the member), its data member's compression is not
    /// supported, or a wanted file is larger than <paramref name="maxEntryBytes"/>. Thrown during enumeration.
    /// </exception>
    public static IEnumerable<DebEntry> ReadDataEntries(Stream deb, string sourceName, Func<string, bool> wanted, long maxEntryBytes)
    {
        ArgumentNullException.ThrowIfNull(deb);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntryBytes);
        return EnumerateData(deb, sourceName, wanted, maxEntryBytes);
    }

    private static IEnumerable<DebEntry> EnumerateData(Stream deb, string sourceName, Func<string, bool> wanted, long maxEntryBytes)
    {
        var member = FindMember(new ArReader(deb, sourceName, MaxMemberBytes), sourceName, DataPrefix);
        string memberSource = $"{sourceName}!{member.Name}";
        using var tarStream = OpenTarStream(member, memberSource, long.MaxValue);
        using (var tar = new TarReader(new TarMetadataGuard(tarStream, memberSource, MaxTarMetadataBytes), leaveOpen: true))
        {
            while (NextEntry(tar, memberSource) is { } entry)
            {
                if (!IsRegularFile(entry.EntryType) || NormalizePath(entry.Name) is not { } path || !wanted(path))
                    continue;
                yield return new DebEntry(path, ReadEntryData(entry, path, memberSource, maxEntryBytes));
            }
        }

        tarStream.CopyTo(Stream.Null); // the tail: end-of-archive padding, then the compressor's checks
    }

    /// <summary>
    /// Reads the next tar header. TarReader's own faults (bad checksum, short header, a numeric field too large for
    /// its type or a time out of DateTimeOffset's range, an entry type it does not support such as GNU sparse files,
    /// a metadata size over 2 GB, which <see cref="TarMetadataGuard"/> refuses first) become
    /// <see cref="ModuleFormatException"/>s naming the member.
    /// </summary>
    private static TarEntry? NextEntry(TarReader tar, string memberSource)
    {
        try
        {
            return tar.GetNextEntry(copyData: false);
        }
        catch (Exception ex) when (ex is not ModuleFormatException // the stream's own errors already name the member
            and (InvalidDataException or EndOfStreamException or FormatException or OverflowException or ArgumentOutOfRangeException
                or NotSupportedException or InvalidOperationException))
        {
            string detail = ex is OverflowException or ArgumentOutOfRangeException ? Messages.TarNumberOutOfRange : ex.Message;
            throw new ModuleFormatException(memberSource, Messages.TarCorrupt(detail), inner: ex);
        }
    }

    private static byte[] ReadEntryData(TarEntry entry, string path, string memberSource, long maxEntryBytes)
    {
        long limit = Math.Min(maxEntryBytes, Array.MaxLength); // the data is returned as one array
        if (entry.Length > limit)
            throw new ModuleFormatException(memberSource, Messages.TarEntryTooLarge(path, entry.Length, limit));
        var data = new byte[entry.Length];
        try
        {
            entry.DataStream?.ReadExactly(data);
        }
        catch (EndOfStreamException ex)
        {
            throw new ModuleFormatException(memberSource, Messages.TarEntryTruncated(path), inner: ex);
        }

        return data;
    }

    private static bool IsRegularFile(TarEntryType type) =>
        type is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile;

    /// <summary>
    /// <c>./usr/x</c> and <c>/usr/x</c> become <c>usr/x</c>; a path with a <c>..</c> component, or nothing left, is
    /// refused (null).
    /// </summary>
    internal static string? NormalizePath(string name)
    {
        var path = name.AsSpan();
        while (true)
        {
            if (path.StartsWith("./", StringComparison.Ordinal))
                path = path[2..];
            else if (path.StartsWith('/'))
                path = path[1..];
            else
                break;
        }

        if (path.IsEmpty || path is ".")
            return null;
        foreach (var range in path.Split('/'))
        {
            if (path[range] is "..")
                return null;
        }

        return path.Length == name.Length ? name : path.ToString();
    }

    /// <summary>
    /// Checks <c>debian-binary</c> comes first and says 2.x, then skips members up to the first whose name starts
    /// with <paramref name="prefix"/>.
    /// </summary>
    private static ArMember FindMember(ArReader ar, string sourceName, string prefix)
    {
        var first = ar.Next() ?? throw new ModuleFormatException(sourceName, Messages.ArchiveEmpty);
        if (first.Name != FormatMember)
            throw new ModuleFormatException(sourceName, Messages.DebFirstMember(first.Name), first.DataOffset);
        CheckFormatVersion(first, sourceName);

        while (ar.Next() is { } member)
        {
            if (member.Name.StartsWith(prefix, StringComparison.Ordinal))
                return member;
        }

        throw new ModuleFormatException(sourceName, Messages.DebMissingMember(prefix));
    }

    private static void CheckFormatVersion(ArMember member, string sourceName)
    {
        var text = new byte[(int)Math.Min(member.Size, MaxFormatVersionBytes)];
        member.Data.ReadExactly(text);
        // deb(5): "2.0\n"; dpkg accepts any 2.x.
        var version = text.AsSpan();
        int newline = version.IndexOf((byte)'\n');
        if (newline >= 0)
            version = version[..newline];
        if (!version.StartsWith("2."u8))
            throw new ModuleFormatException(sourceName, Messages.DebFormatVersion(System.Text.Encoding.ASCII.GetString(version)), member.DataOffset);
    }

    /// <summary>Opens the member's tar, decompressing by magic after checking it agrees with the name's suffix.</summary>
    private static Stream OpenTarStream(ArMember member, string memberSource, long maxOutputBytes)
    {
        string suffix = member.Name[(member.Name.IndexOf(".tar", StringComparison.Ordinal) + ".tar".Length)..];
        CompressionKind expected = suffix switch
        {
            "" => CompressionKind.None,
            ".gz" => CompressionKind.Gzip,
            ".xz" => CompressionKind.Xz,
            ".zst" => CompressionKind.Zstd,
            ".bz2" => CompressionKind.Bzip2,
            ".lzma" => throw new ModuleFormatException(memberSource, Messages.LzmaAloneUnsupported),
            _ => throw new ModuleFormatException(memberSource, Messages.DebUnsupportedMember(member.Name)),
        };
        var found = Compression.Sniff(member.Data.Peek(Compression.SniffLength));
        if (found != expected)
            throw new ModuleFormatException(memberSource, Messages.DebMemberMagic(member.Name, expected, found), member.DataOffset);
        return Compression.OpenDecompressing(member.Data, found, memberSource, maxOutputBytes);
    }

    private static FileStream OpenFile(string path)
    {
        InputFiles.RequireRegularFile(path);
        return new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
    }
}

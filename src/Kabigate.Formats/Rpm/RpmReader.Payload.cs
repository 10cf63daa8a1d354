namespace Kabigate.Formats.Rpm;

public static partial class RpmReader
{
    /// <summary>The permission bits of <c>c_mode</c> (rwx for user, group and others; setuid, setgid and sticky left out).</summary>
    private const uint PermissionMask = 0x1ff;

    /// <summary>Reads the wanted regular files of a package file's payload.</summary>
    /// <param name="path">The .rpm file.</param>
    /// <param name="wanted">Chooses files by their normalised path (see <see cref="RpmEntry.Path"/>).</param>
    /// <param name="maxEntryBytes">The largest wanted file accepted.</param>
    /// <param name="summary">Filled with counts as the enumeration runs, when given.</param>
    /// <returns>The files, in archive order, read lazily; the file stays open until the enumeration ends.</returns>
    /// <exception cref="ModuleFormatException">The package is malformed or truncated, or a wanted file is too large.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IEnumerable<RpmEntry> ReadPayloadEntries(string path, Func<string, bool> wanted, long maxEntryBytes, RpmPayloadSummary? summary = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntryBytes);
        return ReadFile(path, wanted, maxEntryBytes, summary);

        static IEnumerable<RpmEntry> ReadFile(string path, Func<string, bool> wanted, long maxEntryBytes, RpmPayloadSummary? summary)
        {
            using var stream = OpenFile(path);
            foreach (var entry in EnumeratePayload(stream, path, wanted, maxEntryBytes, summary))
                yield return entry;
        }
    }

    /// <summary>
    /// Reads the wanted regular files of a package's cpio payload (<c>newc</c> or <c>crc</c>), decompressed as
    /// <c>PAYLOADCOMPRESSOR</c> says (gzip, xz, zstd, or none), without buffering the files not wanted.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Paths are normalised by removing leading <c>./</c>. An entry whose name then starts with <c>/</c>, or has a
    /// <c>..</c> component, is never yielded, whatever <paramref name="wanted"/> says: it is counted in
    /// <paramref name="summary"/> instead. Directories, symbolic links and device nodes are skipped.
    /// </para>
    /// <para>
    /// Hard links: cpio stores a set's data once, with its last link, and the earlier links with size 0. A wanted
    /// earlier link is held back and yielded, with the data, just before the link that carries it; links of a set
    /// whose data never comes are yielded as empty files at the trailer, as cpio extracts them. In the <c>crc</c>
    /// format the checksum of every file read is verified. Errors inside the payload name it as
    /// <c>package.rpm!payload</c>, with offsets into the decompressed archive. When the enumeration runs to its end,
    /// the rest of the payload is read too, so that the decompressor's integrity checks cover all of it.
    /// </para>
    /// </remarks>
    /// <param name="rpm">The package, read forward from its current position; need not be seekable. Not disposed.</param>
    /// <param name="sourceName">The package's name in errors.</param>
    /// <param name="wanted">Chooses files by their normalised path (see <see cref="RpmEntry.Path"/>).</param>
    /// <param name="maxEntryBytes">The largest wanted file accepted.</param>
    /// <param name="summary">Filled with counts as the enumeration runs, when given.</param>
    /// <returns>The files, in archive order, read lazily as the enumeration advances.</returns>
    /// <exception cref="ModuleFormatException">
    /// The package is malformed or truncated (the message names the entry), its payload format or compressor is not
    /// supported (bzip2, lzma, a delta rpm, rpm's large-file cpio), or a wanted file is larger than
    /// <paramref name="maxEntryBytes"/>. Thrown during enumeration.
    /// </exception>
    public static IEnumerable<RpmEntry> ReadPayloadEntries(Stream rpm, string sourceName, Func<string, bool> wanted, long maxEntryBytes, RpmPayloadSummary? summary = null)
    {
        ArgumentNullException.ThrowIfNull(rpm);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntryBytes);
        return EnumeratePayload(rpm, sourceName, wanted, maxEntryBytes, summary);
    }

    private static IEnumerable<RpmEntry> EnumeratePayload(Stream rpm, string sourceName, Func<string, bool> wanted, long maxEntryBytes, RpmPayloadSummary? summary)
    {
        var input = new PeekableStream(rpm);
        var header = ReadHeaders(input, sourceName).Header;
        string payloadSource = $"{sourceName}!payload";
        using var archive = OpenPayload(input, header, sourceName, payloadSource);
        var cpio = new CpioReader(archive, payloadSource);

        // Wanted links of hard-link sets whose data has not come yet, by (device, inode), in archive order.
        var pendingLinks = new Dictionary<(uint Major, uint Minor, uint Ino), List<string>>();
        while (cpio.Next() is { } entry)
        {
            if (summary is not null)
                summary.Entries++;
            var (path, safe) = NormalizePath(entry.Name);
            if (!safe)
                summary?.AddUnsafe(entry.Name);
            if (path is null || !entry.IsRegularFile)
                continue;
            if (summary is not null)
                summary.RegularFiles++;

            bool want = wanted(path);
            List<string>? earlierLinks = null;
            if (entry.Nlink > 1)
            {
                var key = (entry.DevMajor, entry.DevMinor, entry.Ino);
                if (entry.FileSize == 0)
                {
                    if (want)
                        (pendingLinks.TryGetValue(key, out var links) ? links : pendingLinks[key] = []).Add(path);
                    continue;
                }

                pendingLinks.Remove(key, out earlierLinks);
            }

            if (!want && earlierLinks is null)
                continue; // Next() skips the data without buffering it
            byte[] data = cpio.ReadData(maxEntryBytes);
            foreach (string link in earlierLinks ?? [])
                yield return Yield(new RpmEntry(link, data.AsSpan().ToArray()) { Permissions = entry.Mode & PermissionMask }, summary);
            if (want)
                yield return Yield(new RpmEntry(path, data) { Permissions = entry.Mode & PermissionMask }, summary);
        }

        foreach (string link in pendingLinks.Values.SelectMany(links => links))
            yield return Yield(new RpmEntry(link, []), summary);
        DrainPayload(archive, payloadSource);
    }

    /// <summary>Reads the tail (the trailer's padding), so that the compressor's end checks run.</summary>
    private static void DrainPayload(Stream archive, string payloadSource)
    {
        try
        {
            archive.CopyTo(Stream.Null);
        }
        catch (ModuleFormatException ex)
        {
            throw new ModuleFormatException(payloadSource, Messages.CpioAfterTrailer(ex.Reason), inner: ex);
        }
    }

    private static RpmEntry Yield(RpmEntry entry, RpmPayloadSummary? summary)
    {
        if (summary is not null)
            summary.Yielded++;
        return entry;
    }

    /// <summary>
    /// Checks the payload format, then opens the payload through its compressor, whose magic must agree with
    /// <c>PAYLOADCOMPRESSOR</c>. With no such tag, rpm reads the payload as gzip through zlib, which passes
    /// uncompressed data through unchanged, so both are accepted.
    /// </summary>
    private static Stream OpenPayload(PeekableStream input, RpmHeader header, string sourceName, string payloadSource)
    {
        string format = header.GetString(RpmTag.PayloadFormat) ?? "cpio";
        if (format != "cpio")
            throw new ModuleFormatException(sourceName, Messages.RpmPayloadFormat(format), header.DataOffset(RpmTag.PayloadFormat));

        string? compressor = header.GetString(RpmTag.PayloadCompressor);
        CompressionKind expected = compressor switch
        {
            null or "gzip" => CompressionKind.Gzip,
            "xz" => CompressionKind.Xz,
            "zstd" => CompressionKind.Zstd,
            "bzip2" => CompressionKind.Bzip2,
            "lzma" => throw new ModuleFormatException(payloadSource, Messages.LzmaAloneUnsupported),
            _ => throw new ModuleFormatException(sourceName, Messages.RpmPayloadCompressor(compressor), header.DataOffset(RpmTag.PayloadCompressor)),
        };

        long payloadOffset = input.Position;
        var head = input.Peek(Compression.SniffLength);
        var found = Compression.Sniff(head);
        if (compressor is null && found == CompressionKind.None)
            expected = CompressionKind.None;
        if (found != expected && head.Length < Compression.SniffLength)
            throw new ModuleFormatException(payloadSource, Messages.RpmPayloadTooShort(head.Length), 0);
        if (found != expected)
            throw new ModuleFormatException(sourceName, Messages.RpmPayloadMagic(compressor, expected, found), payloadOffset);
        return Compression.OpenDecompressing(input, found, payloadSource, long.MaxValue);
    }

    /// <summary>
    /// Removes leading <c>./</c> (rpm writes every name so). Returns the path, or null for nothing left (the
    /// archive's <c>.</c>) and for unsafe names, which are also flagged: absolute after the prefix, or with a
    /// <c>..</c> component.
    /// </summary>
    internal static (string? Path, bool Safe) NormalizePath(string name)
    {
        var path = name.AsSpan();
        while (path.StartsWith("./", StringComparison.Ordinal))
            path = path[2..];
        if (path.IsEmpty || path is ".")
            return (null, true);
        if (path[0] == '/')
            return (null, false);
        foreach (var range in path.Split('/'))
        {
            if (path[range] is "..")
                return (null, false);
        }

        return (path.Length == name.Length ? name : path.ToString(), true);
    }
}

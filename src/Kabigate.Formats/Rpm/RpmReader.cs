using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace Kabigate.Formats.Rpm;

/// <summary>The lead: the first 96 bytes, mostly obsolete.</summary>
/// <param name="Major">The format's major version, 3 or 4.</param>
/// <param name="Minor">The format's minor version.</param>
/// <param name="IsSource">Whether the lead says this is a source package (type 1).</param>
/// <param name="Name">The lead's <c>name</c> field (informational; the header's NAME is authoritative).</param>
public sealed record RpmLead(int Major, int Minor, bool IsSource, string Name);

/// <summary>The structures before a package's payload.</summary>
/// <param name="Lead">The lead.</param>
/// <param name="Signature">The signature header (its tags are <see cref="RpmSignatureTag"/>).</param>
/// <param name="Header">The main header (its tags are <see cref="RpmTag"/>).</param>
public sealed record RpmHeaders(RpmLead Lead, RpmHeader Signature, RpmHeader Header);

/// <summary>
/// Reads RPM packages (format v3/v4, as rpm 4.x writes them) from a forward-only stream, never unpacking to disk:
/// the lead, the signature header, the main header and, on request, the cpio payload (see
/// <see cref="ReadPayloadEntries(Stream, string, Func{string, bool}, long, RpmPayloadSummary?)"/>).
/// </summary>
/// <remarks>
/// Headers are checked as rpm's <c>hdrblobRead</c> checks them: the lead's magic, version and signature type; each
/// header's magic, its entry and store sizes against rpm's limits, its region tag and trailer, and every index entry's
/// tag, type, alignment, offset and count against the store, with entries in ascending, non-overlapping order. A
/// length read from the file is never trusted for an allocation: buffers grow as the bytes arrive.
/// </remarks>
public static partial class RpmReader
{
    /// <summary>Whether the bytes start like an RPM package (the lead magic <c>ed ab ee db</c>).</summary>
    /// <param name="head">The first bytes of a file; four suffice.</param>
    /// <returns>True when the lead magic is there.</returns>
    public static bool IsRpm(ReadOnlySpan<byte> head) => head.StartsWith(RpmLayout.LeadMagic);

    /// <summary>Reads a package file's identity, dependencies and file list.</summary>
    /// <param name="path">The .rpm file.</param>
    /// <returns>The package.</returns>
    /// <exception cref="ModuleFormatException">The package is malformed or truncated.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static RpmPackage Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = OpenFile(path);
        return Read(stream, path);
    }

    /// <summary>Reads a package's identity, dependencies and file list from its main header.</summary>
    /// <param name="rpm">The package, read forward from its current position up to the payload; not disposed.</param>
    /// <param name="sourceName">The package's name in errors.</param>
    /// <returns>The package.</returns>
    /// <exception cref="ModuleFormatException">
    /// The lead or a header is malformed or truncated, or the main header lacks NAME, VERSION, RELEASE or ARCH.
    /// </exception>
    public static RpmPackage Read(Stream rpm, string sourceName) => RpmPackage.FromHeader(ReadHeaders(rpm, sourceName).Header);

    /// <summary>Reads a package file's lead, signature header and main header.</summary>
    /// <param name="path">The .rpm file.</param>
    /// <returns>The three structures.</returns>
    /// <exception cref="ModuleFormatException">The package is malformed or truncated.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static RpmHeaders ReadHeaders(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = OpenFile(path);
        return ReadHeaders(stream, path);
    }

    /// <summary>Reads a package's lead, signature header and main header, leaving the stream at the payload.</summary>
    /// <param name="rpm">The package, read forward from its current position; need not be seekable. Not disposed.</param>
    /// <param name="sourceName">The package's name in errors.</param>
    /// <returns>The three structures.</returns>
    /// <exception cref="ModuleFormatException">The lead or a header is malformed or truncated.</exception>
    public static RpmHeaders ReadHeaders(Stream rpm, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(rpm);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ReadHeaders(new PeekableStream(rpm), sourceName);
    }

    private static RpmHeaders ReadHeaders(PeekableStream input, string sourceName)
    {
        var lead = ReadLead(input, sourceName);
        var signature = ReadHeader(input, sourceName, signature: true);
        var header = ReadHeader(input, sourceName, signature: false);
        return new RpmHeaders(lead, signature, header);
    }

    private static RpmLead ReadLead(PeekableStream input, string sourceName)
    {
        Span<byte> lead = stackalloc byte[RpmLayout.LeadLength];
        int read = input.ReadAtLeast(lead, lead.Length, throwOnEndOfStream: false);
        if (read < RpmLayout.LeadMagic.Length || !IsRpm(lead))
            throw new ModuleFormatException(sourceName, Messages.RpmNoLeadMagic, offset: 0);
        if (read < lead.Length)
            throw new ModuleFormatException(sourceName, Messages.RpmTruncatedLead, offset: read);

        int major = lead[RpmLayout.LeadMajorOffset], minor = lead[RpmLayout.LeadMinorOffset];
        if (major is < RpmLayout.MinMajor or > RpmLayout.MaxMajor)
            throw new ModuleFormatException(sourceName, Messages.RpmLeadVersion(major, minor), RpmLayout.LeadMajorOffset);
        int signatureType = BinaryPrimitives.ReadUInt16BigEndian(lead[RpmLayout.LeadSignatureTypeOffset..]);
        if (signatureType != RpmLayout.HeaderSignatureType)
            throw new ModuleFormatException(sourceName, Messages.RpmSignatureType(signatureType), RpmLayout.LeadSignatureTypeOffset);

        var name = lead.Slice(RpmLayout.LeadNameOffset, RpmLayout.LeadNameLength);
        int nul = name.IndexOf((byte)0);
        return new RpmLead(
            major,
            minor,
            BinaryPrimitives.ReadUInt16BigEndian(lead[RpmLayout.LeadTypeOffset..]) == 1,
            Encoding.UTF8.GetString(nul < 0 ? name : name[..nul]));
    }

    /// <summary>Reads one header structure: intro, index, store and, for the signature, the padding after it.</summary>
    private static RpmHeader ReadHeader(PeekableStream input, string sourceName, bool signature)
    {
        string what = signature ? Messages.RpmSignatureHeader : Messages.RpmMainHeader;
        long start = input.Position;
        Span<byte> intro = stackalloc byte[RpmLayout.HeaderIntroLength];
        int read = input.ReadAtLeast(intro, intro.Length, throwOnEndOfStream: false);
        if (read < intro.Length)
            throw new ModuleFormatException(sourceName, Messages.RpmTruncatedHeader(what), start + read);
        if (!intro[..RpmLayout.HeaderMagic.Length].SequenceEqual(RpmLayout.HeaderMagic))
            throw new ModuleFormatException(sourceName, Messages.RpmBadHeaderMagic(what), start);

        int il = BinaryPrimitives.ReadInt32BigEndian(intro[RpmLayout.HeaderIndexCountOffset..]);
        int dl = BinaryPrimitives.ReadInt32BigEndian(intro[RpmLayout.HeaderStoreSizeOffset..]);
        int maxTags = signature ? RpmLayout.MaxSignatureTags : RpmLayout.MaxHeaderTags;
        int maxData = signature ? RpmLayout.MaxSignatureData : RpmLayout.MaxHeaderData;
        if (il < 1 || il > maxTags)
            throw new ModuleFormatException(sourceName, Messages.RpmHeaderTagCount(what, il, maxTags), start + RpmLayout.HeaderIndexCountOffset);
        if (dl < 0 || dl > maxData)
            throw new ModuleFormatException(sourceName, Messages.RpmHeaderDataSize(what, dl, maxData), start + RpmLayout.HeaderStoreSizeOffset);

        // rpm's blob size check: il and dl words, the index and the store stay below headerMaxbytes.
        long blobLength = ((long)il * RpmLayout.IndexEntryLength) + dl;
        if ((2 * sizeof(int)) + blobLength >= RpmLayout.MaxHeaderBytes)
            throw new ModuleFormatException(sourceName, Messages.RpmHeaderTooLarge(what, blobLength, RpmLayout.MaxHeaderBytes), start);
        long blobStart = start + intro.Length;
        if (input.Remaining is long remaining && blobLength > remaining)
            throw new ModuleFormatException(sourceName, Messages.RpmHeaderBeyondEnd(what, blobLength, remaining), blobStart);
        if (!BoundedRead.TryReadExactly(input, (int)blobLength, out byte[] blob))
            throw new ModuleFormatException(sourceName, Messages.RpmTruncatedHeader(what), blobStart + blob.Length);

        if (signature)
        {
            int pad = (RpmLayout.SignatureAlignment - (dl % RpmLayout.SignatureAlignment)) % RpmLayout.SignatureAlignment;
            Span<byte> padding = stackalloc byte[RpmLayout.SignatureAlignment];
            if (input.ReadAtLeast(padding[..pad], pad, throwOnEndOfStream: false) < pad)
                throw new ModuleFormatException(sourceName, Messages.RpmTruncatedPadding, blobStart + blobLength);
        }

        int indexLength = il * RpmLayout.IndexEntryLength;
        var entries = ParseIndex(blob.AsSpan(0, indexLength), blob.AsSpan(indexLength), new HeaderContext(sourceName, what, start, signature, ExactRegion: !signature));
        return new RpmHeader(sourceName, blobStart + indexLength, blob.AsMemory(indexLength), entries);
    }

    /// <summary>
    /// Reads a header as rpm keeps it in its database (the <c>blob</c> column of rpmdb.sqlite's <c>Packages</c> table,
    /// what <c>headerExport</c> writes): the index count and store size as big-endian 32-bit numbers, the index, then
    /// the store; no magic, and no lead or signature before it. The same checks as a package's main header apply,
    /// except that the immutable region need not cover the whole header: rpm appends installation tags
    /// (INSTALLTIME, INSTALLTID, …) after it.
    /// </summary>
    /// <param name="blob">The stored header, whole.</param>
    /// <param name="sourceName">The header's name in errors (e.g. <c>rpmdb.sqlite#12</c>).</param>
    /// <returns>The header; it keeps a copy of the bytes.</returns>
    /// <exception cref="ModuleFormatException">
    /// The blob is shorter than its counts say or longer, a count is outside rpm's limits, or an index entry or the
    /// region is malformed.
    /// </exception>
    public static RpmHeader ReadHeaderBlob(ReadOnlySpan<byte> blob, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        const int counts = 2 * sizeof(int);
        if (blob.Length < counts)
            throw new ModuleFormatException(sourceName, Messages.RpmTruncatedHeader(Messages.RpmMainHeader), blob.Length);
        int il = BinaryPrimitives.ReadInt32BigEndian(blob);
        int dl = BinaryPrimitives.ReadInt32BigEndian(blob[sizeof(int)..]);
        if (il < 1 || il > RpmLayout.MaxHeaderTags)
            throw new ModuleFormatException(sourceName, Messages.RpmHeaderTagCount(Messages.RpmMainHeader, il, RpmLayout.MaxHeaderTags), 0);
        if (dl < 0 || dl > RpmLayout.MaxHeaderData)
            throw new ModuleFormatException(sourceName, Messages.RpmHeaderDataSize(Messages.RpmMainHeader, dl, RpmLayout.MaxHeaderData), sizeof(int));
        long expected = counts + ((long)il * RpmLayout.IndexEntryLength) + dl;
        if (expected != blob.Length)
            throw new ModuleFormatException(sourceName, Messages.RpmHeaderBlobLength(expected, blob.Length), 0);
        int indexLength = il * RpmLayout.IndexEntryLength;
        byte[] copy = blob[counts..].ToArray();
        // Offsets in messages count from the blob's start; HeaderContext adds the intro, which a blob lacks.
        var context = new HeaderContext(sourceName, Messages.RpmMainHeader, counts - RpmLayout.HeaderIntroLength, Signature: false, ExactRegion: false);
        var entries = ParseIndex(copy.AsSpan(0, indexLength), copy.AsSpan(indexLength), context);
        return new RpmHeader(sourceName, counts + indexLength, copy.AsMemory(indexLength), entries);
    }

    /// <summary>
    /// What the index checks need to name a fault, and whether the region must cover every entry (a package's main
    /// header; not a database copy, nor a signature header).
    /// </summary>
    private readonly record struct HeaderContext(string SourceName, string What, long Start, bool Signature, bool ExactRegion)
    {
        public long EntryOffset(int index) => Start + RpmLayout.HeaderIntroLength + ((long)index * RpmLayout.IndexEntryLength);
    }

    /// <summary>
    /// rpm's <c>hdrblobVerifyRegion</c> then <c>hdrblobVerifyInfo</c>: the region tag, when the first entry is one, and
    /// then every other entry in order.
    /// </summary>
    private static ImmutableArray<RpmHeaderEntry> ParseIndex(ReadOnlySpan<byte> index, ReadOnlySpan<byte> store, HeaderContext context)
    {
        int il = index.Length / RpmLayout.IndexEntryLength;
        var entries = ImmutableArray.CreateBuilder<RpmHeaderEntry>(il);
        int first = 0;
        var region = RawEntry.Read(index, 0);
        int regionTag = context.Signature ? RpmTag.HeaderSignatures : RpmTag.HeaderImmutable;
        if (region.Tag == regionTag)
        {
            VerifyRegion(region, il, store, context);
            entries.Add(new RpmHeaderEntry(region.Tag, RpmTagType.Bin, region.Offset, region.Count, region.Count));
            first = 1;
        }

        long end = 0;
        for (int i = first; i < il; i++)
        {
            var raw = RawEntry.Read(index, i);
            string? fault = null;
            int length = 0;
            if (raw.Offset < 0 || raw.Offset > store.Length)
                fault = Messages.RpmEntryOffsetOutside(store.Length);
            else if (end > raw.Offset)
                fault = Messages.RpmEntryOverlaps;
            else if (raw.Tag < RpmLayout.FirstDataTag)
                fault = Messages.RpmEntryBadTag;
            else if (raw.Type is < (int)RpmTagType.Char or > (int)RpmTagType.I18nString)
                fault = Messages.RpmEntryBadType;
            else if (raw.Offset % Alignment((RpmTagType)raw.Type) != 0)
                fault = Messages.RpmEntryMisaligned;
            else if ((length = DataLength((RpmTagType)raw.Type, store, raw.Offset, raw.Count)) <= 0)
                fault = Messages.RpmEntryDataOutside(store.Length);

            if (fault is not null)
                throw new ModuleFormatException(context.SourceName, Messages.RpmBadIndexEntry(context.What, i, raw.Tag, raw.Type, raw.Offset, raw.Count, fault), context.EntryOffset(i));
            end = (long)raw.Offset + length;
            entries.Add(new RpmHeaderEntry(raw.Tag, (RpmTagType)raw.Type, raw.Offset, raw.Count, length));
        }

        return entries.MoveToImmutable();
    }

    /// <summary>
    /// The region tag (a BIN entry of 16 bytes) points at a trailer, a copy of an index entry whose negated offset
    /// is the region's index size. In the main header the region must cover the whole header; the signature header
    /// may carry entries outside it.
    /// </summary>
    private static void VerifyRegion(RawEntry region, int il, ReadOnlySpan<byte> store, HeaderContext context)
    {
        string? fault = null;
        if (region.Type != (int)RpmTagType.Bin || region.Count != RpmLayout.RegionTagCount)
            fault = Messages.RpmRegionTagBad;
        else if (region.Offset < 0 || (long)region.Offset + RpmLayout.RegionTagCount > store.Length)
            fault = Messages.RpmRegionOffsetBad(store.Length);
        else
        {
            var trailer = RawEntry.Read(store[region.Offset..], 0);
            long regionIndexBytes = -(long)trailer.Offset;
            long ril = regionIndexBytes / RpmLayout.IndexEntryLength;
            long rdl = (long)region.Offset + RpmLayout.RegionTagCount;
            if (trailer.Tag != region.Tag || trailer.Type != (int)RpmTagType.Bin || trailer.Count != RpmLayout.RegionTagCount)
                fault = Messages.RpmRegionTrailerBad;
            else if (regionIndexBytes % RpmLayout.IndexEntryLength != 0 || ril < 0 || ril > il || rdl > store.Length)
                fault = Messages.RpmRegionSizeBad(ril, il, rdl, store.Length);
            else if (context.ExactRegion && (ril != il || rdl != store.Length))
                fault = Messages.RpmRegionSizeMismatch(ril, il, rdl, store.Length);
        }

        if (fault is not null)
            throw new ModuleFormatException(context.SourceName, Messages.RpmBadRegion(context.What, region.Tag, fault), context.EntryOffset(0));
    }

    /// <summary>rpm's <c>typeAlign</c>.</summary>
    private static int Alignment(RpmTagType type) => type switch
    {
        RpmTagType.Int16 => sizeof(short),
        RpmTagType.Int32 => sizeof(int),
        RpmTagType.Int64 => sizeof(long),
        _ => 1,
    };

    /// <summary>
    /// rpm's <c>dataLength</c> on disk: the bytes an entry's data takes in the store, or -1 when it does not fit.
    /// A STRING has count 1; string arrays need <c>count</c> terminators inside the store; other types take
    /// <c>count</c> times their size. (NULL, which has no size, was refused as a type before.)
    /// </summary>
    private static int DataLength(RpmTagType type, ReadOnlySpan<byte> store, int offset, int count)
    {
        if (count <= 0)
            return -1;
        switch (type)
        {
            case RpmTagType.String when count != 1:
                return -1;
            case RpmTagType.String or RpmTagType.StringArray or RpmTagType.I18nString:
                var data = store[offset..];
                int length = 0;
                for (int i = 0; i < count; i++)
                {
                    // Each string takes at least its terminator, so this loop ends within the store's length.
                    int nul = data[length..].IndexOf((byte)0);
                    if (nul < 0)
                        return -1;
                    length += nul + 1;
                }

                return length;
            default:
                long size = type switch
                {
                    RpmTagType.Int16 => sizeof(short),
                    RpmTagType.Int32 => sizeof(int),
                    RpmTagType.Int64 => sizeof(long),
                    _ => 1,
                };
                long bytes = size * count;
                return bytes > store.Length - offset ? -1 : (int)bytes;
        }
    }

    /// <summary>An index entry as stored: four big-endian signed numbers.</summary>
    private readonly record struct RawEntry(int Tag, int Type, int Offset, int Count)
    {
        public static RawEntry Read(ReadOnlySpan<byte> index, int i)
        {
            var e = index.Slice(i * RpmLayout.IndexEntryLength, RpmLayout.IndexEntryLength);
            return new RawEntry(
                BinaryPrimitives.ReadInt32BigEndian(e[RpmLayout.EntryTagOffset..]),
                BinaryPrimitives.ReadInt32BigEndian(e[RpmLayout.EntryTypeOffset..]),
                BinaryPrimitives.ReadInt32BigEndian(e[RpmLayout.EntryOffsetOffset..]),
                BinaryPrimitives.ReadInt32BigEndian(e[RpmLayout.EntryCountOffset..]));
        }
    }

    private static FileStream OpenFile(string path)
    {
        InputFiles.RequireRegularFile(path);
        return new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
    }
}

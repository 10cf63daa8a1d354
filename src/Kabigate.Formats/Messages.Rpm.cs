using Kabigate.Formats.Rpm;

namespace Kabigate.Formats;

/// <summary>Message text of the RPM and cpio readers (see <see cref="Messages"/> for the conventions).</summary>
internal static partial class Messages
{
    // RPM lead.
    internal const string RpmNoLeadMagic = "not an RPM package: no lead magic 'ed ab ee db'";
    internal const string RpmTruncatedLead = "truncated RPM lead (96 bytes)";

    internal static string RpmLeadVersion(int major, int minor) => $"unsupported RPM package version {major}.{minor}";

    internal static string RpmSignatureType(int type) => $"unsupported signature type {type} in the lead (rpm reads only 5, a header)";

    // RPM headers.
    internal const string RpmSignatureHeader = "signature header";
    internal const string RpmMainHeader = "header";
    internal static string RpmHeaderBlobLength(long expected, int actual) =>
        $"stored header is {actual} bytes, but its counts make {expected}";

    internal const string RpmTruncatedPadding = "truncated signature header padding";

    internal static string RpmTruncatedHeader(string what) => $"truncated {what}";

    internal static string RpmBadHeaderMagic(string what) => $"{what} has a bad magic (expected '8e ad e8 01 00 00 00 00')";

    // The counts are printed as the unsigned words they are on disk: 0xffffffff is 4294967295 entries, not -1.
    internal static string RpmHeaderTagCount(string what, int count, int max) => $"{what} has {(uint)count} index entries, outside 1..{max}";

    internal static string RpmHeaderDataSize(string what, int size, int max) => $"{what} has a {(uint)size}-byte data store, outside 0..{max}";

    internal static string RpmHeaderTooLarge(string what, long size, long max) => $"{what} is {size} bytes, not below the limit of {max}";

    internal static string RpmHeaderBeyondEnd(string what, long size, long remaining) =>
        $"{what} claims {size} bytes but only {remaining} remain (truncated?)";

    internal static string RpmBadRegion(string what, int tag, string detail) => $"{what} region tag {tag}: {detail}";

    internal const string RpmRegionTagBad = "not a 16-byte BIN entry";
    internal const string RpmRegionTrailerBad = "its trailer does not repeat the region tag as a 16-byte BIN entry";

    internal static string RpmRegionOffsetBad(int storeSize) => $"its trailer lies outside the {storeSize}-byte data store";

    internal static string RpmRegionSizeBad(long regionEntries, int entries, long regionBytes, int storeSize) =>
        $"the region ({regionEntries} entries, {regionBytes} bytes) does not fit the header ({entries} entries, {storeSize} bytes)";

    internal static string RpmRegionSizeMismatch(long regionEntries, int entries, long regionBytes, int storeSize) =>
        $"the region ({regionEntries} entries, {regionBytes} bytes) does not cover the header ({entries} entries, {storeSize} bytes)";

    internal static string RpmBadIndexEntry(string what, int index, int tag, int type, int offset, int count, string detail) =>
        $"{what} index entry {index} (tag {tag}, type {type}, offset {offset}, count {count}): {detail}";

    internal const string RpmEntryOverlaps = "its data overlaps the previous entry's";
    internal const string RpmEntryBadTag = "invalid tag number (below 100)";
    internal const string RpmEntryBadType = "invalid type";
    internal const string RpmEntryMisaligned = "its offset is not aligned for its type";

    internal static string RpmEntryOffsetOutside(int storeSize) => $"its offset is outside the {storeSize}-byte data store";

    internal static string RpmEntryDataOutside(int storeSize) => $"its data does not fit in the {storeSize}-byte data store";

    // RPM tags.
    internal static string RpmMissingTag(string name, int tag) => $"header has no {name} tag ({tag})";

    internal static string RpmTagTypeMismatch(int tag, RpmTagType found, RpmTagType expected) =>
        $"header tag {tag} has type {found}, expected {expected}";

    internal static string RpmParallelTags(int tag, int count, int otherTag, int otherCount) =>
        $"header tag {otherTag} has {otherCount} items but tag {tag} has {count}";

    internal static string RpmDirIndexOutOfRange(int file, int index, int count) =>
        $"file {file} has directory index {index}, outside the {count} directory names";

    // RPM payload.
    internal static string RpmPayloadFormat(string format) => format == "drpm"
        ? "delta RPM payloads ('drpm') are not supported"
        : $"unsupported payload format '{format}'";

    internal static string RpmPayloadCompressor(string compressor) => $"unsupported payload compressor '{compressor}'";

    internal static string RpmPayloadMagic(string? compressor, CompressionKind expected, CompressionKind found) => compressor is null
        ? $"payload has no compressor tag, so should be gzip or uncompressed, but its magic says {Describe(found)}"
        : $"payload should be {Describe(expected)} (compressor '{compressor}') but its magic says {Describe(found)}";

    internal static string RpmPayloadTooShort(int length) => $"payload is truncated: {length} bytes, too short for its compressor's magic";

    // cpio.
    internal const string CpioStripped = "cpio entry uses rpm's large-file format ('07070X'), which is not supported";

    internal static string CpioNoTrailer(string? previous) => previous is null
        ? "empty cpio archive: no 'TRAILER!!!' entry (truncated?)"
        : $"cpio archive ends after entry '{previous}' without a 'TRAILER!!!' entry (truncated?)";

    internal static string CpioTruncatedHeader(string? previous) => previous is null
        ? "truncated cpio header at the start of the archive"
        : $"truncated cpio header after entry '{previous}'";

    internal static string CpioBadMagic(string magic, string? previous) => previous is null
        ? $"bad cpio magic '{magic}' at the start of the archive (expected '070701' or '070702')"
        : $"bad cpio magic '{magic}' after entry '{previous}' (expected '070701' or '070702')";

    internal static string CpioBadField(string field, string text, string? previous) => previous is null
        ? $"cpio header field {field} '{text}' is not 8 hex digits, at the start of the archive"
        : $"cpio header field {field} '{text}' is not 8 hex digits, after entry '{previous}'";

    internal static string CpioBadNameSize(uint size, int max, string? previous) => previous is null
        ? $"cpio name size {size} is outside 2..{max}, at the start of the archive"
        : $"cpio name size {size} is outside 2..{max}, after entry '{previous}'";

    internal static string CpioBadName(string? previous) => previous is null
        ? "cpio entry name is not a NUL-terminated string, at the start of the archive"
        : $"cpio entry name is not a NUL-terminated string, after entry '{previous}'";

    internal static string CpioEntryTooLarge(string name, long size, long limit) =>
        $"cpio entry '{name}' is {size} bytes, more than the limit of {limit}";

    internal static string CpioEntryTruncated(string name) => $"cpio entry '{name}' is truncated";

    internal static string CpioEntryUnreadable(string name, string reason) => $"cpio entry '{name}': {reason}";

    internal static string CpioHeaderUnreadable(string? previous, string reason) => previous is null
        ? $"cpio header at the start of the archive: {reason}"
        : $"cpio header after entry '{previous}': {reason}";

    internal static string CpioAfterTrailer(string reason) => $"after the cpio trailer: {reason}";

    internal static string CpioChecksum(string name, uint expected, uint actual) =>
        $"cpio entry '{name}' has checksum 0x{actual:x8}, but its header says 0x{expected:x8}";

    internal static string SqliteMissing(string library, string package) =>
        $"reading rpm's sqlite database needs {library}, which could not be loaded; install the '{package}' package";

    internal static string RpmdbBackend(string backend, string file) =>
        $"the rpm database uses the {backend} backend ('{file}'); kabigate reads only the sqlite backend (rpmdb.sqlite, rpm 4.16 and later); 'rpmdb --rebuilddb --define \"_db_backend sqlite\"' converts it";

    internal const string RpmdbMissing = "no rpm database here (rpmdb.sqlite, Packages or Packages.db)";

    internal const string NoSuchInstallRoot = "no such install root";

    internal static string RpmdbNotFound(IEnumerable<string> tried) =>
        $"no rpm database under the install root (tried {string.Join(", ", tried)}; --dbpath names another)";

    internal static string RpmdbUnreadable(string detail) => $"cannot read the rpm database: {detail}";
}

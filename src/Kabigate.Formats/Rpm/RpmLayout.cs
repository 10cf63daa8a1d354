namespace Kabigate.Formats.Rpm;

/// <summary>
/// The on-disk layout of an RPM package (rpm's <c>lib/rpmlead.c</c>, <c>lib/header.c</c>, <c>lib/header_internal.h</c>):
/// a 96-byte lead, the signature header (padded to 8 bytes), the main header, then the payload. Numbers are
/// big-endian.
/// </summary>
internal static class RpmLayout
{
    /// <summary>The lead's magic, <c>ed ab ee db</c>.</summary>
    public static ReadOnlySpan<byte> LeadMagic => [0xed, 0xab, 0xee, 0xdb];

    /// <summary><c>major</c>: one byte after the magic; rpm reads 3 and 4.</summary>
    public const int LeadMajorOffset = 4;

    /// <summary><c>minor</c>: one byte.</summary>
    public const int LeadMinorOffset = LeadMajorOffset + 1;

    /// <summary><c>type</c>: 16 bits, 0 binary and 1 source.</summary>
    public const int LeadTypeOffset = LeadMinorOffset + 1;

    /// <summary><c>archnum</c>: 16 bits, obsolete.</summary>
    public const int LeadArchOffset = LeadTypeOffset + sizeof(ushort);

    /// <summary><c>name</c>: 66 bytes, NUL-padded <c>N-V-R</c>, informational only.</summary>
    public const int LeadNameOffset = LeadArchOffset + sizeof(ushort);

    /// <summary>The length of <c>name</c>.</summary>
    public const int LeadNameLength = 66;

    /// <summary><c>osnum</c>: 16 bits, obsolete.</summary>
    public const int LeadOsOffset = LeadNameOffset + LeadNameLength;

    /// <summary><c>signature_type</c>: 16 bits; must be <see cref="HeaderSignatureType"/>.</summary>
    public const int LeadSignatureTypeOffset = LeadOsOffset + sizeof(ushort);

    /// <summary><c>reserved</c>: 16 bytes.</summary>
    public const int LeadReservedOffset = LeadSignatureTypeOffset + sizeof(ushort);

    /// <summary>The whole lead: 96 bytes.</summary>
    public const int LeadLength = LeadReservedOffset + 16;

    /// <summary><c>RPMSIGTYPE_HEADERSIG</c>: the signature is a header structure.</summary>
    public const int HeaderSignatureType = 5;

    /// <summary>The lowest lead major version rpm accepts.</summary>
    public const int MinMajor = 3;

    /// <summary>The highest lead major version rpm accepts.</summary>
    public const int MaxMajor = 4;

    /// <summary><c>rpm_header_magic</c>: <c>8e ad e8 01</c> then four reserved zero bytes, all compared.</summary>
    public static ReadOnlySpan<byte> HeaderMagic => [0x8e, 0xad, 0xe8, 0x01, 0x00, 0x00, 0x00, 0x00];

    /// <summary>The number of index entries (<c>il</c>), a signed 32-bit count, after the magic.</summary>
    public const int HeaderIndexCountOffset = 8;

    /// <summary>The size of the data store (<c>dl</c>), a signed 32-bit count.</summary>
    public const int HeaderStoreSizeOffset = HeaderIndexCountOffset + sizeof(int);

    /// <summary>The header's intro: magic, <c>il</c> and <c>dl</c>; 16 bytes.</summary>
    public const int HeaderIntroLength = HeaderStoreSizeOffset + sizeof(int);

    /// <summary>One index entry (<c>entryInfo_s</c>): tag, type, offset, count, each a signed 32-bit number.</summary>
    public const int IndexEntryLength = 4 * sizeof(int);

    /// <summary>The entry's <c>tag</c>.</summary>
    public const int EntryTagOffset = 0;

    /// <summary>The entry's <c>type</c>.</summary>
    public const int EntryTypeOffset = EntryTagOffset + sizeof(int);

    /// <summary>The entry's <c>offset</c> into the store.</summary>
    public const int EntryOffsetOffset = EntryTypeOffset + sizeof(int);

    /// <summary>The entry's <c>count</c> of items.</summary>
    public const int EntryCountOffset = EntryOffsetOffset + sizeof(int);

    /// <summary>The signature header is padded with zeros to this boundary; the main header is not.</summary>
    public const int SignatureAlignment = 8;

    /// <summary><c>HEADER_TAGS_MAX</c>: the most index entries in the main header.</summary>
    public const int MaxHeaderTags = 0xffff;

    /// <summary><c>HEADER_DATA_MAX</c>: the largest main header store, 256 MiB - 1.</summary>
    public const int MaxHeaderData = 0x0fffffff;

    /// <summary>The most index entries in the signature header (rpm's <c>il_max</c> for it).</summary>
    public const int MaxSignatureTags = 32;

    /// <summary>The largest signature header store (rpm's <c>dl_max</c> for it): 64 MiB.</summary>
    public const int MaxSignatureData = 64 * 1024 * 1024;

    /// <summary><c>headerMaxbytes</c>: an index plus store must stay below 256 MiB.</summary>
    public const long MaxHeaderBytes = 256L * 1024 * 1024;

    /// <summary>The first tag number a non-region entry may have (<c>HEADER_I18NTABLE</c>).</summary>
    public const int FirstDataTag = 100;

    /// <summary>A region tag's type (<c>RPM_BIN_TYPE</c>) and count (one index entry, 16 bytes).</summary>
    public const int RegionTagCount = IndexEntryLength;
}

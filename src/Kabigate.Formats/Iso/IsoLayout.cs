namespace Kabigate.Formats.Iso;

/// <summary>
/// ISO 9660 (ECMA-119) layout: volume descriptors and directory records. Multi-byte numbers are stored
/// "both-endian" (little-endian, then the same value big-endian); like Linux's <c>isonum_733</c>, only the
/// little-endian half is read.
/// </summary>
internal static class IsoLayout
{
    /// <summary>A logical sector: volume descriptors and directory records are laid out in these.</summary>
    public const int SectorSize = 2048;

    /// <summary>The only logical block size accepted, as in Linux's isofs.</summary>
    public const int BlockSize = SectorSize;

    /// <summary>Sectors 0-15 are the system area; the volume descriptor set starts at 16.</summary>
    public const int FirstDescriptorSector = 16;

    /// <summary>How many descriptor sectors are read before giving up on a terminator (Linux reads 100).</summary>
    public const int MaxDescriptors = 100;

    // Volume descriptor (ECMA-119 8.4): type (1), "CD001" (5), version (1), then type-specific fields.
    public const int DescriptorTypeOffset = 0;
    public const int StandardIdentifierOffset = DescriptorTypeOffset + 1;
    public static ReadOnlySpan<byte> StandardIdentifier => "CD001"u8;

    public const byte TypePrimary = 1;          // primary volume descriptor
    public const byte TypeSupplementary = 2;    // supplementary (Joliet when its escape sequences say so)
    public const byte TypeTerminator = 255;     // volume descriptor set terminator

    // Primary/supplementary fields: flags (1) at 7, system identifier (32) at 8, volume identifier (32).
    public const int VolumeIdentifierOffset = 8 + 32;
    public const int VolumeIdentifierLength = 32;

    // Unused (8) at 72, volume space size (8) at 80, escape sequences (32) at 88.
    public const int EscapeSequencesOffset = 88;
    public const int EscapeSequencesLength = 32;

    // Volume set size (4) at 120, volume sequence number (4) at 124, logical block size (4, both-endian 16-bit) at 128.
    public const int LogicalBlockSizeOffset = 128;

    // Path table size (8) at 132, four path table locations (4 each) at 140, root directory record (34) at 156.
    public const int RootRecordOffset = 156;
    public const int RootRecordLength = 34;

    /// <summary>Joliet's UCS-2 levels 1, 2 and 3 (the escape sequence starts the field).</summary>
    public static ReadOnlySpan<byte> JolietLevel1 => "%/@"u8;

    /// <inheritdoc cref="JolietLevel1"/>
    public static ReadOnlySpan<byte> JolietLevel2 => "%/C"u8;

    /// <inheritdoc cref="JolietLevel1"/>
    public static ReadOnlySpan<byte> JolietLevel3 => "%/E"u8;

    // Directory record (ECMA-119 9.1).
    public const int RecordLengthOffset = 0;                              // length of the record (1)
    public const int ExtendedAttributeLengthOffset = RecordLengthOffset + 1; // XAR length in blocks (1)
    public const int ExtentOffset = ExtendedAttributeLengthOffset + 1;    // extent location (8, both-endian 32-bit)
    public const int DataLengthOffset = ExtentOffset + 8;                 // data length (8, both-endian 32-bit)
    public const int FlagsOffset = DataLengthOffset + 8 + 7;              // after the recording date (7)
    public const int FileUnitSizeOffset = FlagsOffset + 1;                // interleaved files only (1)
    public const int InterleaveGapOffset = FileUnitSizeOffset + 1;        // interleaved files only (1)
    public const int IdentifierLengthOffset = InterleaveGapOffset + 1 + 4; // after the volume sequence number (4)
    public const int IdentifierOffset = IdentifierLengthOffset + 1;       // the file identifier: 33

    /// <summary>The smallest record: the fixed part and a one-byte identifier.</summary>
    public const int MinRecordLength = IdentifierOffset + 1;

    public const byte FlagHidden = 1 << 0;       // existence: hidden from the user
    public const byte FlagDirectory = 1 << 1;    // a directory
    public const byte FlagAssociated = 1 << 2;   // an associated file (skipped, as Linux does by default)
    public const byte FlagMultiExtent = 1 << 7;  // not the final record of the file

    public const byte IdentifierSelf = 0;        // "." is the single byte 0x00
    public const byte IdentifierParent = 1;      // ".." is the single byte 0x01

    /// <summary>Where the system use area starts: after the identifier and a pad byte when its length is even.</summary>
    public static int SystemUseOffset(int identifierLength) =>
        IdentifierOffset + identifierLength + (identifierLength % 2 == 0 ? 1 : 0);
}

/// <summary>System Use Sharing Protocol (IEEE P1281) and Rock Ridge (IEEE P1282, RRIP 1.09/1.12) entries.</summary>
internal static class SuspLayout
{
    // Every entry: signature (2), length (1), version (1), data.
    public const int SignatureLength = 2;
    public const int LengthOffset = SignatureLength;
    public const int VersionOffset = LengthOffset + 1;
    public const int DataOffset = VersionOffset + 1;
    public const int HeaderLength = DataOffset;

    /// <summary>SP: check bytes 0xBE 0xEF, then LEN_SKP (1), the bytes to skip at the start of every other area.</summary>
    public const int SpCheckOffset = DataOffset;
    public const int SpSkipOffset = SpCheckOffset + 2;
    public const int SpLength = SpSkipOffset + 1;
    public static ReadOnlySpan<byte> SpCheckBytes => [0xBE, 0xEF];

    /// <summary>CE: block (8), offset (8) and length (8) of the continuation area, each both-endian 32-bit.</summary>
    public const int CeBlockOffset = DataOffset;
    public const int CeAreaOffset = CeBlockOffset + 8;
    public const int CeLengthOffset = CeAreaOffset + 8;
    public const int CeLength = CeLengthOffset + 8;

    /// <summary>NM: flags (1), then part of the name.</summary>
    public const int NmFlagsOffset = DataOffset;
    public const int NmNameOffset = NmFlagsOffset + 1;
    public const byte NmContinue = 1 << 0;   // the name goes on in the next NM entry
    public const byte NmCurrent = 1 << 1;    // the name is "."
    public const byte NmParent = 1 << 2;     // the name is ".."

    /// <summary>PX: the POSIX file mode (8, both-endian 32-bit) first.</summary>
    public const int PxModeOffset = DataOffset;
    public const int PxMinLength = PxModeOffset + 8;
    public const uint ModeTypeMask = 0xF000;  // S_IFMT
    public const uint ModeRegular = 0x8000;   // S_IFREG
    public const uint ModeDirectory = 0x4000; // S_IFDIR

    /// <summary>CL: the block of a relocated directory (8, both-endian 32-bit).</summary>
    public const int ClBlockOffset = DataOffset;
    public const int ClLength = ClBlockOffset + 8;

    public static ReadOnlySpan<byte> Sp => "SP"u8;   // SUSP in use (root "." only)
    public static ReadOnlySpan<byte> Ce => "CE"u8;   // continuation area
    public static ReadOnlySpan<byte> St => "ST"u8;   // terminator
    public static ReadOnlySpan<byte> Nm => "NM"u8;   // alternate name
    public static ReadOnlySpan<byte> Px => "PX"u8;   // POSIX attributes
    public static ReadOnlySpan<byte> Sl => "SL"u8;   // symbolic link
    public static ReadOnlySpan<byte> Cl => "CL"u8;   // child link: where a relocated directory really is
    public static ReadOnlySpan<byte> Re => "RE"u8;   // relocated: this directory is shown where its CL is
}

namespace Kabigate.Formats.Rpm;

/// <summary>The data type of a header entry (<c>rpmTagType</c>, rpm's <c>RPM_*_TYPE</c>).</summary>
public enum RpmTagType
{
    /// <summary><c>RPM_NULL_TYPE</c>: never valid in a package (its data length is zero).</summary>
    Null = 0,

    /// <summary><c>RPM_CHAR_TYPE</c>: one byte per item.</summary>
    Char = 1,

    /// <summary><c>RPM_INT8_TYPE</c>: one byte per item.</summary>
    Int8 = 2,

    /// <summary><c>RPM_INT16_TYPE</c>: big-endian, 2-byte aligned.</summary>
    Int16 = 3,

    /// <summary><c>RPM_INT32_TYPE</c>: big-endian, 4-byte aligned.</summary>
    Int32 = 4,

    /// <summary><c>RPM_INT64_TYPE</c>: big-endian, 8-byte aligned.</summary>
    Int64 = 5,

    /// <summary><c>RPM_STRING_TYPE</c>: one NUL-terminated string; its count must be 1.</summary>
    String = 6,

    /// <summary><c>RPM_BIN_TYPE</c>: <c>count</c> opaque bytes.</summary>
    Bin = 7,

    /// <summary><c>RPM_STRING_ARRAY_TYPE</c>: <c>count</c> NUL-terminated strings.</summary>
    StringArray = 8,

    /// <summary><c>RPM_I18NSTRING_TYPE</c>: one string per locale of <c>HEADERI18NTABLE</c>, the first being "C".</summary>
    I18nString = 9,
}

/// <summary>The main header's tag numbers kabigate reads (rpm's <c>rpmtag.h</c>).</summary>
public static class RpmTag
{
    /// <summary><c>RPMTAG_HEADERIMAGE</c>: a region tag of old headers.</summary>
    public const int HeaderImage = 61;

    /// <summary><c>RPMTAG_HEADERSIGNATURES</c>: the signature header's region tag.</summary>
    public const int HeaderSignatures = 62;

    /// <summary><c>RPMTAG_HEADERIMMUTABLE</c>: the main header's region tag.</summary>
    public const int HeaderImmutable = 63;

    /// <summary><c>RPMTAG_HEADERI18NTABLE</c>: the locales of <see cref="RpmTagType.I18nString"/> entries.</summary>
    public const int HeaderI18nTable = 100;

    /// <summary><c>RPMTAG_NAME</c> (string).</summary>
    public const int Name = 1000;

    /// <summary><c>RPMTAG_VERSION</c> (string).</summary>
    public const int Version = 1001;

    /// <summary><c>RPMTAG_RELEASE</c> (string).</summary>
    public const int Release = 1002;

    /// <summary><c>RPMTAG_EPOCH</c> (int32); absent when the package has none.</summary>
    public const int Epoch = 1003;

    /// <summary><c>RPMTAG_ARCH</c> (string).</summary>
    public const int Arch = 1022;

    /// <summary><c>RPMTAG_OLDFILENAMES</c> (string array): full paths, in packages without compressed file names.</summary>
    public const int OldFilenames = 1027;

    /// <summary><c>RPMTAG_FILESIZES</c> (int32 array).</summary>
    public const int FileSizes = 1028;

    /// <summary><c>RPMTAG_FILEMODES</c> (int16 array): <c>st_mode</c> of each file.</summary>
    public const int FileModes = 1030;

    /// <summary><c>RPMTAG_PROVIDENAME</c> (string array).</summary>
    public const int ProvideName = 1047;

    /// <summary><c>RPMTAG_REQUIREFLAGS</c> (int32 array of <see cref="RpmSense"/>).</summary>
    public const int RequireFlags = 1048;

    /// <summary><c>RPMTAG_REQUIRENAME</c> (string array).</summary>
    public const int RequireName = 1049;

    /// <summary><c>RPMTAG_REQUIREVERSION</c> (string array).</summary>
    public const int RequireVersion = 1050;

    /// <summary><c>RPMTAG_CONFLICTFLAGS</c> (int32 array of <see cref="RpmSense"/>).</summary>
    public const int ConflictFlags = 1053;

    /// <summary><c>RPMTAG_CONFLICTNAME</c> (string array).</summary>
    public const int ConflictName = 1054;

    /// <summary><c>RPMTAG_CONFLICTVERSION</c> (string array).</summary>
    public const int ConflictVersion = 1055;

    /// <summary><c>RPMTAG_PROVIDEFLAGS</c> (int32 array of <see cref="RpmSense"/>).</summary>
    public const int ProvideFlags = 1112;

    /// <summary><c>RPMTAG_PROVIDEVERSION</c> (string array).</summary>
    public const int ProvideVersion = 1113;

    /// <summary><c>RPMTAG_DIRINDEXES</c> (int32 array): each file's index into <see cref="DirNames"/>.</summary>
    public const int DirIndexes = 1116;

    /// <summary><c>RPMTAG_BASENAMES</c> (string array): each file's last path component.</summary>
    public const int BaseNames = 1117;

    /// <summary><c>RPMTAG_DIRNAMES</c> (string array): directories, each ending in <c>/</c>.</summary>
    public const int DirNames = 1118;

    /// <summary><c>RPMTAG_PAYLOADFORMAT</c> (string): <c>cpio</c>; absent means cpio.</summary>
    public const int PayloadFormat = 1124;

    /// <summary><c>RPMTAG_PAYLOADCOMPRESSOR</c> (string): gzip, bzip2, xz, lzma or zstd; absent when uncompressed.</summary>
    public const int PayloadCompressor = 1125;

    /// <summary><c>RPMTAG_PAYLOADFLAGS</c> (string): the compression level, e.g. <c>9</c> or <c>19T8</c>.</summary>
    public const int PayloadFlags = 1126;

    /// <summary><c>RPMTAG_LONGFILESIZES</c> (int64 array): replaces <see cref="FileSizes"/> when a file is 4 GiB or more.</summary>
    public const int LongFileSizes = 5008;
}

/// <summary>Tag numbers of the signature header (rpm's <c>RPMSIGTAG_*</c>); some reuse main header numbers.</summary>
public static class RpmSignatureTag
{
    /// <summary><c>RPMSIGTAG_SHA1</c> (string): SHA-1 of the main header, hex.</summary>
    public const int Sha1 = 269;

    /// <summary><c>RPMSIGTAG_LONGSIZE</c> (int64): main header plus payload size, for large packages.</summary>
    public const int LongSize = 270;

    /// <summary><c>RPMSIGTAG_LONGARCHIVESIZE</c> (int64): uncompressed payload size, for large packages.</summary>
    public const int LongArchiveSize = 271;

    /// <summary><c>RPMSIGTAG_SHA256</c> (string): SHA-256 of the main header, hex.</summary>
    public const int Sha256 = 273;

    /// <summary><c>RPMSIGTAG_SIZE</c> (int32): main header plus payload size.</summary>
    public const int Size = 1000;

    /// <summary><c>RPMSIGTAG_MD5</c> (bin): MD5 of the main header plus payload.</summary>
    public const int Md5 = 1004;

    /// <summary><c>RPMSIGTAG_PAYLOADSIZE</c> (int32): uncompressed payload size.</summary>
    public const int PayloadSize = 1007;
}

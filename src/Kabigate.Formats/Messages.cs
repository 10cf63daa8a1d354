namespace Kabigate.Formats;

/// <summary>
/// Message text of the format readers, in one place so it can be grepped and kept consistent. Values are single-quoted,
/// the kernel's and depmod's words are kept (<c>Invalid symbol version</c>), and no message names its path: the
/// <see cref="ModuleFormatException"/> adds that.
/// </summary>
internal static partial class Messages
{
    // Compression.
    internal const string LzmaAloneUnsupported = "lzma (.lzma) compression is not supported";

    internal static string DecompressionBomb(long maxOutputBytes) =>
        $"decompressed data exceeds {maxOutputBytes} bytes (decompression bomb?)";

    internal static string NativeLibraryMissing(string format, string library, string package) =>
        $"{format} decompression needs {library}, which could not be loaded; install the '{package}' package";

    internal static string NativeExportMissing(string library, string function) =>
        $"{library} has no function '{function}' (library too old?)";

    internal static string Truncated(string format) => $"{format}: unexpected end of compressed data (truncated?)";

    internal static string CompressorError(string format, string detail) => $"{format}: {detail}";

    internal static string TrailingGarbage(string format) => $"{format}: trailing garbage after compressed data";

    internal static string NoProgress(string format) => $"{format}: decoder made no progress";

    // Kernel images: bzImage, vmlinux.
    internal const string NotAKernelImage = "not a kernel image: neither an x86 bzImage nor a vmlinux ELF, plain or compressed";

    internal const string Arm64RawImage =
        "an arm64 'Image' is raw binary without section headers, so its exports cannot be located; read the vmlinux ELF or the kernel's Module.symvers";

    internal static string BzImageTruncatedHeader(int length, int needed) =>
        $"truncated bzImage setup header ({length} bytes, need {needed})";

    internal static string BzImageOldProtocol(ushort version) =>
        $"boot protocol {version >> 8}.{version & 0xff:D2} has no payload fields (they appeared in 2.08)";

    internal static string BzImagePayloadOutside(long offset, uint length, int fileLength) =>
        $"bzImage payload ({length} bytes at 0x{offset:x}) lies outside the file ({fileLength} bytes)";

    internal static string BzImagePayloadTooShort(uint length) =>
        $"bzImage payload of {length} bytes cannot hold its 4-byte size trailer";

    internal static string KernelPayloadUnsupported(string format) =>
        $"{format} compressed kernel payload is not supported (gzip, xz, zstd and lz4 are)";

    internal static string KernelPayloadUnknown(string magic) => $"bzImage payload has no known compression magic ('{magic}')";

    internal static string KernelPayloadTooLarge(uint declared, long limit) =>
        $"bzImage payload declares {declared} uncompressed bytes, more than the limit of {limit}";

    internal static string KernelPayloadSizeMismatch(string actual, uint declared) =>
        $"bzImage payload decompressed to {actual} bytes, but its size trailer says {declared}";

    internal static string KernelPayloadUndecodable(string format, string reason) =>
        $"cannot decompress the {format} bzImage payload: {reason}";

    internal static string KernelPayloadNotElf(string magic) => $"the bzImage payload is not a vmlinux ELF (magic '{magic}')";

    internal static string CompressedKernelNotElf(string format) => $"{format} data that is not a vmlinux ELF inside";

    internal static string UnsupportedElfClass(byte value) => $"unsupported ELF class {value}";

    internal static string UnsupportedElfData(byte value) => $"unsupported ELF data encoding {value}";

    internal static string TruncatedElfHeader(int length, int needed) => $"truncated ELF header ({length} bytes, need {needed})";

    internal const string VmlinuxIsRelocatable = "a relocatable ELF object (a kernel module?), not a linked kernel image";

    internal static string VmlinuxType(ushort type) => $"ELF type {type} is not a linked kernel image (ET_EXEC or ET_DYN)";

    internal const string VmlinuxNoSectionHeaders =
        "vmlinux has no section headers (e_shoff is 0), so its exports cannot be located";

    internal const string VmlinuxNoKsymtab =
        "no '__ksymtab' section: not a kernel image, or one whose section headers were stripped";

    internal const string VmlinuxNoKsymtabStrings = "'__ksymtab' without '__ksymtab_strings': the export names are missing";

    internal static string KsymtabSize(string section, ulong size, int entrySize) =>
        $"section '{section}' size {size} is not a multiple of the {entrySize}-byte struct kernel_symbol";

    internal static string KcrctabSize(string crcSection, ulong size, string section, int count) =>
        $"section '{crcSection}' holds {size} bytes, not one CRC for each of the {count} entries of '{section}'";

    internal static string KflagstabSize(ulong size, int count) =>
        $"section '__kflagstab' holds {size} bytes, not one flag byte for each of the {count} entries of '__ksymtab'";

    internal static string ExportStringOutside(string field, string section, int index, ulong address) =>
        $"{field} of entry {index} of '{section}' points to 0x{address:x}, outside every section";

    internal static string ExportStringUnterminated(string field, string section, int index, string target) =>
        $"{field} of entry {index} of '{section}' runs off the end of section '{target}' (not NUL-terminated)";

    internal static string ExportNameEmpty(string section, int index) => $"name of entry {index} of '{section}' is empty";

    // Module.symvers.
    internal static string InvalidSymbolVersion(string crc) => $"Invalid symbol version '{crc}'";

    internal static string UnknownExportType(string kind) => $"unknown export type '{kind}'";

    internal static string SymversFieldCount(int count) => $"expected 3 to 5 fields, found {count}";

    internal const string EmptySymbolName = "empty symbol name";
    internal const string EmptyModuleName = "empty module name";

    // Stablelists.
    internal static string InvalidSymbolName(string name) => $"invalid symbol name '{name}'";

    internal static string InvalidSectionHeader(string header) => $"invalid section header '{header}'";

    // ar archives and Debian packages.
    internal const string NotAnArArchive = "not a Debian package: no ar magic '!<arch>\\n'";
    internal const string ArchiveEmpty = "not a Debian package: the ar archive has no members";

    internal static string TruncatedArHeader(string? previousMember) => previousMember is null
        ? "truncated ar member header at the start of the archive"
        : $"truncated ar member header after member '{previousMember}'";

    internal static string BadArHeaderMagic(string name) => $"ar member header of '{name}' does not end in '`\\n'";

    internal static string BadArSize(string name, string size) => $"ar member '{name}' has an invalid size field '{size}'";

    internal static string ArMemberBeyondEnd(string name, long size, long remaining) =>
        $"ar member '{name}' claims {size} bytes but only {remaining} remain (truncated?)";

    internal static string ArMemberTooLarge(string name, long size, long limit) =>
        $"ar member '{name}' is {size} bytes, more than the limit of {limit}";

    internal static string ArMemberTruncated(string name) => $"ar member '{name}' is truncated";

    internal static string DebFirstMember(string name) => $"not a Debian package: first member is '{name}', not 'debian-binary'";

    internal static string DebFormatVersion(string version) => $"unsupported Debian package format version '{version}'";

    internal static string DebMissingMember(string prefix) => $"no '{prefix}*' member";

    internal static string DebUnsupportedMember(string name) => $"member '{name}' uses an unsupported compression";

    internal static string DebMemberMagic(string name, CompressionKind expected, CompressionKind found) =>
        $"member '{name}' should be {Describe(expected)} but its magic says {Describe(found)}";

    internal static string TarCorrupt(string detail) => $"corrupt tar archive: {detail}";

    internal const string TarNumberOutOfRange = "a numeric header field is out of range";

    internal const string TarSizeUnreadable = "a header's size is not a number";

    internal static string TarMetadataTooLarge(char type, long size, long limit) =>
        $"a '{type}' metadata entry of {size} bytes, more than the limit of {limit}";

    internal static string TarEntryTooLarge(string path, long length, long limit) =>
        $"entry '{path}' is {length} bytes, more than the limit of {limit}";

    internal static string TarEntryTruncated(string path) => $"entry '{path}' is truncated";

    internal const string DebNoControlFile = "no 'control' file";

    internal static string ControlMissingField(string field) => $"control file has no '{field}' field";

    internal const string ControlMalformedLine = "malformed control file line";

    // ISO 9660 images. Paths are shown absolute ('/rpms/x86_64'), so that the root shows as '/'.
    internal static string IsoNoDescriptor(long length) =>
        $"not an ISO 9660 image: {length} bytes is too short for a volume descriptor at sector 16";

    internal const string IsoNoPrimaryDescriptor = "not an ISO 9660 image: no primary volume descriptor ('CD001' type 1) from sector 16";

    internal static string IsoBlockSize(int size) => $"unsupported logical block size {size} (only 2048 is supported)";

    internal static string IsoShortRead(int wanted, int read) => $"image ended early: read {read} of {wanted} bytes (truncated?)";

    internal static string IsoExtentBeyondEnd(string path, long offset, long length, long imageLength) =>
        $"extent of '{path}' ({length} bytes at 0x{offset:x}) lies past the end of the image ({imageLength} bytes; truncated?)";

    internal static string IsoMetadataBudget(long imageLength) =>
        $"directory and Rock Ridge data read exceed the image's {imageLength} bytes (overlapping directories?)";

    internal static string IsoDirectoryTooLarge(string path, long length, long limit) =>
        $"directory '{path}' is {length} bytes, more than the limit of {limit}";

    internal static string IsoBadRecordLength(string directory, int length) =>
        $"directory '{directory}' has a record of {length} bytes, shorter than its fixed part or running past the directory's end";

    internal static string IsoIdentifierBeyondRecord(string directory, int identifierLength, int recordLength) =>
        $"directory '{directory}' has a {identifierLength}-byte file identifier in a record of {recordLength} bytes";

    internal static string IsoMultiExtentBroken(string path) =>
        $"multi-extent file '/{path}' is not continued by a record of the same name";

    internal static string IsoInterleaved(string path) => $"interleaved file '{path}' is not supported";

    internal static string IsoInvalidName(string directory, string name) => $"directory '{directory}' has an invalid file name '{name}'";

    internal static string IsoJolietOddName(string directory, int length) =>
        $"directory '{directory}' has a Joliet file identifier of odd length {length}";

    internal static string IsoPathTooLong(string directory, int limit) => $"a path in '{directory}' is longer than {limit} characters";

    internal static string IsoTooDeep(string path, int limit) => $"directory '/{path}' is nested more than {limit} levels deep";

    internal static string IsoTooManyEntries(int limit) => $"image has more than {limit} files and directories";

    internal static string IsoDirectoryCycle(string path, string other) =>
        $"directory '/{path}' has the same extent as '/{other}' (a directory cycle?)";

    internal static string IsoBadRelocation(string path) =>
        $"Rock Ridge child link of '{path}' does not point at a directory's '.' record";

    internal static string IsoSuspEntryBeyondArea(string path, string signature) =>
        $"system use entry '{signature}' of '{path}' runs past the end of its area";

    internal static string IsoTooManyContinuations(string path, int limit) =>
        $"system use area of '{path}' has more than {limit} continuation areas (a 'CE' loop?)";

    internal static string IsoContinuationTooLarge(string path, long length, int limit) =>
        $"continuation area of '{path}' is {length} bytes, more than the limit of {limit}";

    internal static string IsoFileTooLarge(string path, long size, long limit) => $"file '{path}' is {size} bytes, more than the limit of {limit}";

    internal static string IsoFileTruncated(string path) => $"file '{path}' is truncated";

    private static string Describe(CompressionKind kind) =>
        kind == CompressionKind.None ? "uncompressed" : kind.ToString().ToLowerInvariant();
}

namespace Kabigate.Formats.Kernel;

/// <summary>
/// The x86 boot setup header (Documentation/arch/x86/boot.rst, arch/x86/boot/header.S) and the payload mkpiggy wraps:
/// the compressed <c>vmlinux.bin</c> (the ELF vmlinux with symbols stripped, sections kept), followed by the
/// relocations when <c>CONFIG_X86_NEED_RELOCS</c>, then a little-endian u32 of the uncompressed size.
/// </summary>
internal static class BzImageLayout
{
    public const int SectorSize = 512;

    public const int SetupSectsOffset = 0x1f1;      // u8 setup_sects: real-mode setup code after the boot sector, in sectors
    public const int DefaultSetupSects = 4;         // "if this field is 0, the real value is 4"

    public const int HeaderMagicOffset = 0x202;     // u32 header: "HdrS"
    public static ReadOnlySpan<byte> HeaderMagic => "HdrS"u8;

    public const int VersionOffset = HeaderMagicOffset + 4;   // u16 version: boot protocol, major << 8 | minor
    public const ushort PayloadFieldsVersion = 0x0208;        // payload_offset and payload_length appeared in 2.08

    public const int KernelVersionOffset = 0x20e;   // u16 kernel_version: the version string's offset, less 0x200
    public const int KernelVersionBase = 0x200;     // "...points to a null-terminated human-readable kernel version string, less 0x200"

    public const int PayloadOffsetOffset = 0x248;   // u32 payload_offset: from the start of the protected-mode code
    public const int PayloadLengthOffset = PayloadOffsetOffset + 4; // u32 payload_length
    public const int HeaderEnd = PayloadLengthOffset + 4;      // the bytes the reader needs

    public const int SizeTrailerLength = 4;         // mkpiggy: the payload ends in the le32 uncompressed size (size_append)

    /// <summary>The protected-mode code follows the boot sector and the setup sectors.</summary>
    public static long ProtectedModeStart(byte setupSects) => (long)((setupSects == 0 ? DefaultSetupSects : setupSects) + 1) * SectorSize;
}

/// <summary>Magic numbers of kernel payload formats the generic <see cref="Compression.Sniff"/> does not know.</summary>
internal static class KernelPayloadMagic
{
    /// <summary>The .lzma ("lzma alone") header as <c>lzma -9</c> writes it: properties 0x5d, then the dictionary size.</summary>
    public static ReadOnlySpan<byte> LzmaAlone => [0x5d, 0x00, 0x00];

    /// <summary>lzop's magic (<c>CONFIG_KERNEL_LZO</c>).</summary>
    public static ReadOnlySpan<byte> Lzop => [0x89, (byte)'L', (byte)'Z', (byte)'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a];

    /// <summary>An arm64 <c>Image</c> (arch/arm64/kernel/head.S) carries "ARM\x64" at byte 0x38.</summary>
    public const int Arm64MagicOffset = 0x38;

    public static ReadOnlySpan<byte> Arm64 => [(byte)'A', (byte)'R', (byte)'M', 0x64];
}

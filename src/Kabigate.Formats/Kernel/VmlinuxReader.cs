using System.Buffers.Binary;
using System.Globalization;
using Kabigate.Abi;
using Kabigate.Formats.Elf;

namespace Kabigate.Formats.Kernel;

/// <summary>
/// Recovers a kernel's exported-symbol ABI (what Module.symvers lists for <c>vmlinux</c>) from the kernel image
/// itself, for distributions such as Debian whose image packages ship no Module.symvers. Accepts a vmlinux ELF
/// (ELF32 or ELF64, either byte order; compressed with gzip, xz, zstd or lz4, or not) and an x86 <c>bzImage</c>
/// (<c>vmlinuz</c>), whose payload is the vmlinux ELF compressed with gzip, xz, zstd or lz4.
/// </summary>
/// <remarks>
/// The exports come from <c>__ksymtab</c>, <c>__ksymtab_gpl</c> (and the 4.x <c>_gpl_future</c>/<c>_unused</c>
/// variants), their parallel <c>__kcrctab*</c> CRC arrays, <c>__ksymtab_strings</c> and, on the newest kernels,
/// <c>__kflagstab</c>. A stripped vmlinux still has these sections; references in <c>struct kernel_symbol</c> are
/// virtual addresses, mapped to the file through the section headers.
/// </remarks>
public static partial class VmlinuxReader
{
    /// <summary>The most bytes a compressed kernel may expand to: <see cref="InputLimits.MaxKernelImageBytes"/>.</summary>
    public const long MaxImageBytes = InputLimits.MaxKernelImageBytes;

    /// <summary>The exporter column of every export read from a kernel image.</summary>
    public const string ModuleName = "vmlinux";

    /// <summary>The name the decompressed ELF goes by in messages: <c>vmlinuz!vmlinux</c>, as <c>package!member</c>.</summary>
    private const string InnerSuffix = "!" + ModuleName;

    /// <summary>How many bytes <see cref="IsBzImage"/> needs.</summary>
    public const int SniffLength = BzImageLayout.HeaderEnd;

    /// <summary>Whether the bytes start like an x86 bzImage: the setup header magic <c>HdrS</c> at 0x202.</summary>
    /// <param name="head">The first bytes of the file; <see cref="SniffLength"/> bytes suffice.</param>
    /// <returns>True for a bzImage (or a zImage, which has no payload fields).</returns>
    public static bool IsBzImage(ReadOnlySpan<byte> head) =>
        head.Length >= BzImageLayout.HeaderMagicOffset + BzImageLayout.HeaderMagic.Length
        && head[BzImageLayout.HeaderMagicOffset..].StartsWith(BzImageLayout.HeaderMagic);

    /// <summary>Reads the exports of a kernel image file.</summary>
    /// <param name="path">A <c>vmlinuz</c> (bzImage) or a vmlinux ELF, plain or compressed.</param>
    /// <returns>The exports sorted by symbol (ordinal), each with module <c>vmlinux</c>.</returns>
    /// <exception cref="ModuleFormatException">The file is not a kernel image, or is malformed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<KernelExport> ReadExports(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return FileBytes.Use(path, data => ReadExports(data, path));
    }

    /// <summary>Reads the exports of a kernel image.</summary>
    /// <param name="image">A bzImage, or a vmlinux ELF, plain or compressed (sniffed by magic bytes).</param>
    /// <param name="sourceName">The name errors report; the decompressed ELF is <c>sourceName!vmlinux</c>.</param>
    /// <returns>The exports sorted by symbol (ordinal), each with module <c>vmlinux</c>.</returns>
    /// <exception cref="ModuleFormatException">
    /// The image is not a kernel, has no <c>__ksymtab</c> (not a kernel, or section headers stripped), its payload
    /// is compressed with an unsupported format (bzip2, lzma, lzo) or cannot be decompressed, or it is malformed.
    /// </exception>
    public static IReadOnlyList<KernelExport> ReadExports(ReadOnlySpan<byte> image, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (ElfModuleReader.IsElf(image))
            return ReadElfExports(image, sourceName);
        var elf = ExtractElf(image, sourceName);
        return ReadElfExports(elf, sourceName + InnerSuffix);
    }

    /// <summary>
    /// The vmlinux ELF inside a bzImage or a compressed file, decompressed; possibly followed by relocation data.
    /// </summary>
    /// <exception cref="ModuleFormatException">Not a kernel image, or its payload cannot be decompressed.</exception>
    internal static byte[] ExtractElf(ReadOnlySpan<byte> image, string sourceName)
    {
        if (IsBzImage(image))
            return ExtractBzImagePayload(image, sourceName);
        var kind = Compression.Sniff(image);
        if (kind == CompressionKind.None)
        {
            if (image.Length >= KernelPayloadMagic.Arm64MagicOffset + KernelPayloadMagic.Arm64.Length
                && image[KernelPayloadMagic.Arm64MagicOffset..].StartsWith(KernelPayloadMagic.Arm64))
                throw new ModuleFormatException(sourceName, Messages.Arm64RawImage, KernelPayloadMagic.Arm64MagicOffset);
            throw new ModuleFormatException(sourceName, Messages.NotAKernelImage, 0);
        }
        var plain = Compression.DecompressAll(image, sourceName, MaxImageBytes);
        if (ElfModuleReader.IsElf(plain))
            return plain;
        if (plain.Length >= KernelPayloadMagic.Arm64MagicOffset + KernelPayloadMagic.Arm64.Length
            && plain.AsSpan(KernelPayloadMagic.Arm64MagicOffset).StartsWith(KernelPayloadMagic.Arm64))
            throw new ModuleFormatException(sourceName + InnerSuffix, Messages.Arm64RawImage, KernelPayloadMagic.Arm64MagicOffset);
        throw new ModuleFormatException(sourceName, Messages.CompressedKernelNotElf(Describe(kind)), 0);
    }

    private static byte[] ExtractBzImagePayload(ReadOnlySpan<byte> image, string sourceName)
    {
        if (image.Length < BzImageLayout.HeaderEnd)
            throw new ModuleFormatException(sourceName, Messages.BzImageTruncatedHeader(image.Length, BzImageLayout.HeaderEnd), image.Length);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(image[BzImageLayout.VersionOffset..]);
        if (version < BzImageLayout.PayloadFieldsVersion)
            throw new ModuleFormatException(sourceName, Messages.BzImageOldProtocol(version), BzImageLayout.VersionOffset);
        var payloadOffset = BinaryPrimitives.ReadUInt32LittleEndian(image[BzImageLayout.PayloadOffsetOffset..]);
        var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(image[BzImageLayout.PayloadLengthOffset..]);
        var start = BzImageLayout.ProtectedModeStart(image[BzImageLayout.SetupSectsOffset]) + payloadOffset;
        if (start + payloadLength > image.Length)
            throw new ModuleFormatException(sourceName, Messages.BzImagePayloadOutside(start, payloadLength, image.Length), BzImageLayout.PayloadOffsetOffset);
        if (payloadLength < BzImageLayout.SizeTrailerLength)
            throw new ModuleFormatException(sourceName, Messages.BzImagePayloadTooShort(payloadLength), BzImageLayout.PayloadLengthOffset);

        var payload = image.Slice((int)start, (int)payloadLength);
        if (ElfModuleReader.IsElf(payload))
            return payload.ToArray(); // CONFIG_KERNEL_UNCOMPRESSED
        var compressed = payload[..^BzImageLayout.SizeTrailerLength];
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(payload[^BzImageLayout.SizeTrailerLength..]);
        var kind = SniffPayload(compressed, sourceName, start);
        if (declared > MaxImageBytes)
            throw new ModuleFormatException(sourceName, Messages.KernelPayloadTooLarge(declared, MaxImageBytes), start + compressed.Length);

        byte[] elf;
        try
        {
            elf = DecompressExactly(compressed, kind, sourceName, declared, start + compressed.Length);
        }
        catch (ModuleFormatException e) when (e.SourcePath == sourceName && e.Offset is null)
        {
            // A decoder's own complaint (truncated, corrupt, library missing): say which payload it was about.
            throw new ModuleFormatException(sourceName, Messages.KernelPayloadUndecodable(Describe(kind), e.Reason), start, inner: e);
        }
        if (!ElfModuleReader.IsElf(elf))
            throw new ModuleFormatException(sourceName, Messages.KernelPayloadNotElf(Convert.ToHexString(elf.AsSpan(0, Math.Min(elf.Length, 4)))), start);
        return elf;
    }

    private static CompressionKind SniffPayload(ReadOnlySpan<byte> compressed, string sourceName, long start)
    {
        var kind = Compression.Sniff(compressed);
        if (kind == CompressionKind.Bzip2)
            throw new ModuleFormatException(sourceName, Messages.KernelPayloadUnsupported("bzip2"), start);
        if (kind != CompressionKind.None)
            return kind;
        if (compressed.StartsWith(KernelPayloadMagic.LzmaAlone))
            throw new ModuleFormatException(sourceName, Messages.KernelPayloadUnsupported("lzma"), start);
        if (compressed.StartsWith(KernelPayloadMagic.Lzop))
            throw new ModuleFormatException(sourceName, Messages.KernelPayloadUnsupported("lzo"), start);
        throw new ModuleFormatException(sourceName, Messages.KernelPayloadUnknown(Convert.ToHexString(compressed[..Math.Min(compressed.Length, 8)])), start);
    }

    /// <summary>
    /// Decodes into one array of the declared size, so a 70 MiB vmlinux costs one allocation and no copies; the
    /// first guess is bounded by the compressed size, so a lying trailer cannot make it allocate much.
    /// </summary>
    private static unsafe byte[] DecompressExactly(ReadOnlySpan<byte> compressed, CompressionKind kind, string sourceName, uint declared, long trailerOffset)
    {
        // Kernels compress about 8:1 with xz; 16:1 leaves room and still bounds what a bogus trailer can claim.
        const int GuessRatio = 16;
        const int GuessSlack = 1 << 16;
        var buffer = new byte[(int)Math.Min(declared, ((long)compressed.Length * GuessRatio) + GuessSlack)];
        var length = 0;
        fixed (byte* p = compressed)
        {
            using var input = new UnmanagedMemoryStream(p, compressed.Length);

            // One byte past the declared size is allowed through so that "more than declared" gets its own message.
            using var output = Compression.OpenDecompressing(input, kind, sourceName, (long)declared + 1);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length == declared)
                    {
                        Span<byte> probe = stackalloc byte[1];
                        if (output.Read(probe) != 0)
                            throw new ModuleFormatException(sourceName, Messages.KernelPayloadSizeMismatch("more than " + declared, declared), trailerOffset);
                        return buffer;
                    }
                    Array.Resize(ref buffer, (int)Math.Min((long)declared, (long)buffer.Length * 2));
                }
                var read = output.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                    break;
                length += read;
            }
        }
        throw new ModuleFormatException(sourceName, Messages.KernelPayloadSizeMismatch(length.ToString(CultureInfo.InvariantCulture), declared), trailerOffset);
    }

    private static string Describe(CompressionKind kind) => kind == CompressionKind.Lz4Legacy ? "lz4" : kind.ToString().ToLowerInvariant();
}

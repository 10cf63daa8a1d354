using System.Buffers.Binary;

namespace Kabigate.Tests.Support;

/// <summary>
/// Wraps a payload as an x86 bzImage: a boot sector and <c>setup_sects</c> setup sectors carrying the setup header
/// ("HdrS" at 0x202, payload_offset and payload_length at 0x248), then the protected-mode code (here filler), the
/// payload that mkpiggy places in it (compressed vmlinux, then the le32 uncompressed size), and a tail.
/// </summary>
internal static class BzImageBuilder
{
    public const int SetupSectsOffset = 0x1f1;
    public const int VersionOffset = 0x206;
    public const int PayloadOffsetOffset = 0x248;
    public const int PayloadLengthOffset = 0x24c;

    /// <summary>Where the payload starts inside the protected-mode code (the decompressor stub comes first).</summary>
    public const int StubLength = 0x2cc;

    /// <summary>Builds the image around <paramref name="compressed"/>, appending the size trailer <paramref name="declaredSize"/>.</summary>
    public static byte[] Build(byte[] compressed, uint declaredSize, byte setupSects = 3, ushort version = 0x020f)
    {
        var protectedStart = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        var payloadLength = compressed.Length + 4;
        var image = new byte[protectedStart + StubLength + payloadLength + 64];
        image[SetupSectsOffset] = setupSects;
        image[0x1fe] = 0x55;
        image[0x1ff] = 0xaa;
        "HdrS"u8.CopyTo(image.AsSpan(0x202));
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(VersionOffset), version);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(PayloadOffsetOffset), StubLength);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(PayloadLengthOffset), (uint)payloadLength);
        image.AsSpan(protectedStart, StubLength).Fill(0x90);
        compressed.CopyTo(image, protectedStart + StubLength);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(protectedStart + StubLength + compressed.Length), declaredSize);
        return image;
    }

    /// <summary>Compresses <paramref name="elf"/> as kbuild does for each CONFIG_KERNEL_* choice, with the real tool.</summary>
    public static byte[] Compress(string tool, byte[] elf) => tool switch
    {
        "gzip" => Tools.Compress("gzip", elf, "-n", "-9"),
        "xz" => Tools.Compress("xz", elf, "--check=crc32", "--x86", "--lzma2=,dict=1MiB"),
        "zstd" => Tools.Compress("zstd", elf, "-19", "-q"),
        "lz4" => Tools.Compress("lz4", elf, "-l", "-9", "-q"),
        "bzip2" => Tools.Compress("bzip2", elf, "-9"),
        "lzma" => Tools.Compress("lzma", elf, "-9"),
        _ => throw new ArgumentOutOfRangeException(nameof(tool), tool, null),
    };

    /// <summary>Compresses and wraps in one step.</summary>
    public static byte[] FromElf(string tool, byte[] elf, byte setupSects = 3) => Build(Compress(tool, elf), (uint)elf.Length, setupSects);
}

using Kabigate.Formats;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Compression;

/// <summary>The lz4 legacy frame (<c>lz4 -l</c>, the kernel's CONFIG_KERNEL_LZ4) through liblz4, against the real tool.</summary>
public class Lz4DecoderTests
{
    private const string Source = "payload.lz4";

    /// <summary>20 MiB, so three 8 MiB blocks, the last one short; text-like and random parts.</summary>
    private static readonly Lazy<byte[]> Large = new(() =>
    {
        var data = new byte[20 << 20];
        new Random(7).NextBytes(data.AsSpan(0, 3 << 20));
        for (var i = 3 << 20; i < data.Length; i++)
            data[i] = (byte)"symbol_name\tvmlinux\tEXPORT_SYMBOL_GPL\n"[i % 37];
        return data;
    });

    private static byte[] Lz4(byte[] data) => Tools.Compress("lz4", data, "-l", "-9", "-q");

    private static byte[] Decompress(byte[] compressed, long cap = long.MaxValue) =>
        Kabigate.Formats.Compression.DecompressAll(compressed, Source, cap);

    [ToolFact("lz4")]
    public void Sniff_RecognisesTheLegacyMagic()
    {
        Assert.Equal(CompressionKind.Lz4Legacy, Kabigate.Formats.Compression.Sniff(Lz4("x"u8.ToArray())));
        Assert.Equal(CompressionKind.None, Kabigate.Formats.Compression.Sniff([0x04, 0x22, 0x4d, 0x18])); // the modern frame
    }

    [ToolFact("lz4")]
    public void DecompressAll_ManyBlocks()
    {
        Assert.Equal(Large.Value, Decompress(Lz4(Large.Value)));
    }

    [ToolFact("lz4")]
    public void OpenDecompressing_SmallReadsFromASmallInput()
    {
        var sample = Large.Value[..(1 << 20)];
        using var stream = Kabigate.Formats.Compression.OpenDecompressing(new MemoryStream(Lz4(sample)), CompressionKind.Lz4Legacy, Source, long.MaxValue);
        var result = new MemoryStream();
        var buffer = new byte[1000];
        int read;
        while ((read = stream.Read(buffer)) > 0)
            result.Write(buffer, 0, read);
        Assert.Equal(sample, result.ToArray());
    }

    [ToolFact("lz4")]
    public void DecompressAll_ConcatenatedFramesAndEmptyInput()
    {
        Assert.Equal("headtail"u8.ToArray(), Decompress([.. Lz4("head"u8.ToArray()), .. Lz4("tail"u8.ToArray())]));
        Assert.Empty(Decompress(Lz4([])));
    }

    [ToolTheory("lz4")]
    [InlineData(0)]      // nothing at all
    [InlineData(2)]      // inside the magic
    [InlineData(6)]      // inside the first block size
    [InlineData(100)]    // inside the first block
    public void Malformed_TruncatedIsTruncation(int keep)
    {
        var cut = Lz4(Large.Value[..(1 << 20)])[..keep];
        using var stream = Kabigate.Formats.Compression.OpenDecompressing(new MemoryStream(cut), CompressionKind.Lz4Legacy, Source, long.MaxValue);
        var ex = Assert.Throws<ModuleFormatException>(() => stream.CopyTo(Stream.Null));
        Assert.Equal("lz4: unexpected end of compressed data (truncated?)", ex.Reason);
    }

    [Fact]
    public void Malformed_BlockSizeOutOfRange()
    {
        var ex = Assert.Throws<ModuleFormatException>(() => Decompress([0x02, 0x21, 0x4c, 0x18, 0xff, 0xff, 0xff, 0x7f, 0, 0]));
        Assert.Equal("lz4: block size 2147483647 is out of range (1..8421520)", ex.Reason);
    }

    [Fact]
    public void Malformed_CorruptBlock()
    {
        // A block whose first token promises more literals than the block holds.
        var ex = Assert.Throws<ModuleFormatException>(() => Decompress([0x02, 0x21, 0x4c, 0x18, 0x04, 0, 0, 0, 0xf0, 0xff, 0xff, 0xff]));
        Assert.StartsWith("lz4: corrupt block (4 bytes, LZ4_decompress_safe returned -", ex.Reason, StringComparison.Ordinal);
    }

    [ToolFact("lz4")]
    public void Malformed_TheCapApplies()
    {
        var sample = Large.Value[..(1 << 20)];
        var ex = Assert.Throws<ModuleFormatException>(() => Decompress(Lz4(sample), sample.Length - 1));
        Assert.Equal($"decompressed data exceeds {sample.Length - 1} bytes (decompression bomb?)", ex.Reason);
    }

    [Fact]
    public void MissingNativeLibrary_NamesThePackage()
    {
        var ex = Assert.Throws<ModuleFormatException>(() => Lz4Api.Load("libkabigate-absent.so.1", Source));
        Assert.Equal("lz4 decompression needs libkabigate-absent.so.1, which could not be loaded; install the 'liblz4-1' package", ex.Reason);
    }
}

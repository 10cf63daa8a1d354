using System.Globalization;
using System.Text;
using Kabigate.Formats;
using Kabigate.Tests.Support;
using Xunit;

namespace Kabigate.Tests.Formats.Compression;

public class CompressionTests
{
    private const string Source = "fixture.bin";

    /// <summary>Text-like and random bytes, 300 KB: several decoder calls and input refills.</summary>
    private static readonly byte[] Sample = MakeSample();

    private static byte[] MakeSample()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 5000; i++)
            text.Append(CultureInfo.InvariantCulture, $"0x{i * 2654435761u:x8}\tsymbol_{i}\tdrivers/foo/bar{i % 37}\tEXPORT_SYMBOL_GPL\t\n");
        var random = new byte[100_000];
        new Random(42).NextBytes(random);
        return [.. Encoding.ASCII.GetBytes(text.ToString()), .. random];
    }

    private static CompressionKind KindOf(string tool) => tool switch
    {
        "gzip" => CompressionKind.Gzip,
        "xz" => CompressionKind.Xz,
        "bzip2" => CompressionKind.Bzip2,
        _ => CompressionKind.Zstd,
    };

    [Theory]
    [InlineData(new byte[] { 0x1f, 0x8b, 0x08, 0x00 }, CompressionKind.Gzip)]
    [InlineData(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00 }, CompressionKind.Xz)]
    [InlineData(new byte[] { 0x28, 0xb5, 0x2f, 0xfd, 0x24 }, CompressionKind.Zstd)]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9' }, CompressionKind.Bzip2)]
    [InlineData(new byte[] { 0x02, 0x21, 0x4c, 0x18, 0x10 }, CompressionKind.Lz4Legacy)]
    [InlineData(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01 }, CompressionKind.None)]
    [InlineData(new byte[] { 0x1f }, CompressionKind.None)]
    [InlineData(new byte[] { (byte)'0', (byte)'x' }, CompressionKind.None)]
    [InlineData(new byte[0], CompressionKind.None)]
    public void Sniff_RecognisesMagic(byte[] head, CompressionKind expected) =>
        Assert.Equal(expected, Kabigate.Formats.Compression.Sniff(head));

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void DecompressAll_RoundTripsTheRealTool(string tool)
    {
        byte[] compressed = Tools.Compress(tool, Sample);
        Assert.Equal(KindOf(tool), Kabigate.Formats.Compression.Sniff(compressed));
        Assert.Equal(Sample, Kabigate.Formats.Compression.DecompressAll(compressed, Source, long.MaxValue));
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void DecompressAll_DecodesConcatenatedStreams(string tool)
    {
        byte[] first = Tools.Compress(tool, Sample);
        byte[] second = Tools.Compress(tool, "tail\n"u8.ToArray());
        Assert.Equal([.. Sample, .. "tail\n"u8], Kabigate.Formats.Compression.DecompressAll([.. first, .. second], Source, long.MaxValue));
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void DecompressAll_EmptyPayloadRoundTrips(string tool)
    {
        byte[] compressed = Tools.Compress(tool, []);
        Assert.Empty(Kabigate.Formats.Compression.DecompressAll(compressed, Source, 0));
    }

    [Fact]
    public void DecompressAll_UncompressedIsCopied()
    {
        byte[] data = "0x1\tx\tvmlinux\n"u8.ToArray();
        byte[] result = Kabigate.Formats.Compression.DecompressAll(data, Source, 1);
        Assert.Equal(data, result);
        Assert.NotSame(data, result);
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void OpenDecompressing_OneByteReadsFromATricklingStream(string tool)
    {
        byte[] compressed = Tools.Compress(tool, Sample[..20_000]);
        using var stream = Kabigate.Formats.Compression.OpenDecompressing(new TrickleStream(compressed), KindOf(tool), Source, long.MaxValue);
        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
        var output = new List<byte>();
        int b;
        while ((b = stream.ReadByte()) >= 0)
            output.Add((byte)b);
        Assert.Equal(Sample[..20_000], output);
        Assert.Equal(0, stream.Read(new byte[10]));
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.Write([1]));
    }

    [Fact]
    public void OpenDecompressing_NonePassesThroughUnderTheCap()
    {
        using var stream = Kabigate.Formats.Compression.OpenDecompressing(new MemoryStream(Sample), CompressionKind.None, Source, Sample.Length);
        var output = new MemoryStream();
        stream.CopyTo(output);
        Assert.Equal(Sample, output.ToArray());

        using var capped = Kabigate.Formats.Compression.OpenDecompressing(new MemoryStream(Sample), CompressionKind.None, Source, Sample.Length - 1);
        var ex = Assert.Throws<ModuleFormatException>(() => capped.CopyTo(Stream.Null));
        Assert.Equal($"decompressed data exceeds {Sample.Length - 1} bytes (decompression bomb?)", ex.Reason);
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void Malformed_TruncatedStreamThrows(string tool)
    {
        byte[] compressed = Tools.Compress(tool, Sample);
        foreach (int cut in new[] { compressed.Length - 1, compressed.Length - 4, compressed.Length - 8, compressed.Length / 2, 12, KindOf(tool) == CompressionKind.Gzip ? 2 : 6 })
        {
            var ex = Assert.Throws<ModuleFormatException>(() => Kabigate.Formats.Compression.DecompressAll(compressed.AsSpan(0, cut), Source, long.MaxValue));
            Assert.Equal(Source, ex.SourcePath);
            Assert.StartsWith(tool + ": ", ex.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void Malformed_TruncatedAtAFrameBoundaryIsNotTruncation(string tool)
    {
        // Two whole streams, cut after the first: that is a valid stream, not a truncated one.
        byte[] first = Tools.Compress(tool, Sample);
        Assert.Equal(Sample, Kabigate.Formats.Compression.DecompressAll(first, Source, long.MaxValue));
    }

    [Theory]
    [ToolRow("gzip", "gzip: unexpected end of compressed data (truncated?)")]
    [ToolRow("xz", "xz: unexpected end of compressed data (truncated?)")]
    [ToolRow("zstd", "zstd: unexpected end of compressed data (truncated?)")]
    [ToolRow("bzip2", "bzip2: unexpected end of compressed data (truncated?)")]
    public void Malformed_EmptyStreamIsTruncated(string tool, string message)
    {
        using var stream = Kabigate.Formats.Compression.OpenDecompressing(new MemoryStream(), KindOf(tool), Source, 100);
        var ex = Assert.Throws<ModuleFormatException>(() => stream.CopyTo(Stream.Null));
        Assert.Equal(message, ex.Reason);
        Assert.Equal($"{Source}: {message}", ex.Message);
    }

    [Theory]
    [ToolRow("gzip", "gzip: incorrect header check (Z_DATA_ERROR)")]
    [ToolRow("xz", "xz: file format not recognized (LZMA_FORMAT_ERROR)")]
    [ToolRow("zstd", "zstd: Unknown frame descriptor")]
    [ToolRow("bzip2", "bzip2: not bzip2 data (bad magic)")]
    public void Malformed_GarbageNamesTheCompressorError(string tool, string message)
    {
        byte[] garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0x55; // no magic, so the decoder itself must refuse it
        using var stream = Kabigate.Formats.Compression.OpenDecompressing(new MemoryStream(garbage), KindOf(tool), Source, long.MaxValue);
        var ex = Assert.Throws<ModuleFormatException>(() => stream.CopyTo(Stream.Null));
        Assert.Equal(message, ex.Reason);
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void Malformed_CorruptedPayloadThrows(string tool)
    {
        byte[] compressed = Tools.Compress(tool, Sample);
        compressed[compressed.Length / 2] ^= 0x5a;
        var ex = Assert.Throws<ModuleFormatException>(() => Kabigate.Formats.Compression.DecompressAll(compressed, Source, long.MaxValue));
        Assert.StartsWith(tool + ": ", ex.Reason, StringComparison.Ordinal);
    }

    [ToolFact("gzip")]
    public void Malformed_GzipTrailingGarbageThrowsButZeroPaddingIsAccepted()
    {
        byte[] compressed = Tools.Compress("gzip", Sample);
        Assert.Equal(Sample, Kabigate.Formats.Compression.DecompressAll([.. compressed, 0, 0, 0, 0], Source, long.MaxValue));
        var ex = Assert.Throws<ModuleFormatException>(() => Kabigate.Formats.Compression.DecompressAll([.. compressed, (byte)'x', (byte)'y'], Source, long.MaxValue));
        Assert.Equal("gzip: trailing garbage after compressed data", ex.Reason);
        ex = Assert.Throws<ModuleFormatException>(() => Kabigate.Formats.Compression.DecompressAll([.. compressed, 0, 0, 1], Source, long.MaxValue));
        Assert.Equal("gzip: trailing garbage after compressed data", ex.Reason);
    }

    [ToolFact("gzip")]
    public void Malformed_GzipBadCrcThrows()
    {
        byte[] compressed = Tools.Compress("gzip", Sample);
        compressed[^8] ^= 1; // CRC32 of the trailer
        var ex = Assert.Throws<ModuleFormatException>(() => Kabigate.Formats.Compression.DecompressAll(compressed, Source, long.MaxValue));
        Assert.Equal("gzip: incorrect data check (Z_DATA_ERROR)", ex.Reason);
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void Malformed_DecompressionBombHitsTheCap(string tool)
    {
        byte[] bomb = Tools.Compress(tool, new byte[100 * 1024 * 1024], "-1");
        var ex = Assert.Throws<ModuleFormatException>(() => Kabigate.Formats.Compression.DecompressAll(bomb, "bomb." + tool, 1024 * 1024));
        Assert.Equal($"bomb.{tool}: decompressed data exceeds 1048576 bytes (decompression bomb?)", ex.Message);
    }

    [Fact]
    public void OpenDecompressing_KeepsFailingPastTheCap()
    {
        using var stream = Kabigate.Formats.Compression.OpenDecompressing(new MemoryStream(Sample), CompressionKind.None, Source, 10);
        var buffer = new byte[100];
        Assert.Throws<ModuleFormatException>(() => stream.Read(buffer));
        Assert.Throws<ModuleFormatException>(() => stream.Read(buffer));
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("bzip2")]
    public void DecompressAll_ExactlyTheCapIsAllowed(string tool)
    {
        byte[] compressed = Tools.Compress(tool, Sample);
        Assert.Equal(Sample, Kabigate.Formats.Compression.DecompressAll(compressed, Source, Sample.Length));
        var ex = Assert.Throws<ModuleFormatException>(() => Kabigate.Formats.Compression.DecompressAll(compressed, Source, Sample.Length - 1));
        Assert.Equal($"decompressed data exceeds {Sample.Length - 1} bytes (decompression bomb?)", ex.Reason);
    }

    [ToolFact("bzip2")]
    public void Bzip2_CorruptBlockIsADataError()
    {
        byte[] compressed = Tools.Compress("bzip2", Sample);
        compressed[compressed.Length / 2] ^= 0xff;
        var ex = Assert.Throws<ModuleFormatException>(() => Kabigate.Formats.Compression.DecompressAll(compressed, "x.bz2", long.MaxValue));
        Assert.StartsWith("x.bz2: bzip2: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingNativeLibrary_NamesThePackage()
    {
        var ex = Assert.Throws<ModuleFormatException>(() => LzmaApi.Load("libkabigate-absent.so.5", Source));
        Assert.Equal("xz decompression needs libkabigate-absent.so.5, which could not be loaded; install the 'liblzma5' package", ex.Reason);
        ex = Assert.Throws<ModuleFormatException>(() => ZstdApi.Load("libkabigate-absent.so.1", Source));
        Assert.Equal("zstd decompression needs libkabigate-absent.so.1, which could not be loaded; install the 'libzstd1' package", ex.Reason);
        ex = Assert.Throws<ModuleFormatException>(() => ZlibApi.Load("libkabigate-absent.so.1", Source));
        Assert.Equal("gzip decompression needs libkabigate-absent.so.1, which could not be loaded; install the 'zlib1g' package", ex.Reason);
    }

    [Fact]
    public void MissingNativeFunction_NamesIt()
    {
        // libzstd is a real library without liblzma's functions.
        var ex = Assert.Throws<ModuleFormatException>(() => LzmaApi.Load(ZstdApi.Library, Source));
        Assert.Equal("libzstd.so.1 has no function 'lzma_stream_decoder' (library too old?)", ex.Reason);
    }

    [Fact]
    public unsafe void NativeStructs_MatchTheCHeaders()
    {
        // lzma/base.h (xz 5.4) and zlib.h on x86_64, checked with gcc's sizeof: 136 and 112.
        Assert.Equal(136, sizeof(LzmaStream));
        Assert.Equal(112, sizeof(ZStream));
        Assert.Equal(24, sizeof(ZstdBuffer));
        LzmaStream lzma = default;
        Assert.Equal(24, (byte*)&lzma.NextOut - (byte*)&lzma);
        Assert.Equal(56, (byte*)&lzma.Internal - (byte*)&lzma);
        Assert.Equal(96, (byte*)&lzma.SeekPos - (byte*)&lzma);
        Assert.Equal(128, (byte*)&lzma.ReservedEnum1 - (byte*)&lzma);
        ZStream zlib = default;
        Assert.Equal(16, (byte*)&zlib.TotalIn - (byte*)&zlib);
        Assert.Equal(48, (byte*)&zlib.Msg - (byte*)&zlib);
        Assert.Equal(88, (byte*)&zlib.DataType - (byte*)&zlib);
        Assert.Equal(96, (byte*)&zlib.Adler - (byte*)&zlib);
    }

    /// <summary>A non-seekable stream that returns one byte per read.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0 || _position == data.Length)
                return 0;
            buffer[offset] = data[_position++];
            return 1;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

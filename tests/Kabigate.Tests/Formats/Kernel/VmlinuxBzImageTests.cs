using System.Buffers.Binary;
using Kabigate.Formats;
using Kabigate.Formats.Kernel;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Kernel;

/// <summary>The bzImage side of <see cref="VmlinuxReader"/>: setup header, payload compressors, malformed wrappers.</summary>
public class VmlinuxBzImageTests
{
    private const string Source = "vmlinuz";

    private static readonly byte[] Elf = new VmlinuxBuilder
    {
        Exports = VmlinuxReaderTests.SampleExports,
        Trailer = [.. Enumerable.Range(0, 2048).Select(i => (byte)(i * 7))], // the relocations vmlinux.bin.all appends
    }.Build();

    private static readonly Lazy<byte[]> XzImage = new(() => BzImageBuilder.FromElf("xz", Elf));

    private static ModuleFormatException Fails(byte[] image) =>
        Assert.Throws<ModuleFormatException>(() => VmlinuxReader.ReadExports(image, Source));

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("lz4")]
    public void ReadExports_EachKernelCompressor(string tool)
    {
        var image = BzImageBuilder.FromElf(tool, Elf);

        Assert.True(VmlinuxReader.IsBzImage(image));
        Assert.Equal(VmlinuxReaderTests.Expected(), VmlinuxReader.ReadExports(image, Source));
    }

    [Theory]
    [InlineData(0)]   // "if this field is 0, the real value is 4"
    [InlineData(1)]
    [InlineData(39)]  // Debian 6.1 amd64
    public void ReadExports_SetupSectsLocateTheProtectedModeCode(byte setupSects)
    {
        var image = BzImageBuilder.FromElf("gzip", Elf, setupSects);

        Assert.Equal(VmlinuxReaderTests.Expected(), VmlinuxReader.ReadExports(image, Source));
    }

    [Fact]
    public void ExtractElf_IsTheWholeUncompressedPayload()
    {
        Assert.Equal(Elf, VmlinuxReader.ExtractElf(XzImage.Value, Source));
    }

    [Fact]
    public void ReadExports_UncompressedPayload()
    {
        // CONFIG_KERNEL_UNCOMPRESSED: the payload is vmlinux.bin itself.
        var image = BzImageBuilder.Build(Elf, (uint)Elf.Length);

        Assert.Equal(VmlinuxReaderTests.Expected(), VmlinuxReader.ReadExports(image, Source));
    }

    [Fact]
    public void ReadExports_FromAFile_DelegatesToTheSpanForm()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("vmlinuz-6.1.0-test");
        File.WriteAllBytes(path, XzImage.Value);

        Assert.Equal(VmlinuxReaderTests.Expected(), VmlinuxReader.ReadExports(path));
    }

    [Theory]
    [ToolRow("bzip2", "bzip2 compressed kernel payload is not supported (gzip, xz, zstd and lz4 are)")]
    [ToolRow("lzma", "lzma compressed kernel payload is not supported (gzip, xz, zstd and lz4 are)")]
    public void Unsupported_PayloadCompressorsAreNamed(string tool, string reason)
    {
        var ex = Fails(BzImageBuilder.FromElf(tool, Elf));

        Assert.Equal(reason, ex.Reason);
    }

    [Fact]
    public void Unsupported_Lzo()
    {
        // lzop is not installed here; its magic is what the reader checks.
        byte[] lzop = [0x89, (byte)'L', (byte)'Z', (byte)'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a, 0x10, 0x40, 0x20, 0x60];

        var ex = Fails(BzImageBuilder.Build(lzop, 1 << 20));

        Assert.Equal("lzo compressed kernel payload is not supported (gzip, xz, zstd and lz4 are)", ex.Reason);
    }

    [Fact]
    public void Malformed_BadHdrS_IsNotAKernelImage()
    {
        var image = (byte[])XzImage.Value.Clone();
        image[0x202] = (byte)'h';

        var ex = Fails(image);

        Assert.Equal("vmlinuz: not a kernel image: neither an x86 bzImage nor a vmlinux ELF, plain or compressed (at offset 0x0)", ex.Message);
    }

    [Fact]
    public void Malformed_TruncatedSetupHeader()
    {
        var ex = Fails(XzImage.Value[..0x230]);

        Assert.Equal("vmlinuz: truncated bzImage setup header (560 bytes, need 592) (at offset 0x230)", ex.Message);
    }

    [Fact]
    public void Malformed_ProtocolWithoutPayloadFields()
    {
        var image = (byte[])XzImage.Value.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(BzImageBuilder.VersionOffset), 0x0207);

        Assert.Equal("boot protocol 2.07 has no payload fields (they appeared in 2.08)", Fails(image).Reason);
    }

    [Fact]
    public void Malformed_PayloadOffsetOutsideTheFile()
    {
        var image = (byte[])XzImage.Value.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(BzImageBuilder.PayloadOffsetOffset), 0xfffffff0);

        var ex = Fails(image);

        var length = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(BzImageBuilder.PayloadLengthOffset));
        Assert.Equal($"bzImage payload ({length} bytes at 0x{(4 * 512) + 0xfffffff0L:x}) lies outside the file ({image.Length} bytes)", ex.Reason);
        Assert.Equal(BzImageBuilder.PayloadOffsetOffset, ex.Offset);
    }

    [Fact]
    public void Malformed_FileCutInsideThePayload()
    {
        var image = XzImage.Value[..(XzImage.Value.Length - 200)];

        var ex = Fails(image);

        Assert.StartsWith("bzImage payload (", ex.Reason, StringComparison.Ordinal);
        Assert.EndsWith($") lies outside the file ({image.Length} bytes)", ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    [ToolRow("lz4")]
    public void Malformed_TruncatedCompressedPayload(string tool)
    {
        // A consistent header around a payload that was cut short before mkpiggy saw it.
        var compressed = BzImageBuilder.Compress(tool, Elf);
        var image = BzImageBuilder.Build(compressed[..(compressed.Length / 2)], (uint)Elf.Length);

        var ex = Fails(image);

        var name = tool == "lz4" ? "lz4" : tool;
        Assert.Equal($"cannot decompress the {name} bzImage payload: {name}: unexpected end of compressed data (truncated?)", ex.Reason);
        Assert.IsType<ModuleFormatException>(ex.InnerException);
    }

    [ToolTheory("xz")]
    [InlineData(-1, "bzImage payload decompressed to more than {0} bytes, but its size trailer says {0}")]
    [InlineData(1, "bzImage payload decompressed to {1} bytes, but its size trailer says {0}")]
    public void Malformed_SizeTrailerDisagrees(int delta, string format)
    {
        var declared = (uint)(Elf.Length + delta);
        var image = BzImageBuilder.Build(BzImageBuilder.Compress("xz", Elf), declared);

        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, declared, Elf.Length), Fails(image).Reason);
    }

    [ToolFact("xz")]
    public void Malformed_HugeSizeTrailer_IsRefusedWithoutDecoding()
    {
        var image = BzImageBuilder.Build(BzImageBuilder.Compress("xz", Elf), 0xfffffff0);

        Assert.Equal($"bzImage payload declares 4294967280 uncompressed bytes, more than the limit of {InputLimits.MaxKernelImageBytes}", Fails(image).Reason);
    }

    [ToolFact("xz")]
    public void Malformed_LyingSizeTrailerWithATinyPayload_AllocatesLittle()
    {
        // 150 MiB declared, a few hundred bytes of payload: the guess is bounded by the compressed size.
        var compressed = BzImageBuilder.Compress("xz", Elf[..256]);
        var image = BzImageBuilder.Build(compressed, 150u << 20);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var ex = Fails(image);

        Assert.Equal($"bzImage payload decompressed to 256 bytes, but its size trailer says {150u << 20}", ex.Reason);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "allocated more than 16 MiB");
    }

    [Fact]
    public void Malformed_PayloadWithUnknownMagic()
    {
        var ex = Fails(BzImageBuilder.Build([1, 2, 3, 4, 5, 6, 7, 8, 9], 1000));

        Assert.Equal("bzImage payload has no known compression magic ('0102030405060708')", ex.Reason);
    }

    [ToolFact("gzip")]
    public void Malformed_PayloadThatIsNotElf()
    {
        var text = "not a kernel at all\n"u8.ToArray();
        var ex = Fails(BzImageBuilder.Build(Tools.Compress("gzip", text), (uint)text.Length));

        Assert.Equal("the bzImage payload is not a vmlinux ELF (magic '6E6F7420')", ex.Reason);
    }

    [Fact]
    public void Malformed_PayloadElfErrorsNameTheInnerFile()
    {
        // The ELF inside names no __ksymtab: the message says which file, and that it is the payload.
        var elf = (byte[])Elf.Clone();
        VmlinuxReaderTests.Rename(elf, "__ksymtab\0", "__ksymtaX\0");
        VmlinuxReaderTests.Rename(elf, "__ksymtab_gpl\0", "__ksymtaX_gpl\0");

        var ex = Fails(BzImageBuilder.FromElf("gzip", elf));

        Assert.Equal("vmlinuz!vmlinux: no '__ksymtab' section: not a kernel image, or one whose section headers were stripped", ex.Message);
    }
}

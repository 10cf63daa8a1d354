using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Kernel;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Kernel;

/// <summary>The vmlinux ELF side of <see cref="VmlinuxReader"/>: struct kernel_symbol layouts, CRCs, kinds, namespaces.</summary>
public class VmlinuxReaderTests
{
    private const string Source = "vmlinux";

    internal static readonly List<(string Name, uint Crc, bool Gpl, string? Namespace)> SampleExports =
    [
        ("printk", 0x92997ed8, false, null),
        ("kmalloc_caches", 0x1b3f0c70, false, null),
        ("cxl_region_probe", 0x84b45156, true, "CXL"),
        ("usb_register_driver", 0x43a1b5c7, true, null),
        ("dma_buf_get", 0x0a0b0c0d, false, "DMA_BUF"),
        ("zz_last", 0xffffffff, true, null),
    ];

    /// <summary>What <see cref="SampleExports"/> read back as, sorted by symbol.</summary>
    internal static KernelExport[] Expected(bool crcs = true) =>
    [
        .. SampleExports
            .Select(e => new KernelExport(e.Name, crcs ? e.Crc : null, "vmlinux", e.Gpl ? ExportKind.Gpl : ExportKind.Plain, e.Namespace))
            .OrderBy(e => e.Symbol, StringComparer.Ordinal),
    ];

    private static KernelExport[] Read(byte[] image, string source = Source) => [.. VmlinuxReader.ReadExports(image, source)];

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void ReadExports_Prel32_EveryClassAndByteOrder(bool is64, bool bigEndian)
    {
        var image = new VmlinuxBuilder { Is64 = is64, BigEndian = bigEndian, Machine = (ushort)(is64 ? 22 : 3), Exports = SampleExports }.Build();

        Assert.Equal(Expected(), Read(image));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void ReadExports_AbsolutePointers_EveryClassAndByteOrder(bool is64, bool bigEndian)
    {
        // ARM (40) and MIPS (8) have no PREL32: three pointer-sized fields.
        var image = new VmlinuxBuilder { Is64 = is64, BigEndian = bigEndian, Machine = (ushort)(bigEndian ? 8 : 40), Prel32 = false, Exports = SampleExports }.Build();

        Assert.Equal(Expected(), Read(image));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void ReadExports_LayoutIsFoundEvenWhenTheArchitectureSuggestsTheOther(bool prel32, bool is64)
    {
        // x86 without PREL32 (LTO_GCC), and an architecture the reader does not know to be PREL32.
        var image = new VmlinuxBuilder { Is64 = is64, Machine = (ushort)(prel32 ? 40 : 62), Prel32 = prel32, Exports = SampleExports }.Build();

        Assert.Equal(Expected(), Read(image));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void ReadExports_TwoFieldEntriesBefore54_HaveNoNamespace(bool prel32, bool withCrcs)
    {
        var image = new VmlinuxBuilder { Prel32 = prel32, NamespaceField = false, Crcs = withCrcs, Exports = SampleExports }.Build();

        Assert.Equal(Expected(withCrcs).Select(e => e with { Namespace = null }), Read(image));
    }

    [Fact]
    public void ReadExports_WithoutModversions_CrcIsNull()
    {
        var image = new VmlinuxBuilder { Crcs = false, Exports = SampleExports }.Build();

        Assert.Equal(Expected(crcs: false), Read(image));
    }

    [Fact]
    public void ReadExports_WideCrcsBefore410_LowHalfIsTheCrc()
    {
        var image = new VmlinuxBuilder { WideCrcs = true, Exports = SampleExports }.Build();

        Assert.Equal(Expected(), Read(image));
    }

    [Fact]
    public void ReadExports_ZeroNamespaceOffsetIsNoNamespace()
    {
        var image = new VmlinuxBuilder { ZeroForNoNamespace = true, Exports = SampleExports }.Build();

        Assert.Equal(Expected(), Read(image));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadExports_Kflagstab_GplFromTheFlagByte(bool bigEndian)
    {
        var builder = new VmlinuxBuilder { BigEndian = bigEndian, Machine = 183, Type = 3, Flagstab = true, Exports = SampleExports };

        Assert.Equal(Expected(), Read(builder.Build()));
    }

    [Fact]
    public void ReadExports_IgnoresTrailingRelocationData()
    {
        var image = new VmlinuxBuilder { Exports = SampleExports, Trailer = [.. Enumerable.Range(0, 4096).Select(i => (byte)i)] }.Build();

        Assert.Equal(Expected(), Read(image));
    }

    [Fact]
    public void ReadExports_NoExportsAtAll_IsAnEmptyList()
    {
        var image = new VmlinuxBuilder { Exports = [] }.Build();

        Assert.Empty(Read(image));
    }

    [Theory]
    [InlineData("xz")]
    [InlineData("zstd")]
    public void ReadExports_CompressedVmlinux_IsDecompressedFirst(string tool)
    {
        var compressed = BzImageBuilder.Compress(tool, new VmlinuxBuilder { Exports = SampleExports }.Build());

        Assert.Equal(Expected(), Read(compressed, "vmlinux.xz"));
    }

    [Fact]
    public void Malformed_NameOffsetOutsideEverySection()
    {
        var builder = new VmlinuxBuilder { Exports = SampleExports };
        var image = builder.Build();
        var at = builder.FieldOffset("__ksymtab_gpl", 1, 1);
        builder.Patch32(image, at, 0x7fff0000);

        var ex = Assert.Throws<ModuleFormatException>(() => Read(image));

        // Addresses are 0xffffffff81000000 + file offset in the builder; the offset wraps past 2^64.
        var target = unchecked(0xffffffff81000000UL + (ulong)at + 0x7fff0000UL);
        Assert.Equal($"vmlinux: name of entry 1 of '__ksymtab_gpl' points to 0x{target:x}, outside every section (at offset 0x{at:x})", ex.Message);
    }

    [Fact]
    public void Malformed_NamespaceRunsOffItsSection()
    {
        var builder = new VmlinuxBuilder { Exports = SampleExports };
        var image = builder.Build();

        // Point the namespace of the first entry at the last byte of __kcrctab_gpl, which is not NUL.
        var field = builder.FieldOffset("__ksymtab", 0, 2);
        var target = builder.SectionOffsets["__kcrctab_gpl"] + (3 * 4) - 1;
        builder.Patch32(image, field, (uint)(target - field));

        var ex = Assert.Throws<ModuleFormatException>(() => Read(image));

        Assert.Equal("namespace of entry 0 of '__ksymtab' runs off the end of section '__kcrctab_gpl' (not NUL-terminated)", ex.Reason);
    }

    [Fact]
    public void Malformed_NoKsymtab_SaysNotAKernelOrStripped()
    {
        var image = new VmlinuxBuilder { Exports = SampleExports }.Build();
        Rename(image, "__ksymtab\0", "__ksymtaX\0");
        Rename(image, "__ksymtab_gpl\0", "__ksymtaX_gpl\0");

        var ex = Assert.Throws<ModuleFormatException>(() => Read(image));

        Assert.Equal("vmlinux: no '__ksymtab' section: not a kernel image, or one whose section headers were stripped", ex.Message);
    }

    [Fact]
    public void Malformed_NoSectionHeaders()
    {
        var builder = new VmlinuxBuilder { Exports = SampleExports };
        var image = builder.Build();
        Array.Clear(image, builder.ShOffFieldOffset, 8);

        var ex = Assert.Throws<ModuleFormatException>(() => Read(image));

        Assert.Equal("vmlinux has no section headers (e_shoff is 0), so its exports cannot be located", ex.Reason);
    }

    [Fact]
    public void Malformed_AModuleIsNotAKernelImage()
    {
        var module = new ElfBuilder { Modinfo = [("license", "GPL")], Exports = [("x", 1, false, null)] }.Build();

        var ex = Assert.Throws<ModuleFormatException>(() => Read(module, "x.ko"));

        Assert.Equal("x.ko: a relocatable ELF object (a kernel module?), not a linked kernel image (at offset 0x10)", ex.Message);
    }

    [Fact]
    public void Malformed_KcrctabOfTheWrongSize()
    {
        // Two plain exports, three GPL ones; the GPL CRC array (12 bytes) is renamed to pose as the plain one.
        var image = new VmlinuxBuilder { Exports = [.. SampleExports.Where(e => !e.Gpl).Take(2), .. SampleExports.Where(e => e.Gpl)] }.Build();
        Rename(image, "__kcrctab\0", "__kcrctaX\0");
        Rename(image, "__kcrctab_gpl\0", "__kcrctab\0\0\0\0\0");

        var ex = Assert.Throws<ModuleFormatException>(() => Read(image));

        Assert.Equal("section '__kcrctab' holds 12 bytes, not one CRC for each of the 2 entries of '__ksymtab'", ex.Reason);
    }

    [Fact]
    public void Malformed_KsymtabWithoutContentsInTheFile()
    {
        // Found by the vmlinuz fuzz target: an SHT_NOBITS __ksymtab passes the section bounds check whatever size it
        // claims, and that size sized the result: OutOfMemoryException, or as here (2^31 entries, 24 GB)
        // ArgumentOutOfRangeException once the entry count passed int.
        var builder = new VmlinuxBuilder { Exports = SampleExports };
        var image = builder.Build();
        int header = SectionHeaderOf(image, builder.SectionOffsets["__ksymtab"]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(header + 4), 8); // sh_type = SHT_NOBITS
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(header + 32), 12UL << 31); // sh_size

        var ex = Assert.Throws<ModuleFormatException>(() => Read(image));

        Assert.StartsWith("section '__ksymtab' lies outside the file (25769803776 bytes at 0x", ex.Reason, StringComparison.Ordinal);
    }

    /// <summary>The file offset of the (ELF64, little-endian) section header whose data starts at <paramref name="dataOffset"/>.</summary>
    private static int SectionHeaderOf(byte[] image, int dataOffset)
    {
        var read = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian;
        int shoff = (int)read(image.AsSpan(40));
        int count = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(60));
        for (int i = 1; i < count; i++)
        {
            if (read(image.AsSpan(shoff + (i * 64) + 24)) == (ulong)dataOffset)
                return shoff + (i * 64);
        }

        throw new InvalidOperationException($"no section starts at 0x{dataOffset:x}");
    }

    [Fact]
    public void Malformed_KflagstabOfTheWrongSize()
    {
        var image = new VmlinuxBuilder { Flagstab = true, ExtraFlagBytes = 2, Exports = SampleExports }.Build();

        var ex = Assert.Throws<ModuleFormatException>(() => Read(image));

        Assert.Equal("section '__kflagstab' holds 8 bytes, not one flag byte for each of the 6 entries of '__ksymtab'", ex.Reason);
    }

    [Fact]
    public void Malformed_EmptyFile_IsNotAKernelImage()
    {
        var ex = Assert.Throws<ModuleFormatException>(() => Read([], "empty"));

        Assert.Equal("empty: not a kernel image: neither an x86 bzImage nor a vmlinux ELF, plain or compressed (at offset 0x0)", ex.Message);
    }

    [Fact]
    public void Malformed_Arm64Image_IsExplained()
    {
        var image = new byte[4096];
        "ARM\x64"u8.CopyTo(image.AsSpan(0x38));

        var ex = Assert.Throws<ModuleFormatException>(() => Read(image, "Image"));

        Assert.Equal("an arm64 'Image' is raw binary without section headers, so its exports cannot be located; read the vmlinux ELF or the kernel's Module.symvers", ex.Reason);
    }

    /// <summary>Renames a section in place through its .shstrtab entry (same length).</summary>
    internal static void Rename(byte[] image, string name, string replacement)
    {
        var from = System.Text.Encoding.ASCII.GetBytes(name);
        var to = System.Text.Encoding.ASCII.GetBytes(replacement);
        Assert.Equal(from.Length, to.Length);
        var at = image.AsSpan().LastIndexOf(from);
        Assert.True(at >= 0, $"no '{name}' in the image");
        to.CopyTo(image, at);
    }
}

using System.Buffers.Binary;
using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Elf;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats;

public class ElfModuleReaderTests
{
    private static ElfBuilder Sample(bool is64, bool bigEndian) => new()
    {
        Is64 = is64,
        BigEndian = bigEndian,
        Machine = (ushort)(is64 ? 21 : 20),
        Modinfo = [("license", "GPL"), ("vermagic", "6.1.0-47-amd64 SMP preempt mod_unload modversions "), ("import_ns", "NS_A"), ("import_ns", "NS_B"), ("name", "odd-module"), ("depends", "dep-one,dep_two")],
        Versions = [("module_layout", 0x160c03af), ("_printk", 0x92997ed8), ("msleep", 0xf9a482f9)],
        Undefined = [("_printk", false), ("msleep", false), ("maybe_there", true)],
        Exports = [("odd_plain", 0x11111111, false, null), ("odd_gpl", 0x22222222, true, "ODD_NS")],
        Signed = true,
    };

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void Read_AllClassesAndByteOrders_ReadsEverySection(bool is64, bool bigEndian)
    {
        var module = ElfModuleReader.Read(Sample(is64, bigEndian).Build(), "odd.ko");

        Assert.Equal(new ElfIdentity(is64, bigEndian, (ushort)(is64 ? 21 : 20)), module.Elf);
        Assert.Equal("odd_module", module.Name);
        Assert.Equal("GPL", module.License);
        Assert.Equal(["NS_A", "NS_B"], module.ImportedNamespaces);
        Assert.Equal(["dep_one", "dep_two"], module.Depends);
        Assert.Equal(ModversionTables.Basic, module.VersionTables);
        Assert.Equal([new SymbolVersion("module_layout", 0x160c03af), new SymbolVersion("_printk", 0x92997ed8), new SymbolVersion("msleep", 0xf9a482f9)], module.BasicVersions.ToArray());
        Assert.Equal([new ModuleImport("_printk", false), new ModuleImport("msleep", false), new ModuleImport("maybe_there", true)], module.Imports.ToArray());
        Assert.Equal([new ModuleExport("odd_gpl", 0x22222222, ExportKind.Gpl, "ODD_NS"), new ModuleExport("odd_plain", 0x11111111, ExportKind.Plain, null)], module.Exports.ToArray());
        Assert.True(module.Signed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_ModernExports_NamespaceFromRelocation_GplFromFlagstab(bool bigEndian)
    {
        var image = new ElfBuilder
        {
            BigEndian = bigEndian,
            Modinfo = [("license", "GPL")],
            Undefined = [("_printk", false)],
            Exports = [("new_plain", 0x0a0b0c0d, false, null), ("new_gpl_ns", 0x01020304, true, "NEW_NS"), ("new_plain_ns", 0x05060708, false, "OTHER_NS")],
            ModernExports = true,
        }.Build();

        var module = ElfModuleReader.Read(image, "modern.ko");

        Assert.Equal(
            [new ModuleExport("new_gpl_ns", 0x01020304, ExportKind.Gpl, "NEW_NS"), new ModuleExport("new_plain", 0x0a0b0c0d, ExportKind.Plain, null), new ModuleExport("new_plain_ns", 0x05060708, ExportKind.Plain, "OTHER_NS")],
            module.Exports.ToArray());
    }

    [Fact]
    public void Read_ExtendedModversions_ReadsLongNames()
    {
        var longName = "_RNvNtCs1234_kernel_with_a_rust_symbol_name_longer_than_fifty_five_characters";
        var image = new ElfBuilder
        {
            Modinfo = [("license", "GPL")],
            ExtendedVersions = [("_printk", 0x92997ed8), (longName, 0xdeadbeef)],
            Undefined = [("_printk", false), (longName, false)],
        }.Build();

        var module = ElfModuleReader.Read(image, "rust.ko");

        Assert.Equal(ModversionTables.Extended, module.VersionTables);
        Assert.False(module.HasBasicVersions);
        Assert.True(module.TryGetVersion(longName, out var crc));
        Assert.Equal(0xdeadbeefu, crc);
    }

    [Fact]
    public void Read_NoVersionsNoExports_IsAbsentNotMalformed()
    {
        var module = ElfModuleReader.Read(new ElfBuilder { Undefined = [("_printk", false)] }.Build(), "bare.ko");

        Assert.Equal(ModversionTables.None, module.VersionTables);
        Assert.Empty(module.Exports);
        Assert.Empty(module.Modinfo);
        Assert.Null(module.Vermagic);
        Assert.Equal("bare", module.Name);
        Assert.False(module.Signed);
    }

    [Fact]
    public void Malformed_NotElf()
    {
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read("hello world, not an ELF"u8.ToArray(), "x.ko"));
        Assert.Equal("x.ko: not an ELF file (bad magic) (at offset 0x0)", e.Message);
    }

    [Fact]
    public void Malformed_TruncatedHeader()
    {
        var image = new ElfBuilder().Build()[..40];
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(image, "t.ko"));
        Assert.Equal("t.ko: truncated ELF header (40 bytes, need 64) (at offset 0x28)", e.Message);
    }

    [Fact]
    public void Malformed_SectionTableOutsideFile()
    {
        var builder = new ElfBuilder { Undefined = [("a", false)] };
        var image = builder.Build();
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(builder.ShOffFieldOffset), 0xffff_ffff_ffff_fff0);
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(image, "s.ko"));
        Assert.StartsWith("s.ko: section header lies outside the file", e.Message);
    }

    [Fact]
    public void Malformed_HostileSectionCount_NoHugeAllocation()
    {
        var image = new ElfBuilder().Build();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(60), 0xfff0);
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(image, "h.ko"));
        Assert.StartsWith("h.ko: section header table lies outside the file", e.Message);
    }

    [Fact]
    public void Malformed_TruncatedFile_SectionOutsideFile()
    {
        var image = Sample(true, false).Build();
        var truncated = image[..(image.Length / 2)];
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(truncated, "half.ko"));
        Assert.Contains("lies outside the file", e.Message);
    }

    [Fact]
    public void Malformed_VersionsNotMultipleOf64()
    {
        var image = new ElfBuilder { Versions = [("a", 1)] }.Build();
        PatchSectionSize(image, "__versions", 63);
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(image, "v.ko"));
        Assert.StartsWith("v.ko: section '__versions' size 63 is not a multiple of 64", e.Message);
    }

    [Fact]
    public void Malformed_VersionNameNotTerminated()
    {
        var image = new ElfBuilder { Versions = [(new string('x', 56), 1)] }.Build();
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(image, "n.ko"));
        Assert.StartsWith("n.ko: __versions entry name is not NUL-terminated", e.Message);
    }

    [Fact]
    public void Malformed_ModinfoNotTerminated()
    {
        var image = new ElfBuilder { Modinfo = [("license", "GPL")] }.Build();
        PatchSectionSize(image, ".modinfo", (ulong)"license=GPL".Length);
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(image, "m.ko"));
        Assert.StartsWith("m.ko: section '.modinfo' is not NUL-terminated", e.Message);
    }

    [Fact]
    public void Malformed_ExtendedCrcsWithoutNames()
    {
        var image = new ElfBuilder { ExtendedVersions = [("a", 1)] }.Build();
        RenameSection(image, "__version_ext_names", "__version_ext_nameX");
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(image, "e.ko"));
        Assert.Equal("e.ko: section '__version_ext_crcs' without '__version_ext_names': extended version crc+name presence does not match (the loader refuses it, -ENOEXEC)", e.Message);
    }

    [Fact]
    public void Malformed_StrippedModule()
    {
        var image = new ElfBuilder().Build();
        RenameSectionType(image, ".symtab", 1);
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(image, "stripped.ko"));
        Assert.Equal("stripped.ko: module has no symbols (stripped?)", e.Message);
    }

    /// <summary>Finds a 64-bit LSB section header by name and rewrites its size.</summary>
    internal static void PatchSectionSize(byte[] image, string name, ulong size) =>
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(SectionHeader(image, name) + 32), size);

    private static void RenameSectionType(byte[] image, string name, uint type) =>
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(SectionHeader(image, name) + 4), type);

    private static void RenameSection(byte[] image, string name, string replacement)
    {
        var at = image.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(name + "\0"));
        System.Text.Encoding.ASCII.GetBytes(replacement).CopyTo(image, at);
    }

    internal static int SectionHeader(byte[] image, string name)
    {
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40));
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(60));
        var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(62));
        var strOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(shoff + (shstrndx * 64) + 24));
        for (var i = 0; i < shnum; i++)
        {
            var nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(shoff + (i * 64)));
            var start = strOffset + nameOffset;
            var end = Array.IndexOf(image, (byte)0, start);
            if (System.Text.Encoding.ASCII.GetString(image, start, end - start) == name)
                return shoff + (i * 64);
        }
        throw new InvalidOperationException($"no section {name}");
    }
}

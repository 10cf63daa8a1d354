using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Kabigate.Tests.Formats;

public class SymversReaderTests(ITestOutputHelper output)
{
    private const string Source = "Module.symvers";

    private static IReadOnlyList<KernelExport> Parse(string text) => SymversReader.Read(Encoding.UTF8.GetBytes(text), Source);

    [Fact]
    public void Read_FiveFieldsNamespaceLast()
    {
        var rows = Parse("0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n0xec3adc8b\tcrypto_cipher_setkey\tvmlinux\tEXPORT_SYMBOL_GPL\tCRYPTO_INTERNAL\n");
        Assert.Equal(
            [
                new KernelExport("_printk", 0x92997ed8, "vmlinux", ExportKind.Plain, null),
                new KernelExport("crypto_cipher_setkey", 0xec3adc8b, "vmlinux", ExportKind.Gpl, "CRYPTO_INTERNAL"),
            ],
            rows);
    }

    [Fact]
    public void Read_FiveFieldsNamespaceThird_Linux54()
    {
        var rows = Parse("0x12345678\tusb_stor_probe1\tUSB_STORAGE\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\n0x0000abcd\tprintk\t\tvmlinux\tEXPORT_SYMBOL\n");
        Assert.Equal(
            [
                new KernelExport("usb_stor_probe1", 0x12345678, "drivers/usb/storage/usb-storage", ExportKind.Gpl, "USB_STORAGE"),
                new KernelExport("printk", 0xabcd, "vmlinux", ExportKind.Plain, null),
            ],
            rows);
    }

    [Fact]
    public void Read_FourAndThreeFields()
    {
        var rows = Parse("0xc5850110\tprintk\tvmlinux\tEXPORT_SYMBOL\n0x1\told\tvmlinux\n0x2\tf\tkernel/foo\tEXPORT_SYMBOL_GPL_FUTURE\n0x3\tu\tvmlinux\tEXPORT_UNUSED_SYMBOL\n0x4\tug\tvmlinux\tEXPORT_UNUSED_SYMBOL_GPL\n");
        Assert.Equal(
            [
                new KernelExport("printk", 0xc5850110, "vmlinux", ExportKind.Plain, null),
                new KernelExport("old", 1, "vmlinux", ExportKind.Plain, null),
                new KernelExport("f", 2, "kernel/foo", ExportKind.GplFuture, null),
                new KernelExport("u", 3, "vmlinux", ExportKind.Unused, null),
                new KernelExport("ug", 4, "vmlinux", ExportKind.UnusedGpl, null),
            ],
            rows);
    }

    [Fact]
    public void Read_ZeroCrcIsNoCrc()
    {
        var row = Assert.Single(Parse("0x00000000\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n"));
        Assert.Null(row.Crc);
    }

    [Theory]
    [InlineData("0x0000000012345678", 0x12345678u)]
    [InlineData("0XFFFFFFFF", 0xffffffffu)]
    [InlineData("0xabc", 0xabcu)]
    public void Read_CrcSpellings(string crc, uint expected) =>
        Assert.Equal(expected, Assert.Single(Parse($"{crc}\tfoo\tvmlinux\tEXPORT_SYMBOL\n")).Crc);

    [Fact]
    public void Read_SkipsBlankLinesAndAcceptsCrlfAndNoFinalNewline()
    {
        var rows = Parse("\n0x1\ta\tvmlinux\tEXPORT_SYMBOL\r\n \t\n\n0x2\tb\tm/x\tEXPORT_SYMBOL_GPL");
        Assert.Equal(["a", "b"], rows.Select(r => r.Symbol));
        Assert.Equal("m/x", rows[1].Module);
    }

    [Fact]
    public void Read_SpaceSeparatedLineIsAccepted()
    {
        var row = Assert.Single(Parse("0x1  a vmlinux   EXPORT_SYMBOL_GPL \n"));
        Assert.Equal(new KernelExport("a", 1, "vmlinux", ExportKind.Gpl, null), row);
    }

    [Fact]
    public void Read_SharesModuleAndNamespaceStrings()
    {
        var rows = Parse("0x1\ta\tfs/foo\tEXPORT_SYMBOL\tNS\n0x2\tb\tfs/foo\tEXPORT_SYMBOL\tNS\n");
        Assert.Same(rows[0].Module, rows[1].Module);
        Assert.Same(rows[0].Namespace, rows[1].Namespace);
    }

    [Fact]
    public void Read_Empty() => Assert.Empty(Parse(""));

    [Theory]
    [InlineData("0xzz\tfoo\tvmlinux\tEXPORT_SYMBOL", "Invalid symbol version '0xzz'")]
    [InlineData("12345678\tfoo\tvmlinux\tEXPORT_SYMBOL", "Invalid symbol version '12345678'")]
    [InlineData("0x\tfoo\tvmlinux\tEXPORT_SYMBOL", "Invalid symbol version '0x'")]
    [InlineData("0x100000000\tfoo\tvmlinux\tEXPORT_SYMBOL", "Invalid symbol version '0x100000000'")]
    [InlineData("0x00000000000000001\tfoo\tvmlinux\tEXPORT_SYMBOL", "Invalid symbol version '0x00000000000000001'")]
    [InlineData("0x-1\tfoo\tvmlinux\tEXPORT_SYMBOL", "Invalid symbol version '0x-1'")]
    [InlineData("0x1\tfoo\tvmlinux\tEXPORT_SYMBOL_GPLX", "unknown export type 'EXPORT_SYMBOL_GPLX'")]
    [InlineData("0x1\tfoo\tvmlinux\tEXPORT_SYMBOL_GPL_FOR_MODULES\t", "unknown export type 'EXPORT_SYMBOL_GPL_FOR_MODULES'")]
    [InlineData("0x1\tfoo\tNS\tvmlinux\tEXPORT_SYMBOLS", "unknown export type 'vmlinux'")]
    [InlineData("0x1\tfoo", "expected 3 to 5 fields, found 2")]
    [InlineData("garbage", "expected 3 to 5 fields, found 1")]
    [InlineData("0x1\tfoo\tvmlinux\tEXPORT_SYMBOL\t\t", "expected 3 to 5 fields, found 6")]
    [InlineData("0x1\t\tvmlinux\tEXPORT_SYMBOL", "empty symbol name")]
    [InlineData("0x1\tfoo\t\tEXPORT_SYMBOL", "empty module name")]
    public void Malformed_RowThrowsWithLine(string row, string reason)
    {
        var ex = Assert.Throws<ModuleFormatException>(() => Parse($"0x1\tok\tvmlinux\tEXPORT_SYMBOL\t\n\n{row}\n"));
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(3, ex.Line);
        Assert.Equal(Source, ex.SourcePath);
        Assert.Equal($"{Source}:3: {reason} | {row}", ex.Message);
    }

    [Theory]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    public void Read_CompressedFixture(string tool)
    {
        byte[] compressed = Tools.Compress(tool, "0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n"u8.ToArray());
        Assert.Equal("a", Assert.Single(SymversReader.Read(compressed, "symvers.gz")).Symbol);
    }

    [ToolFact("gzip")]
    public void Malformed_TruncatedCompressedFixtureThrows()
    {
        byte[] compressed = Tools.Compress("gzip", "0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n"u8.ToArray());
        var ex = Assert.Throws<ModuleFormatException>(() => SymversReader.Read(compressed.AsSpan(0, compressed.Length - 3), "symvers.gz"));
        Assert.Equal("symvers.gz: gzip: unexpected end of compressed data (truncated?)", ex.Message);
    }

    [RealFileFact(Support.RealData.DebianSymvers)]
    [Trait("Category", "RealData")]
    public void RealData_DebianSymversMatchesAnIndependentParse()
    {
        byte[] data = File.ReadAllBytes(Support.RealData.DebianSymvers);
        var rows = SymversReader.Read(data, Support.RealData.DebianSymvers);

        // The independent parse: string.Split on tabs, as awk -F'\t' would.
        string[] lines = File.ReadAllLines(Support.RealData.DebianSymvers).Where(l => l.Length > 0).ToArray();
        Assert.Equal(lines.Length, rows.Count);
        Assert.True(rows.Count > 20_000);
        for (int i = 0; i < lines.Length; i++)
        {
            string[] f = lines[i].Split('\t');
            Assert.Equal(5, f.Length);
            uint crc = uint.Parse(f[0].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var expected = new KernelExport(f[1], crc == 0 ? null : crc, f[2], ParseKind(f[3]), f[4].Length == 0 ? null : f[4]);
            Assert.Equal(expected, rows[i]);
        }

        Assert.Contains(new KernelExport("_printk", 0x92997ed8, "vmlinux", ExportKind.Plain, null), rows);
        Assert.Contains(new KernelExport("crypto_cipher_setkey", 0xec3adc8b, "vmlinux", ExportKind.Gpl, "CRYPTO_INTERNAL"), rows);
        int distinctModules = rows.Select(r => r.Module).Distinct().Count();
        int distinctModuleObjects = rows.Select(r => r.Module).Distinct(ReferenceEqualityComparer.Instance).Count();
        Assert.Equal(distinctModules, distinctModuleObjects);
    }

    [RealFileFact(Support.RealData.DebianSymvers)]
    [Trait("Category", "RealData")]
    public void RealData_ParseIsFast()
    {
        byte[] data = File.ReadAllBytes(Support.RealData.DebianSymvers);
        for (int i = 0; i < 5; i++)
            SymversReader.Read(data, Support.RealData.DebianSymvers);
        const int Runs = 20;
        var times = new List<double>();
        for (int i = 0; i < Runs; i++)
        {
            var watch = Stopwatch.StartNew();
            SymversReader.Read(data, Support.RealData.DebianSymvers);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        double median = times[Runs / 2];
        output.WriteLine($"parse of {data.Length} bytes: median {median:F2} ms, best {times[0]:F2} ms");
        // A loose bound (Debug build, shared machine): it catches a quadratic slip, not a few milliseconds.
        Assert.True(median < 250, $"median parse {median:F2} ms");
    }

    [RealFileTheory(Support.RealData.DebianSymvers)]
    [Trait("Category", "RealData")]
    [ToolRow("gzip")]
    [ToolRow("xz")]
    [ToolRow("zstd")]
    public void RealData_CompressedDebianSymversMatchesPlain(string tool)
    {
        byte[] data = File.ReadAllBytes(Support.RealData.DebianSymvers);
        byte[] compressed = Tools.Compress(tool, data);
        using var temp = new TempDirectory();
        string path = temp.Combine("symvers-6.1.0-47-amd64." + tool);
        File.WriteAllBytes(path, compressed);
        Assert.Equal(SymversReader.Read(data, "plain"), SymversReader.Read(path));
    }

    private static ExportKind ParseKind(string text) =>
        ExportKinds.TryParse(text, out var kind) ? kind : throw new InvalidDataException(text);
}

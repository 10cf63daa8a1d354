using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Rpm;
using Kabigate.Tests.Formats.Deb;
using Kabigate.Tests.Support;
using static Kabigate.Tests.Formats.Rpm.RpmBytes;

namespace Kabigate.Tests.Formats.Rpm;

/// <summary>Every guard of the payload and cpio reading, on packages built byte by byte.</summary>
public class RpmPayloadMalformedTests
{
    private const string Source = "raw.rpm";

    /// <summary>Where the payload starts in a package with the given payload compressor tag.</summary>
    private static int PayloadStart(string? compressor = null) => Package([], MainTags(compressor)).Length;

    private static string At(long offset) => $" (at offset 0x{offset:x})";

    private static List<RpmEntry> ReadAll(byte[] rpm, RpmPayloadSummary? summary = null, bool seekable = true, long max = 1 << 20)
    {
        Stream stream = seekable ? new MemoryStream(rpm) : new NonSeekableStream(new MemoryStream(rpm));
        return [.. RpmReader.ReadPayloadEntries(stream, Source, _ => true, max, summary)];
    }

    private static ModuleFormatException Fails(byte[] rpm, long max = 1 << 20) =>
        Assert.Throws<ModuleFormatException>(() => ReadAll(rpm, max: max));

    private static byte[] Random(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void Uncompressed_NoCompressorTag()
    {
        byte[] cpio = Cpio([new CpioFile("./usr/a", "a"u8.ToArray()), new CpioFile("./usr", [], Mode: 0x41ed), new CpioFile("./usr/l", "a"u8.ToArray(), Mode: 0xa1ff), new CpioFile("./usr/bb", "bbbbb"u8.ToArray())]);
        var summary = new RpmPayloadSummary();
        var entries = ReadAll(Package(cpio), summary, seekable: false);
        Assert.Equal(["usr/a", "usr/bb"], entries.Select(e => e.Path));
        Assert.Equal("bbbbb"u8.ToArray(), entries[1].Data);
        Assert.Equal((4, 2, 2, 0), (summary.Entries, summary.RegularFiles, summary.Yielded, summary.UnsafeEntries));
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("xz", "xz")]
    [InlineData("zstd", "zstd")]
    [InlineData(null, "gzip")] // no tag: rpm reads gzip (and zlib passes plain data through)
    public void Compressed_ByTheRealTools(string? compressor, string tool)
    {
        byte[] cpio = Cpio([new CpioFile("./lib/x.ko", Random(100_003, 1))]);
        byte[] rpm = Package(Tools.Compress(tool, cpio), MainTags(compressor));
        Assert.Equal(Random(100_003, 1), Assert.Single(ReadAll(rpm, seekable: false)).Data);
    }

    [Fact]
    public void UnsafeNames_NeverYielded_NothingWritten()
    {
        string id = Guid.NewGuid().ToString("N");
        string[] unsafeNames = [$"./../../kabigate-escape-{id}", $"/tmp/kabigate-escape-{id}", $".//tmp/kabigate-escape2-{id}", $"./usr/../../kabigate-escape3-{id}", "./..", "../x"];
        var files = unsafeNames.Select(n => new CpioFile(n, "evil"u8.ToArray())).Prepend(new CpioFile("./ok", "ok"u8.ToArray())).Append(new CpioFile("./usr/..d/fine", "d"u8.ToArray()));
        var summary = new RpmPayloadSummary();

        var entries = ReadAll(Package(Cpio(files)), summary);

        Assert.Equal(["ok", "usr/..d/fine"], entries.Select(e => e.Path));
        Assert.Equal(unsafeNames.Length, summary.UnsafeEntries);
        Assert.Equal(unsafeNames, summary.UnsafePaths);
        Assert.False(File.Exists(Path.GetFullPath($"../../kabigate-escape-{id}")));
        Assert.False(File.Exists($"/tmp/kabigate-escape-{id}"));
        Assert.False(File.Exists($"/tmp/kabigate-escape2-{id}"));
    }

    [Fact]
    public void UnsafeNames_KeptUpToALimit()
    {
        var files = Enumerable.Range(0, 150).Select(i => new CpioFile($"../{i}", []));
        var summary = new RpmPayloadSummary();
        Assert.Empty(ReadAll(Package(Cpio(files)), summary));
        Assert.Equal(150, summary.UnsafeEntries);
        Assert.Equal(RpmPayloadSummary.MaxUnsafePathsKept, summary.UnsafePaths.Count);
    }

    [Theory]
    [InlineData("./lib/x.ko", "lib/x.ko")]
    [InlineData("././lib/x.ko", "lib/x.ko")]
    [InlineData("lib/x.ko", "lib/x.ko")]
    [InlineData("./lib/..x/y", "lib/..x/y")]
    [InlineData("./lib/x..", "lib/x..")]
    [InlineData(".", null)]
    [InlineData("./", null)]
    public void NormalizePath_SafeNames(string name, string? expected) =>
        Assert.Equal((expected, true), RpmReader.NormalizePath(name));

    [Theory]
    [InlineData("/etc/x")]
    [InlineData(".//etc/x")]
    [InlineData("../x")]
    [InlineData("./a/../../x")]
    [InlineData("./a/..")]
    public void NormalizePath_UnsafeNames(string name) =>
        Assert.Equal(((string?)null, false), RpmReader.NormalizePath(name));

    [Fact]
    public void HardLinks_DataWithTheLastLink_OrNone()
    {
        byte[] cpio = Cpio(
        [
            new CpioFile("./h1", [], Nlink: 3, Ino: 50),
            new CpioFile("./other", "o"u8.ToArray(), Ino: 51),
            new CpioFile("./h2", [], Nlink: 3, Ino: 50),
            new CpioFile("./h3", "linked"u8.ToArray(), Nlink: 3, Ino: 50),
            new CpioFile("./e1", [], Nlink: 2, Ino: 60),
            new CpioFile("./e2", [], Nlink: 2, Ino: 60),
        ]);
        var entries = ReadAll(Package(cpio));
        Assert.Equal(["other", "h1", "h2", "h3", "e1", "e2"], entries.Select(e => e.Path));
        Assert.All(entries.Where(e => e.Path.StartsWith('h')), e => Assert.Equal("linked"u8.ToArray(), e.Data));
        Assert.All(entries.Where(e => e.Path.StartsWith('e')), e => Assert.Empty(e.Data));
    }

    [Fact]
    public void CrcFormat_ChecksumVerified()
    {
        byte[] cpio = Cpio([new CpioFile("./a", "checked"u8.ToArray())], magic: "070702");
        Assert.Equal("checked"u8.ToArray(), Assert.Single(ReadAll(Package(cpio))).Data);

        int dataAt = 116; // 110 + "./a\0", padded to 4
        cpio[dataAt] ^= 1; // 'c' becomes 'b'
        int sum = "checked".Sum(c => c);
        Assert.Equal($"raw.rpm!payload: cpio entry './a' has checksum 0x{sum - 1:x8}, but its header says 0x{sum:x8}{At(0)}", Fails(Package(cpio)).Message);
    }

    [ToolFact("xz")]
    public void Garbage_Payloads()
    {
        // The compressor tag says xz but the bytes are not.
        var error = Fails(Package(Random(5000, 2), MainTags("xz")));
        Assert.Equal($"raw.rpm: payload should be xz (compressor 'xz') but its magic says uncompressed{At(PayloadStart("xz"))}", error.Message);

        // Valid xz around garbage: the cpio magic is wrong.
        byte[] garbage = [.. "garbage!"u8, .. Random(5000, 3)];
        Assert.Equal($"raw.rpm!payload: bad cpio magic '676172626167' at the start of the archive (expected '070701' or '070702'){At(0)}", Fails(Package(Tools.Compress("xz", garbage), MainTags("xz"))).Message);

        // No compressor tag and garbage.
        Assert.StartsWith("raw.rpm!payload: bad cpio magic '", Fails(Package(garbage)).Message, StringComparison.Ordinal);

        // No tag but an xz magic; an unknown compressor; a delta rpm; lzma.
        Assert.Equal($"raw.rpm: payload has no compressor tag, so should be gzip or uncompressed, but its magic says xz{At(PayloadStart())}", Fails(Package(Tools.Compress("xz", garbage))).Message);
        Assert.StartsWith("raw.rpm: unsupported payload compressor 'lz4' (at offset", Fails(Package([], MainTags("lz4"))).Message, StringComparison.Ordinal);
        Assert.Equal("raw.rpm!payload: lzma (.lzma) compression is not supported", Fails(Package([], MainTags("lzma"))).Message);
        var drpm = MainTags();
        drpm[drpm.FindIndex(t => t.Tag == RpmTag.PayloadFormat)] = Str(RpmTag.PayloadFormat, "drpm");
        Assert.StartsWith("raw.rpm: delta RPM payloads ('drpm') are not supported (at offset", Fails(Package([], drpm)).Message, StringComparison.Ordinal);

        // An empty payload, and one too short for its magic.
        Assert.Equal($"raw.rpm!payload: empty cpio archive: no 'TRAILER!!!' entry (truncated?){At(0)}", Fails(Package([])).Message);
        Assert.Equal($"raw.rpm!payload: payload is truncated: 3 bytes, too short for its compressor's magic{At(0)}", Fails(Package([0xfd, 0x37, 0x7a], MainTags("xz"))).Message);
    }

    [Theory]
    [ToolRow("xz")]
    [ToolRow("gzip")]
    [ToolRow("zstd")]
    public void CorruptOrTruncatedCompressedPayload_NamesTheEntry(string tool)
    {
        byte[] cpio = Cpio([new CpioFile("./small", "s"u8.ToArray()), new CpioFile("./big", Random(300_000, 4))]);
        byte[] compressed = Tools.Compress(tool, cpio);

        var error = Fails(Package(compressed[..(compressed.Length / 2)], MainTags(tool)));
        Assert.StartsWith("raw.rpm!payload: cpio entry './big': ", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);

        byte[] corrupt = [.. compressed];
        for (int i = corrupt.Length / 2; i < (corrupt.Length / 2) + 64; i++)
            corrupt[i] ^= 0x5a;
        // Found while the entry is read, or by the check at the end of the stream.
        error = Fails(Package(corrupt, MainTags(tool)));
        Assert.Matches(@"^raw\.rpm!payload: (cpio entry './big'|after the cpio trailer): ", error.Message);
        Assert.IsType<ModuleFormatException>(error.InnerException);
    }

    [Fact]
    public void Truncated_Uncompressed()
    {
        byte[] cpio = Cpio([new CpioFile("./a", "0123456789"u8.ToArray()), new CpioFile("./b", "x"u8.ToArray())]);
        const int data = 116; // 110 + "./a\0", padded to 4
        const int secondHeader = data + 12; // 10 data bytes, padded to 4

        Assert.Equal($"raw.rpm!payload: cpio entry './a' is truncated{At(data + 5)}", Fails(Package(cpio[..(data + 5)])).Message);
        Assert.Equal($"raw.rpm!payload: cpio entry './a' is truncated{At(data + 11)}", Fails(Package(cpio[..(data + 11)])).Message); // in the padding
        Assert.Equal($"raw.rpm!payload: cpio archive ends after entry './a' without a 'TRAILER!!!' entry (truncated?){At(secondHeader)}", Fails(Package(cpio[..secondHeader])).Message);
        Assert.Equal($"raw.rpm!payload: truncated cpio header after entry './a'{At(secondHeader + 50)}", Fails(Package(cpio[..(secondHeader + 50)])).Message);
        Assert.Equal($"raw.rpm!payload: truncated cpio header after entry './a'{At(secondHeader + 111)}", Fails(Package(cpio[..(secondHeader + 111)])).Message); // in the name
        Assert.Equal($"raw.rpm!payload: truncated cpio header at the start of the archive{At(20)}", Fails(Package(cpio[..20])).Message);

        // A wanted file cut short is never yielded.
        int yielded = 0;
        Assert.Throws<ModuleFormatException>(() =>
        {
            foreach (var entry in RpmReader.ReadPayloadEntries(new MemoryStream(Package(cpio[..(data + 5)])), Source, _ => true, 100))
                yielded++;
        });
        Assert.Equal(0, yielded);
    }

    [Fact]
    public void Malformed_CpioHeaders()
    {
        var output = new MemoryStream();
        CpioHeader(output, "070707", 1, 0x81a4, 1, 0, "./a");
        Assert.Equal($"raw.rpm!payload: bad cpio magic '303730373037' at the start of the archive (expected '070701' or '070702'){At(0)}", Fails(Package(output.ToArray())).Message);

        output = new MemoryStream();
        CpioHeader(output, "07070X", 1, 0x81a4, 1, 0, "./a");
        Assert.Equal($"raw.rpm!payload: cpio entry uses rpm's large-file format ('07070X'), which is not supported{At(0)}", Fails(Package(output.ToArray())).Message);

        byte[] cpio = Cpio([new CpioFile("./a", "a"u8.ToArray()), new CpioFile("./b", "b"u8.ToArray())]);
        int second = 120; // 110 + "./a\0" + "a", each padded to 4
        byte[] badField = [.. cpio];
        Encoding.ASCII.GetBytes("0000z1a4").CopyTo(badField, second + 6 + 8); // c_mode
        Assert.Equal($"raw.rpm!payload: cpio header field c_mode '0000z1a4' is not 8 hex digits, after entry './a'{At(second + 14)}", Fails(Package(badField)).Message);
        Encoding.ASCII.GetBytes("+00081a4").CopyTo(badField, second + 6 + 8);
        Assert.Contains("c_mode '+00081a4' is not 8 hex digits", Fails(Package(badField)).Message, StringComparison.Ordinal);
        Encoding.ASCII.GetBytes(" 00081a4").CopyTo(badField, second + 6 + 8);
        Assert.Contains("c_mode ' 00081a4' is not 8 hex digits", Fails(Package(badField)).Message, StringComparison.Ordinal);

        foreach (string size in new[] { "00000000", "00000001", "00001001", "ffffffff" })
        {
            output = new MemoryStream();
            CpioHeader(output, "070701", 1, 0x81a4, 1, 0, "./a", nameSizeField: size);
            uint value = Convert.ToUInt32(size, 16);
            Assert.Equal($"raw.rpm!payload: cpio name size {value} is outside 2..4096, at the start of the archive{At(6 + (11 * 8))}", Fails(Package(output.ToArray())).Message);
        }

        output = new MemoryStream();
        CpioHeader(output, "070701", 1, 0x81a4, 1, 0, "./a", nameSizeField: "00000003"); // "./a" without its NUL
        output.Write(new byte[8]);
        Assert.Equal($"raw.rpm!payload: cpio entry name is not a NUL-terminated string, at the start of the archive{At(110)}", Fails(Package(output.ToArray())).Message);
    }

    [Fact]
    public void CpioFileSize_NotTrusted()
    {
        // A wanted file claiming 2 GiB in a short stream: the limit refuses it before any allocation...
        var output = new MemoryStream();
        CpioHeader(output, "070701", 1, 0x81a4, 1, 0x7fff0000, "./huge");
        output.Write(new byte[100]);
        byte[] rpm = Package(output.ToArray());
        Assert.Equal($"raw.rpm!payload: cpio entry './huge' is 2147418112 bytes, more than the limit of 1048576{At(0)}", Fails(rpm).Message);

        // (4 GiB - 1 cannot be one array whatever the caller allows)...
        output = new MemoryStream();
        CpioHeader(output, "070701", 1, 0x81a4, 1, 0xffffffff, "./huge");
        Assert.Equal($"raw.rpm!payload: cpio entry './huge' is 4294967295 bytes, more than the limit of {Array.MaxLength}{At(0)}", Fails(Package(output.ToArray()), max: long.MaxValue).Message);

        // ...and under a generous limit the buffer grows only with the bytes that really come.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Fails(rpm, max: long.MaxValue);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20);
        Assert.Equal($"raw.rpm!payload: cpio entry './huge' is truncated{At(120 + 100)}", error.Message);

        // Not wanted: skipped by reading, truncated all the same.
        Assert.Equal(
            $"raw.rpm!payload: cpio entry './huge' is truncated{At(120 + 100)}",
            Assert.Throws<ModuleFormatException>(() => RpmReader.ReadPayloadEntries(new MemoryStream(rpm), Source, _ => false, 10).ToList()).Message);
    }

    [ToolFact("xz")]
    public void TrailingDataAfterTheTrailer_IsIgnoredButTheCompressorStillChecks()
    {
        byte[] cpio = [.. Cpio([new CpioFile("./a", "a"u8.ToArray())]), .. new byte[512]];
        Assert.Single(ReadAll(Package(cpio)));
        byte[] xz = Tools.Compress("xz", cpio);
        Assert.Single(ReadAll(Package(xz, MainTags("xz"))));
        Assert.StartsWith("raw.rpm!payload: after the cpio trailer: xz: ", Fails(Package([.. xz, .. "junk"u8], MainTags("xz"))).Message, StringComparison.Ordinal);
    }
}

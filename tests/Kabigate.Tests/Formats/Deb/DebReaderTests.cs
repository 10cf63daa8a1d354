using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Deb;
using Kabigate.Tests.Support;
using Xunit;

namespace Kabigate.Tests.Formats.Deb;

public class DebReaderTests
{
    private const string Source = "fixture.deb";
    private const string SymversPath = "usr/src/linux-headers-9.9.9-test/Module.symvers";

    public static TheoryData<string, bool> Compressions => new()
    {
        { "xz", true }, { "xz", false },
        { "zstd", true }, { "zstd", false },
        { "gzip", true }, { "gzip", false },
        { "none", true }, { "none", false },
    };

    private static Stream Open(byte[] deb, bool seekable) =>
        seekable ? new MemoryStream(deb) : new NonSeekableStream(new MemoryStream(deb));

    private static List<DebEntry> ReadAll(byte[] deb, Func<string, bool>? wanted = null, bool seekable = true, long max = 1 << 20) =>
        [.. DebReader.ReadDataEntries(Open(deb, seekable), Source, wanted ?? (_ => true), max)];

    [Theory]
    [MemberData(nameof(Compressions))]
    public void DpkgDebBuilt_ReadsControlAndData(string compression, bool seekable)
    {
        byte[] deb = DebFixtures.BuildWithDpkgDeb(compression);

        Assert.Equal(new DebControl("kabigate-test", "1:2.3-4", "amd64"), DebReader.ReadControl(Open(deb, seekable), Source));

        var symvers = Assert.Single(DebReader.ReadDataEntries(Open(deb, seekable), Source, p => p.EndsWith("/Module.symvers", StringComparison.Ordinal), 1024));
        Assert.Equal(SymversPath, symvers.Path);
        Assert.Equal(DebFixtures.Symvers, symvers.Data);

        // Every regular file, and nothing else: directories and the symlink are skipped.
        var all = ReadAll(deb, seekable: seekable);
        Assert.Equal(
            ["usr/src/linux-headers-9.9.9-test/Module.symvers", "usr/src/linux-headers-9.9.9-test/empty", "usr/src/linux-headers-9.9.9-test/odd-sized"],
            all.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Equal(12345, all.Single(e => e.Path.EndsWith("odd-sized", StringComparison.Ordinal)).Data.Length);
        Assert.Empty(all.Single(e => e.Path.EndsWith("empty", StringComparison.Ordinal)).Data);
    }

    [Fact]
    public void ReadDataEntries_PathFormReadsAFile()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("x.deb");
        File.WriteAllBytes(path, DebFixtures.BuildWithDpkgDeb("xz"));
        var entry = Assert.Single(DebReader.ReadDataEntries(path, p => p == SymversPath, 1024));
        Assert.Equal(DebFixtures.Symvers, entry.Data);
        Assert.Equal("kabigate-test", DebReader.ReadControl(path).Package);
    }

    [Fact]
    public void ReadDataEntries_StoppingEarlyIsFine()
    {
        byte[] deb = DebFixtures.BuildWithDpkgDeb("xz");
        using var stream = new MemoryStream(deb);
        Assert.NotNull(DebReader.ReadDataEntries(stream, Source, _ => true, 1 << 20).First());
    }

    [Fact]
    public void ReadDataEntries_NormalisesPathsAndSkipsDotDot()
    {
        byte[] tar = DebFixtures.Tar(
            ("./usr/a", "a"u8.ToArray()),
            ("/usr/b", "b"u8.ToArray()),
            ("usr/c", "c"u8.ToArray()),
            ("./../etc/evil", "x"u8.ToArray()),
            ("usr/../../evil2", "x"u8.ToArray()),
            ("usr/..", "x"u8.ToArray()),
            ("usr/..d/ok", "d"u8.ToArray()));
        var entries = ReadAll(DebFixtures.Deb("data.tar", tar));
        Assert.Equal(["usr/a", "usr/b", "usr/c", "usr/..d/ok"], entries.Select(e => e.Path));
        Assert.Equal("abcd"u8.ToArray(), entries.SelectMany(e => e.Data));
    }

    [Theory]
    [InlineData("./usr/x", "usr/x")]
    [InlineData("././usr/x", "usr/x")]
    [InlineData("//usr/x", "usr/x")]
    [InlineData("usr/x", "usr/x")]
    [InlineData("./", null)]
    [InlineData(".", null)]
    [InlineData("a/../b", null)]
    [InlineData("..", null)]
    [InlineData("a/..b", "a/..b")]
    public void NormalizePath(string name, string? expected) => Assert.Equal(expected, DebReader.NormalizePath(name));

    [Fact]
    public void ReadDataEntries_GnuArNamesWithSlashAndOddPadding()
    {
        byte[] tar = DebFixtures.Tar(("./f", "x"u8.ToArray()));
        byte[] deb = DebFixtures.Ar(("debian-binary/", "2.0\n"u8.ToArray()), ("_extra/", "odd"u8.ToArray()), ("data.tar/", tar));
        Assert.Equal("f", Assert.Single(ReadAll(deb)).Path);
    }

    [Fact]
    public void Malformed_WantedEntryAboveTheLimit()
    {
        byte[] deb = DebFixtures.BuildWithDpkgDeb("xz");
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(deb, p => p.EndsWith("odd-sized", StringComparison.Ordinal), max: 12344));
        Assert.Equal($"{Source}!data.tar.xz: entry 'usr/src/linux-headers-9.9.9-test/odd-sized' is 12345 bytes, more than the limit of 12344", ex.Message);
        Assert.Single(ReadAll(deb, p => p.EndsWith("odd-sized", StringComparison.Ordinal), max: 12345));
    }

    [Fact]
    public void Malformed_BadMagic()
    {
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll("!<arch>X"u8.ToArray()));
        Assert.Equal("fixture.deb: not a Debian package: no ar magic '!<arch>\\n' (at offset 0x0)", ex.Message);
        ex = Assert.Throws<ModuleFormatException>(() => DebReader.ReadControl(new MemoryStream("!<ar"u8.ToArray()), Source));
        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void Malformed_EmptyArchive()
    {
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll("!<arch>\n"u8.ToArray()));
        Assert.Equal("not a Debian package: the ar archive has no members", ex.Reason);
    }

    [Fact]
    public void Malformed_FirstMemberIsNotDebianBinary()
    {
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(DebFixtures.Ar(("control.tar", DebFixtures.Tar()))));
        Assert.Equal("not a Debian package: first member is 'control.tar', not 'debian-binary'", ex.Reason);
    }

    [Fact]
    public void Malformed_FormatVersion()
    {
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(DebFixtures.Ar(("debian-binary", "3.0\n"u8.ToArray()))));
        Assert.Equal("unsupported Debian package format version '3.0'", ex.Reason);
    }

    [Fact]
    public void Malformed_MissingMembers()
    {
        byte[] deb = DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray()));
        Assert.Equal("no 'data.tar*' member", Assert.Throws<ModuleFormatException>(() => ReadAll(deb)).Reason);
        Assert.Equal("no 'control.tar*' member", Assert.Throws<ModuleFormatException>(() => DebReader.ReadControl(new MemoryStream(deb), Source)).Reason);
    }

    [Theory]
    [InlineData("12x", "ar member 'data.tar' has an invalid size field '12x'")]
    [InlineData("", "ar member 'data.tar' has an invalid size field ''")]
    [InlineData("-1", "ar member 'data.tar' has an invalid size field '-1'")]
    [InlineData("9999999999", "ar member 'data.tar' is 9999999999 bytes, more than the limit of 8589934592")]
    [InlineData("8589934592", "ar member 'data.tar' claims 8589934592 bytes but only 0 remain (truncated?)")]
    public void Malformed_ArSizeField(string size, string reason)
    {
        byte[] deb = [.. DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray())), .. DebFixtures.ArHeader("data.tar", size)];
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(deb));
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(8 + 60 + 4 + 48, ex.Offset);
    }

    [Fact]
    public void Malformed_ArHeaderTerminator()
    {
        byte[] deb = [.. DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray())), .. DebFixtures.ArHeader("data.tar", "0", "`X")];
        Assert.Equal("ar member header of 'data.tar' does not end in '`\\n'", Assert.Throws<ModuleFormatException>(() => ReadAll(deb)).Reason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Malformed_TruncatedHeader(bool seekable)
    {
        byte[] deb = DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray()), ("_x", "abc"u8.ToArray()));
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll([.. deb, .. "data.tar"u8], seekable: seekable));
        Assert.Equal("truncated ar member header after member '_x'", ex.Reason);
        Assert.Equal(deb.Length, ex.Offset);
    }

    [Theory]
    [InlineData("xz")]
    [InlineData("zstd")]
    [InlineData("gzip")]
    [InlineData("none")]
    public void Malformed_TruncatedPackageNamesTheMember(string compression)
    {
        byte[] deb = DebFixtures.BuildWithDpkgDeb(compression);
        int dataHeader = deb.AsSpan().IndexOf("data.tar"u8);
        int dataStart = dataHeader + 60;
        int dataEnd = dataStart + int.Parse(Encoding.ASCII.GetString(deb, dataHeader + 48, 10), System.Globalization.CultureInfo.InvariantCulture);
        foreach (int cut in new[] { dataEnd - 1, dataEnd - 30, dataStart + ((dataEnd - dataStart) / 2), dataStart + 10, dataHeader + 30, dataHeader - 2 })
        {
            foreach (bool seekable in new[] { true, false })
            {
                var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(deb[..cut], seekable: seekable));
                Assert.True(ex.Message.Contains("data.tar", StringComparison.Ordinal) || ex.Message.Contains("control.tar", StringComparison.Ordinal), $"cut {cut}, seekable {seekable}: {ex.Message}");
            }
        }
    }

    [Fact]
    public void Malformed_TruncatedSeekableReportsTheClaimedSize()
    {
        byte[] deb = DebFixtures.BuildWithDpkgDeb("xz");
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(deb[..^10]));
        Assert.Matches(@"^ar member 'data\.tar\.xz' claims \d+ bytes but only \d+ remain \(truncated\?\)$", ex.Reason);
    }

    [Fact]
    public void Malformed_TruncatedNonSeekableNamesTheMember()
    {
        byte[] deb = DebFixtures.BuildWithDpkgDeb("none");
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(deb[..^600], seekable: false));
        Assert.Equal(Source, ex.SourcePath);
        Assert.Equal("ar member 'data.tar' is truncated", ex.Reason);
    }

    [Fact]
    public void Malformed_CompressionDisagreesWithName()
    {
        byte[] tar = DebFixtures.Tar(("./f", "x"u8.ToArray()));
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(DebFixtures.Deb("data.tar.xz", tar)));
        Assert.Equal("fixture.deb!data.tar.xz: member 'data.tar.xz' should be xz but its magic says uncompressed (at offset 0x" + (8 + 60 + 4 + 60 + DebFixtures.Tar(("./control", Encoding.ASCII.GetBytes(DebFixtures.Control))).Length + 60).ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ")", ex.Message);
    }

    [Theory]
    [InlineData("data.tar.bz2", "bzip2: unexpected end of compressed data (truncated?)")]
    [InlineData("data.tar.lzma", "lzma (.lzma) compression is not supported")]
    [InlineData("data.tar.br", "member 'data.tar.br' uses an unsupported compression")]
    public void Malformed_UnsupportedOrTruncatedCompression(string name, string reason)
    {
        byte[] data = name.EndsWith(".bz2", StringComparison.Ordinal) ? "BZh91AY&SY"u8.ToArray() : [0x5d, 0, 0, 0x80, 0];
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(DebFixtures.Deb(name, data)));
        Assert.Equal(reason, ex.Reason);
        Assert.Equal($"{Source}!{name}", ex.SourcePath);
    }

    [ToolFact("bzip2")]
    public void Bzip2DataMember_ReadsLikeTheOthers()
    {
        byte[] tar = DebFixtures.Tar(("./usr/share/doc/x/readme", "old debs used bzip2"u8.ToArray()));
        var entry = Assert.Single(ReadAll(DebFixtures.Deb("data.tar.bz2", Tools.Compress("bzip2", tar))));
        Assert.Equal("old debs used bzip2"u8.ToArray(), entry.Data);
    }

    [Fact]
    public void Malformed_UnparsableTarHeader()
    {
        byte[] tar = DebFixtures.Tar(("./f", "x"u8.ToArray()));
        tar[124] = (byte)'9'; // the size field is octal
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(DebFixtures.Deb("data.tar", tar)));
        Assert.Equal($"{Source}!data.tar", ex.SourcePath);
        Assert.StartsWith("corrupt tar archive: ", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_TarNumericFieldOutOfRange()
    {
        // Found by the tar fuzz target: a base-256 uid too large for an int made TarReader throw OverflowException.
        byte[] tar = DebFixtures.Tar(("./f", "x"u8.ToArray()));
        tar[108] = 0x80;
        tar.AsSpan(109, 7).Fill(0xff);
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(DebFixtures.Deb("data.tar", tar)));
        Assert.Equal("fixture.deb!data.tar: corrupt tar archive: a numeric header field is out of range", ex.Message);
    }

    [Fact]
    public void Malformed_TarTimeOutOfRange()
    {
        // Found by the tar fuzz target: a base-256 mtime past DateTimeOffset.MaxValue made TarReader throw
        // ArgumentOutOfRangeException.
        byte[] tar = DebFixtures.Tar(("./f", "x"u8.ToArray()));
        tar[136] = 0x80;
        tar.AsSpan(137, 11).Fill(0);
        tar[140] = 0x7f; // 0x7f << 56 seconds: far past the year 9999
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(DebFixtures.Deb("data.tar", tar)));
        Assert.Equal("fixture.deb!data.tar: corrupt tar archive: a numeric header field is out of range", ex.Message);
    }

    [Fact]
    public void Malformed_TarSparseEntry()
    {
        // Found by the tar fuzz target: TarReader refuses GNU sparse entries ('S') with NotSupportedException.
        byte[] tar = DebFixtures.Tar(("./f", "x"u8.ToArray()));
        tar[156] = (byte)'S';
        byte[] deb = DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray()), ("control.tar", tar), ("data.tar", tar));
        var data = Assert.Throws<ModuleFormatException>(() => ReadAll(deb));
        Assert.Equal("fixture.deb!data.tar: corrupt tar archive: Entry type 'SparseFile' not supported.", data.Message);
        var control = Assert.Throws<ModuleFormatException>(() => DebReader.ReadControl(new MemoryStream(deb), Source));
        Assert.Equal("fixture.deb!control.tar: corrupt tar archive: Entry type 'SparseFile' not supported.", control.Message);
    }

    [Theory]
    [InlineData('L')]
    [InlineData('K')]
    [InlineData('x')]
    [InlineData('g')]
    public void Malformed_TarMetadataEntryLargerThanTheCap(char type)
    {
        // Found by the tar fuzz target: TarReader allocates the size a long name or PAX header claims (here 400 MB,
        // from a 2 KB package) before it reads a byte of it. The guard refuses it first.
        byte[] tar = DebFixtures.Tar(("./f", "x"u8.ToArray()));
        tar[156] = (byte)type;
        "03000000052\0"u8.CopyTo(tar.AsSpan(124));
        foreach (bool seekable in new[] { true, false })
        {
            var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(DebFixtures.Deb("data.tar", tar), seekable: seekable));
            Assert.Equal($"fixture.deb!data.tar: corrupt tar archive: a '{type}' metadata entry of 402653226 bytes, more than the limit of 1048576", ex.Message);
        }
    }

    [Fact]
    public void TarMetadataGuard_FollowsPaxSizesAndLongNames()
    {
        // Past a PAX header whose 'size' record sets the next entry's size, and past GNU long names, the guard still
        // finds every header: an entry whose data looks like a huge metadata header is read, not refused.
        byte[] lookalike = DebFixtures.Tar(("./g", "y"u8.ToArray()))[..512];
        lookalike[156] = (byte)'L';
        "77777777777\0"u8.CopyTo(lookalike.AsSpan(124));
        var pax = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(pax, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "./a", new Dictionary<string, string> { ["size"] = "512" }) { DataStream = new MemoryStream(lookalike) });
        }

        byte[] gnu = DebFixtures.Tar(("./" + new string('n', 150), lookalike), ("./b", "b"u8.ToArray()));
        Assert.Equal(["a"], ReadAll(DebFixtures.Deb("data.tar", pax.ToArray())).Select(e => e.Path));
        Assert.Equal([new string('n', 150), "b"], ReadAll(DebFixtures.Deb("data.tar", gnu)).Select(e => e.Path));
    }

    [Fact]
    public void TarHeaderChecksumIsNotVerified()
    {
        // A known gap: System.Formats.Tar does not check header checksums, so in an uncompressed data.tar a flipped
        // name byte goes unnoticed. Compressed members are covered by the compressor's own check.
        byte[] tar = DebFixtures.Tar(("./f", "x"u8.ToArray()));
        tar[2] = (byte)'g';
        Assert.Equal("g", Assert.Single(ReadAll(DebFixtures.Deb("data.tar", tar))).Path);
    }

    [Fact]
    public void Malformed_TarEntryCutShort()
    {
        byte[] tar = DebFixtures.Tar(("./f", new byte[5000]));
        byte[] deb = DebFixtures.Deb("data.tar", tar[..2048]); // the ar member is whole; the tar inside it is not
        var ex = Assert.Throws<ModuleFormatException>(() => ReadAll(deb));
        Assert.Equal($"{Source}!data.tar", ex.SourcePath);
        Assert.Equal("entry 'f' is truncated", ex.Reason);
    }

    [Theory]
    [InlineData("Package: p\nVersion: 1\n", "fixture.deb!control: control file has no 'Architecture' field")]
    [InlineData("Package: p\nArchitecture: all\nVersion:\n", "fixture.deb!control: control file has no 'Version' field")]
    [InlineData("Package: p\nnonsense\n", "fixture.deb!control:2: malformed control file line | nonsense")]
    [InlineData("Package: p\n\nVersion: 1\nArchitecture: all\n", "fixture.deb!control: control file has no 'Version' field")]
    public void Malformed_ControlFile(string control, string message)
    {
        byte[] deb = DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray()), ("control.tar", DebFixtures.Tar(("./control", Encoding.ASCII.GetBytes(control)))));
        Assert.Equal(message, Assert.Throws<ModuleFormatException>(() => DebReader.ReadControl(new MemoryStream(deb), Source)).Message);
    }

    [Fact]
    public void ReadControl_CaseInsensitiveFieldsAndCrlf()
    {
        byte[] deb = DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray()), ("control.tar", DebFixtures.Tar(("./md5sums", "x"u8.ToArray()), ("./control", "package: p\r\nversion:  2 \r\nARCHITECTURE: all\r\n"u8.ToArray()))));
        Assert.Equal(new DebControl("p", "2", "all"), DebReader.ReadControl(new MemoryStream(deb), Source));
    }

    [Fact]
    public void Malformed_NoControlFile()
    {
        byte[] deb = DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray()), ("control.tar", DebFixtures.Tar(("./md5sums", "x"u8.ToArray()))));
        var ex = Assert.Throws<ModuleFormatException>(() => DebReader.ReadControl(new MemoryStream(deb), Source));
        Assert.Equal("fixture.deb!control.tar: no 'control' file", ex.Message);
    }

    [RealDebFact(Support.RealData.HeadersDebPattern)]
    [Trait("Category", "RealData")]
    public void RealData_HeadersDebSymversMatchesDpkgDebAndTar()
    {
        string deb = Support.RealData.FirstHeadersDeb!;
        byte[] expected = Tools.RunBytes("bash", ["-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xO --wildcards '*/Module.symvers'", "bash", deb]);
        Assert.True(expected.Length > 1_000_000);

        using var stream = new NonSeekableStream(File.OpenRead(deb));
        var entry = Assert.Single(DebReader.ReadDataEntries(stream, deb, p => p.EndsWith("/Module.symvers", StringComparison.Ordinal), 64 << 20));
        Assert.Equal(expected, entry.Data);
        Assert.Matches(@"^usr/src/linux-headers-6\.1\.0-\d+-amd64/Module\.symvers$", entry.Path);
        Assert.Equal(SymversReader.Read(expected, "dpkg"), SymversReader.Read(entry.Data, entry.Path));

        string[] fields = Encoding.UTF8.GetString(Tools.RunBytes("dpkg-deb", ["-f", deb, "Package", "Version", "Architecture"])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var control = DebReader.ReadControl(deb);
        Assert.Equal<string>(fields, [$"Package: {control.Package}", $"Version: {control.Version}", $"Architecture: {control.Architecture}"]);
    }

    [RealDebFact(Support.RealData.HeadersDebPattern)]
    [Trait("Category", "RealData")]
    public void RealData_HeadersDebRegularFilesMatchDpkgDebListing()
    {
        string deb = Support.RealData.FirstHeadersDeb!;
        string listing = Encoding.UTF8.GetString(Tools.RunBytes("dpkg-deb", ["--fsys-tarfile", deb]) is var tar ? Tools.RunBytes("tar", ["-t", "-v"], tar) : []);
        var expected = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l[0] == '-')
            .Select(l => l[(l.IndexOf(" ./", StringComparison.Ordinal) + 3)..])
            .Order(StringComparer.Ordinal)
            .ToList();
        var paths = DebReader.ReadDataEntries(deb, _ => false, 0).Select(e => e.Path).ToList();
        Assert.Empty(paths);
        var all = DebReader.ReadDataEntries(deb, _ => true, 64 << 20).Select(e => e.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, all);
    }

    [RealDebFact(Support.RealData.ImageDebPattern)]
    [Trait("Category", "RealData")]
    public void RealData_ImageDebControlMatchesDpkgDeb()
    {
        string deb = Support.RealData.FindDeb(Support.RealData.ImageDebPattern)!;
        string expected = Encoding.UTF8.GetString(Tools.RunBytes("dpkg-deb", ["--showformat=${Package} ${Version} ${Architecture}", "-W", deb]));
        var control = DebReader.ReadControl(deb);
        Assert.Equal(expected, $"{control.Package} {control.Version} {control.Architecture}");
    }
}

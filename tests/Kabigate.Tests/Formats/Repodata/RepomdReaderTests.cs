using System.Security.Cryptography;
using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Repodata;

[Collection(RepoCollection.Name)]
public class RepomdReaderTests(RepoFixture fixture)
{
    private const string Source = "repomd.xml";

    private static Repomd Parse(string xml) => RepomdReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), Source);

    [ToolTheory("rpmbuild", "createrepo_c", "rpm", "zstd")]
    [InlineData("gz")]
    [InlineData("xz")]
    [InlineData("bz2")]
    [InlineData("zstd")]
    public void CreaterepoRepomd_DescribesTheFilesOnDisk(string compression)
    {
        string repo = fixture.Repos[compression];
        var repomd = RepomdReader.Read(Path.Combine(repo, "repodata", "repomd.xml"));
        Assert.NotNull(repomd.Revision);
        Assert.Contains("primary", repomd.Data.Select(d => d.Type));
        Assert.Contains("filelists", repomd.Data.Select(d => d.Type));
        Assert.Contains("other", repomd.Data.Select(d => d.Type));
        foreach (var data in repomd.Data)
        {
            string file = Path.Combine(repo, data.LocationHref);
            Assert.StartsWith("repodata/", data.LocationHref, StringComparison.Ordinal);
            Assert.True(File.Exists(file), data.LocationHref);
            byte[] bytes = File.ReadAllBytes(file);
            Assert.Equal(new RepoChecksum("sha256", Convert.ToHexStringLower(SHA256.HashData(bytes))), data.Checksum);
            Assert.Equal(bytes.Length, data.Size);
            Assert.NotNull(data.Timestamp);

            // The open checksum is of the decompressed file.
            if (data.Type == "primary")
            {
                using var plain = Kabigate.Formats.Compression.OpenDecompressing(new MemoryStream(bytes), Kabigate.Formats.Compression.Sniff(bytes), file, long.MaxValue);
                var decompressed = new MemoryStream();
                plain.CopyTo(decompressed);
                Assert.Equal(new RepoChecksum("sha256", Convert.ToHexStringLower(SHA256.HashData(decompressed.ToArray()))), data.OpenChecksum);
                Assert.Equal(decompressed.Length, data.OpenSize);
            }
        }

        string primary = repomd.Find("primary")!.LocationHref;
        Assert.EndsWith(compression == "gz" ? ".xml.gz" : compression == "xz" ? ".xml.xz" : compression == "bz2" ? ".xml.bz2" : ".xml.zst", primary, StringComparison.Ordinal);
    }

    [Fact]
    public void HandWritten_AllFieldsAndAbsentOnes()
    {
        var repomd = Parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
              <revision> 8.10 </revision>
              <tags><content>binary-x86_64</content><distro cpeid="cpe:/o:redhat:enterprise_linux:8">RHEL 8</distro></tags>
              <data type="primary">
                <checksum type="sha1">0123456789abcdef0123456789abcdef01234567</checksum>
                <open-checksum type="sha512">ff</open-checksum>
                <location xml:base="http://mirror.example/" href="repodata/primary.xml.gz"/>
                <timestamp>1234567890.75</timestamp>
                <size>1234</size>
                <open-size>5678</open-size>
                <database_version>10</database_version>
              </data>
              <data type="updateinfo"><location href="repodata/updateinfo.xml.zck"/></data>
              <data type="primary"><location href="second-primary.xml"/></data>
            </repomd>
            """);
        Assert.Equal("8.10", repomd.Revision);
        Assert.Equal(3, repomd.Data.Count);
        Assert.Equal(
            new RepomdData("primary", "repodata/primary.xml.gz", new RepoChecksum("sha1", "0123456789abcdef0123456789abcdef01234567"), new RepoChecksum("sha512", "ff"), 1234, 5678, 1234567890),
            repomd.Find("primary"));
        Assert.Equal(new RepomdData("updateinfo", "repodata/updateinfo.xml.zck", null, null, null, null, null), repomd.Data[1]);
        Assert.Null(repomd.Find("modules"));
    }

    [Fact]
    public void EmptyRepomd_HasNoData()
    {
        var repomd = Parse("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"/>");
        Assert.Equal(new Repomd(null, []), repomd with { Data = [] });
        Assert.Empty(repomd.Data);
    }

    [Theory]
    [InlineData("<repomd>\n<data/></repomd>", 1, "not a repomd.xml: the root element is 'repomd' in namespace '', not 'repomd' in 'http://linux.duke.edu/metadata/repo'")]
    [InlineData("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">\n<data><location href=\"x\"/></data></repomd>", 2, "<data> has no 'type' attribute")]
    [InlineData("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">\n<data type=\"primary\">\n<checksum>ab</checksum></data></repomd>", 3, "a checksum of <data type='primary'> has no 'type' attribute")]
    [InlineData("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">\n<data type=\"primary\"><size>-1</size></data></repomd>", 2, "invalid size '-1'")]
    [InlineData("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">\n<data type=\"primary\">\n\n<timestamp>soon</timestamp></data></repomd>", 4, "invalid timestamp 'soon'")]
    [InlineData("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">\n<data type=\"primary\">\n<size>1</size></data></repomd>", 2, "<data type='primary'> has no <location href>")]
    [InlineData("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">\n<data type=\"primary\">\n<location href=\"x\"/>\n</repomd>", 4, "malformed XML: The 'data' start tag on line 2 position 2 does not match the end tag of 'repomd'.")]
    [InlineData("\n\n{\"not\": \"xml\"}", 3, "malformed XML: Data at the root level is invalid.")]
    [InlineData("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"/>\n<repomd/>", 2, "malformed XML: There are multiple root elements.")]
    public void Malformed_Repomd(string xml, int line, string message)
    {
        var e = Assert.Throws<ModuleFormatException>(() => Parse(xml));
        Assert.Equal(line, e.Line);
        Assert.Equal($"{Source}:{line}: {message}", e.Message);
    }

    [Fact]
    public void Malformed_EmptyDocument()
    {
        var e = Assert.Throws<ModuleFormatException>(() => Parse(""));
        Assert.Equal($"{Source}: malformed XML: Root element is missing.", e.Message);
    }

    [Fact]
    public void Malformed_ByteOrderMarkOfAnotherEncoding()
    {
        // Found by the repomd fuzz target: a UTF-32 byte order mark before invalid text made XmlReader.Create throw
        // its XmlException before the reader's first read, outside the conversion to a format error.
        byte[] data = [0x00, 0x00, 0xfe, 0xff, .. "<loca\x7f\xff"u8];
        var e = Assert.Throws<ModuleFormatException>(() => RepomdReader.Read(new MemoryStream(data), Source));
        Assert.Equal($"{Source}:1: malformed XML: Invalid character in the given encoding.", e.Message);
    }

    [Fact]
    public void Malformed_LargerThanTheCap()
    {
        string xml = "<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">" + new string(' ', 5000) + "</repomd>";
        var e = Assert.Throws<ModuleFormatException>(() => RepomdReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), Source, maxBytes: 4096));
        Assert.Equal($"{Source}: decompressed data exceeds 4096 bytes (decompression bomb?)", e.Message);
    }

    [Fact]
    public void Read_LeavesTheStreamOpen()
    {
        var stream = new MemoryStream("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"><revision>7</revision></repomd>"u8.ToArray());
        Assert.Equal("7", RepomdReader.Read(stream, Source).Revision);
        Assert.True(stream.CanRead);
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public void PathForm_ReadsAFile()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("repomd.xml");
        File.WriteAllText(path, "<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"><revision>9</revision></repomd>");
        Assert.Equal("9", RepomdReader.Read(path).Revision);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Repodata;
using Kabigate.Tests.Support;
using Xunit.Abstractions;

namespace Kabigate.Tests.Formats.Repodata;

[Collection(RepoCollection.Name)]
public class PrimaryReaderTests(RepoFixture fixture, ITestOutputHelper output)
{
    private const string Source = "primary.xml";

    public static TheoryData<string> Compressions => new() { "gz", "xz", "zstd" };

    private static string PrimaryOf(string repo) =>
        Directory.EnumerateFiles(Path.Combine(repo, "repodata"), "*-primary.xml*").Single();

    private static List<RepoPackage> Parse(string xml) =>
        [.. PrimaryReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), Source)];

    private static string Document(string packages) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"1\">\n"
        + packages + "</metadata>\n";

    private static string Package(string format = "", string name = "<name>k</name>", string version = "<version epoch=\"0\" ver=\"1\" rel=\"2\"/>") =>
        $"<package type=\"rpm\">{name}<arch>x86_64</arch>{version}<location href=\"x86_64/k.rpm\"/><format>{format}</format></package>\n";

    [ToolTheory("rpmbuild", "createrepo_c", "rpm", "zstd")]
    [MemberData(nameof(Compressions))]
    public void CreaterepoPrimary_AgreesWithRpmQuery(string compression)
    {
        string repo = fixture.Repos[compression];
        var packages = PrimaryReader.Read(PrimaryOf(repo)).ToList();
        Assert.Equal(fixture.Rpms.Count, packages.Count);
        foreach (string rpm in fixture.Rpms)
        {
            var facts = RpmFacts.Query(rpm);
            string href = Path.GetRelativePath(fixture.RpmDirectory, rpm);
            var package = Assert.Single(packages, p => p.LocationHref == href);
            Assert.Equal((facts.Name, facts.Arch, facts.Version, facts.Release), (package.Name, package.Arch, package.Version, package.Release));
            Assert.Equal(facts.Epoch ?? 0, package.Epoch);
            Assert.Equal(facts.Size, package.PackageSize);
            Assert.Equal(("sha256", facts.Sha256), (package.ChecksumType, package.Checksum));
            Assert.Equal(facts.Provides.Order(StringComparer.Ordinal), package.Provides.Select(RpmFacts.Render).Order(StringComparer.Ordinal));
            Assert.Equal(facts.RequiresInPrimary, package.Requires.Select(RpmFacts.Render).Distinct().Order(StringComparer.Ordinal));
            Assert.Equal(facts.Conflicts.Order(StringComparer.Ordinal), package.Conflicts.Select(RpmFacts.Render).Order(StringComparer.Ordinal));
            Assert.Equal(facts.PreRequires.Order(StringComparer.Ordinal), package.Requires.Where(r => r.Pre).Select(r => r.Name).Order(StringComparer.Ordinal));
        }
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void KernelProvides_AreTheSymversRows()
    {
        var kernel = PrimaryReader.Read(PrimaryOf(fixture.Repos["gz"])).Single(p => p.Name == "kernel-core" && p.Release == "47");
        var kabi = kernel.Provides.Where(p => p.Name.StartsWith("kernel(", StringComparison.Ordinal)).ToList();
        Assert.Equal(fixture.Vmlinux.Count, kabi.Count);
        var expected = fixture.Vmlinux.Select(r => $"kernel({r.Symbol})={r.Crc}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, kabi.Select(p => $"{p.Name}={p.Version}").Order(StringComparer.Ordinal));
        Assert.All(kabi, p => Assert.Equal(("EQ", 0, (string?)null, false), (p.Flags, p.Epoch, p.Release, p.Pre)));
        var uname = Assert.Single(kernel.Provides, p => p.Name == "kernel-uname-r");
        Assert.Equal(new RepoDependency("kernel-uname-r", "EQ", 0, "6.1.0", "47.amd64", false), uname);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void KmodRequires_CarryTheCrcsAndTheKernelRelease()
    {
        var foo = PrimaryReader.Read(PrimaryOf(fixture.Repos["xz"])).Single(p => p.Name == "kmod-foo");
        Assert.Equal(
            fixture.FooRequires.Select(r => new RepoDependency($"kernel({r.Symbol})", "EQ", 0, r.Crc, null, false)).OrderBy(d => d.Name, StringComparer.Ordinal),
            foo.Requires.Where(r => r.Name.StartsWith("kernel(", StringComparison.Ordinal)).OrderBy(d => d.Name, StringComparer.Ordinal));
        Assert.Contains(new RepoDependency("kernel-uname-r", "EQ", 0, "6.1.0", "47.amd64", false), foo.Requires);
        Assert.Contains(new RepoDependency("/usr/sbin/depmod", null, null, null, null, true), foo.Requires);
        Assert.Equal([new RepoDependency("kmod-bar", "LT", 2, "2.0", null, false)], foo.Conflicts);

        var bar = PrimaryReader.Read(PrimaryOf(fixture.Repos["xz"])).Single(p => p.Name == "kmod-bar");
        Assert.Equal((2, "2.5", "3.el9", "noarch"), (bar.Epoch, bar.Version, bar.Release, bar.Arch));
        Assert.Equal("kmod-bar-2:2.5-3.el9.noarch", bar.Nevra);
        Assert.Contains(new RepoDependency("(kernel-core or kernel-rt-core)", null, null, null, null, false), bar.Requires);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void PlainPrimary_IsReadToo()
    {
        byte[] xml = Tools.RunBytes("gzip", ["-dc", PrimaryOf(fixture.Repos["gz"])]);
        var packages = PrimaryReader.Read(new MemoryStream(xml), Source).ToList();
        Assert.Equal(PrimaryReader.Read(PrimaryOf(fixture.Repos["xz"])).Select(p => p.Nevra), packages.Select(p => p.Nevra));
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void Bzip2Primary_ReadsTheSameAsGzip()
    {
        var bz2 = PrimaryReader.Read(PrimaryOf(fixture.Repos["bz2"])).Select(p => p.Nevra).ToList();
        Assert.NotEmpty(bz2);
        Assert.Equal(PrimaryReader.Read(PrimaryOf(fixture.Repos["gz"])).Select(p => p.Nevra), bz2);
    }

    [Fact]
    public void Streams_FirstPackageWithoutReadingTheRest()
    {
        // 50,000 packages generated on the fly: about 30 MB that never exist as one buffer.
        const int count = 50_000;
        using var first = new GeneratedPrimary(count);
        using (var enumerator = PrimaryReader.Read(first, Source).GetEnumerator())
        {
            Assert.True(enumerator.MoveNext());
            Assert.Equal("pkg-0", enumerator.Current.Name);
            Assert.True(first.BytesRead < 1 << 20, $"read {first.BytesRead} bytes for the first package");
        }

        using var all = new GeneratedPrimary(count);
        var clock = Stopwatch.StartNew();
        int seen = 0;
        long before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        foreach (var package in PrimaryReader.Read(all, Source))
        {
            Assert.Equal($"pkg-{seen}", package.Name);
            if (++seen % 10_000 == 0)
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
        }

        Assert.Equal(count, seen);
        Assert.True(peak < 64 << 20, $"memory grew by {peak} bytes while streaming");
        output.WriteLine($"{count} packages, {all.BytesRead / 1e6:F1} MB of XML, in {clock.ElapsedMilliseconds} ms; heap growth at most {peak / 1e6:F1} MB");
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void PackagesWith25000ProvidesEach_TimingIsReportedNotAsserted()
    {
        string path = PrimaryOf(fixture.BigRepo);
        long xmlBytes = Tools.RunBytes("gzip", ["-dc", path]).LongLength;
        PrimaryReader.Read(path).ToList(); // warm up: JIT, page cache
        var clock = Stopwatch.StartNew();
        var packages = PrimaryReader.Read(path).ToList();
        var elapsed = clock.Elapsed;
        Assert.Equal(RepoFixture.BigPackageCount, packages.Count);
        // Plus kernel-uname-r, kernel-core-uname-r, installonlypkg(kernel) and the two the package gets by name.
        Assert.All(packages, p => Assert.Equal(fixture.AllRows.Count + 5, p.Provides.Count));
        int provides = packages.Sum(p => p.Provides.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{packages.Count} packages, {provides} provides, {xmlBytes / 1e6:F1} MB of XML ({new FileInfo(path).Length / 1e6:F2} MB gz): {elapsed.TotalMilliseconds:F0} ms, {elapsed.TotalMilliseconds / packages.Count:F1} ms per package, {xmlBytes / 1e6 / elapsed.TotalSeconds:F0} MB/s"));
    }

    [Fact]
    public void EmptyMetadata_HasNoPackages()
    {
        Assert.Empty(Parse(Document("")));
        Assert.Empty(PrimaryReader.Read(new MemoryStream("<metadata xmlns=\"http://linux.duke.edu/metadata/common\" packages=\"0\"/>"u8.ToArray()), Source));
    }

    [Fact]
    public void UnknownElements_AreSkipped()
    {
        string format = "<rpm:license>GPL</rpm:license><rpm:provides><rpm:entry name=\"a\"/><other/></rpm:provides>"
            + "<rpm:obsoletes><rpm:entry name=\"old\"/></rpm:obsoletes><rpm:recommends><rpm:entry name=\"weak\"/></rpm:recommends><file>/x</file>";
        var package = Assert.Single(Parse(Document(Package(format))));
        Assert.Equal([new RepoDependency("a", null, null, null, null, false)], package.Provides);
        Assert.Empty(package.Requires);
        Assert.Empty(package.Conflicts);
        Assert.Null(package.PackageSize);
        Assert.Null(package.Checksum);
    }

    [Fact]
    public void LocationBase_IsKept()
    {
        string xml = Document("<package type=\"rpm\"><name>k</name><arch>noarch</arch><version epoch=\"0\" ver=\"1\" rel=\"2\"/>"
            + "<location xml:base=\"http://mirror.example/repo/\" href=\"k.rpm\"/></package>");
        Assert.Equal("http://mirror.example/repo/", Assert.Single(Parse(xml)).LocationBase);
    }

    [Fact]
    public void PathForm_DelegatesToTheStreamForm()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("primary.xml.zst");
        File.WriteAllBytes(path, Tools.Compress("zstd", Encoding.UTF8.GetBytes(Document(Package()))));
        Assert.Equal("k-1-2.x86_64", Assert.Single(PrimaryReader.Read(path)).Nevra);
    }

    [Theory]
    [InlineData("<metadata xmlns=\"http://linux.duke.edu/metadata/common\"><package>", 1, "malformed XML: Unexpected end of file has occurred. The following elements are not closed: package, metadata.")]
    [InlineData("<metadata xmlns=\"http://linux.duke.edu/metadata/common\">\n<package>\n<name>a</nam>\n", 3, "malformed XML: The 'name' start tag on line 3 position 2 does not match the end tag of 'nam'.")]
    [InlineData("<metadata xmlns=\"http://linux.duke.edu/metadata/common\"/>\ntrailing", 2, "malformed XML: Data at the root level is invalid.")]
    [InlineData("\n\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\"><package><name>a&bogus;</name></package></metadata>", 3, "malformed XML: Reference to undeclared entity 'bogus'.")]
    public void Malformed_Xml_ReportsTheLine(string xml, int line, string message)
    {
        var e = Assert.Throws<ModuleFormatException>(() => Parse(xml));
        Assert.Equal(line, e.Line);
        Assert.Equal($"{Source}:{line}: {message}", e.Message);
    }

    [Fact]
    public void Malformed_ByteOrderMarkOfAnotherEncoding()
    {
        // As the repomd fuzz target found for RepomdReader: XmlReader.Create decodes the first bytes already.
        byte[] data = [0x00, 0x00, 0xfe, 0xff, .. "<loca\x7f\xff"u8];
        var e = Assert.Throws<ModuleFormatException>(() => PrimaryReader.Read(new MemoryStream(data), Source).ToList());
        Assert.Equal($"{Source}:1: malformed XML: Invalid character in the given encoding.", e.Message);
    }

    [Fact]
    public void Malformed_DtdIsRefused()
    {
        // No entity can expand (billion laughs); .NET keeps no position for this error, and its wording varies.
        var e = Assert.Throws<ModuleFormatException>(() => Parse("<!DOCTYPE metadata [<!ENTITY a \"aaaa\">]><metadata/>"));
        Assert.Null(e.Line);
        Assert.StartsWith($"{Source}: malformed XML: For security reasons DTD is prohibited in this XML document.", e.Message);
    }

    [Theory]
    [InlineData("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"/>", 1, "not a primary.xml: the root element is 'repomd' in namespace 'http://linux.duke.edu/metadata/repo', not 'metadata' in 'http://linux.duke.edu/metadata/common'")]
    [InlineData("<metadata><package/></metadata>", 1, "not a primary.xml: the root element is 'metadata' in namespace '', not 'metadata' in 'http://linux.duke.edu/metadata/common'")]
    public void Malformed_NotPrimary(string xml, int line, string message)
    {
        var e = Assert.Throws<ModuleFormatException>(() => Parse(xml));
        Assert.Equal($"{Source}:{line}: {message}", e.Message);
    }

    [Theory]
    [InlineData("<rpm:provides>\n<rpm:entry flags=\"EQ\" ver=\"1\"/></rpm:provides>", 4, "package 'k': an <rpm:entry> of <rpm:provides> has no 'name'")]
    [InlineData("<rpm:requires>\n<rpm:entry name=\"a\" flags=\"eq\" ver=\"1\"/></rpm:requires>", 4, "package 'k': unknown dependency flags 'eq'")]
    [InlineData("<rpm:requires>\n<rpm:entry name=\"a\" flags=\"EQ\" epoch=\"x\" ver=\"1\"/></rpm:requires>", 4, "invalid epoch 'x'")]
    [InlineData("<rpm:requires>\n<rpm:entry name=\"a\" flags=\"EQ\" epoch=\"-1\" ver=\"1\"/></rpm:requires>", 4, "invalid epoch '-1'")]
    [InlineData("<rpm:requires>\n<rpm:entry name=\"a\" pre=\"yes\"/></rpm:requires>", 4, "package 'k': invalid 'pre' value 'yes'")]
    public void Malformed_Entry(string format, int line, string message)
    {
        string xml = Document(Package(format.Replace("\n", "\n", StringComparison.Ordinal)));
        var e = Assert.Throws<ModuleFormatException>(() => Parse(xml));
        Assert.Equal($"{Source}:{line}: {message}", e.Message);
    }

    [Theory]
    [InlineData("", "<version epoch=\"0\" ver=\"1\" rel=\"2\"/>", "<package> has no <name>")]
    [InlineData("<name>k</name>", "", "package 'k' has no <version>")]
    [InlineData("<name>k</name>", "<version epoch=\"0\" rel=\"2\"/>", "package 'k' has no 'ver' in <version>")]
    [InlineData("<name>k</name>", "<version epoch=\"0\" ver=\"1\"/>", "package 'k' has no 'rel' in <version>")]
    [InlineData("<name>k</name>", "<version epoch=\"e\" ver=\"1\" rel=\"2\"/>", "invalid epoch 'e'")]
    public void Malformed_Package(string name, string version, string message)
    {
        var e = Assert.Throws<ModuleFormatException>(() => Parse(Document(Package(name: name, version: version))));
        Assert.Equal($"{Source}:3: {message}", e.Message);
    }

    [Fact]
    public void Malformed_PackageWithoutLocation()
    {
        string xml = Document("<package type=\"rpm\"><name>k</name><arch>x86_64</arch><version epoch=\"0\" ver=\"1\" rel=\"2\"/></package>\n");
        var e = Assert.Throws<ModuleFormatException>(() => Parse(xml));
        Assert.Equal($"{Source}:3: package 'k' has no <location href>", e.Message);
    }

    [Fact]
    public void Malformed_ErrorComesAfterTheGoodPackages()
    {
        string xml = Document(Package() + Package() + "<package><name>broken</name>");
        using var enumerator = PrimaryReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), Source).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        Assert.True(enumerator.MoveNext());
        var e = Assert.Throws<ModuleFormatException>(() => enumerator.MoveNext());
        Assert.Equal(5, e.Line);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void Malformed_TruncatedCompressedPrimary()
    {
        byte[] xz = File.ReadAllBytes(PrimaryOf(fixture.Repos["xz"]));
        var e = Assert.Throws<ModuleFormatException>(() => PrimaryReader.Read(new MemoryStream(xz[..(xz.Length / 2)]), Source).ToList());
        Assert.Equal($"{Source}: xz: unexpected end of compressed data (truncated?)", e.Message);
    }

    [Fact]
    public void Malformed_LargerThanTheCap()
    {
        var e = Assert.Throws<ModuleFormatException>(() => PrimaryReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(Document(Package()))), Source, maxXmlBytes: 100).ToList());
        Assert.Equal($"{Source}: decompressed data exceeds 100 bytes (decompression bomb?)", e.Message);
    }

    /// <summary>A primary.xml of <c>pkg-0</c> … <c>pkg-(n-1)</c>, produced as it is read, counting the bytes read.</summary>
    private sealed class GeneratedPrimary(int count) : Stream
    {
        private readonly byte[] _head = Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n");
        private readonly byte[] _tail = "</metadata>\n"u8.ToArray();
        private byte[] _current = [];
        private int _offset;
        private int _next = -1;

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int length)
        {
            while (_offset == _current.Length)
            {
                if (_next > count)
                    return 0;
                _current = _next == -1 ? _head : _next == count ? _tail : Encoding.UTF8.GetBytes(Package(_next));
                _offset = 0;
                _next++;
            }

            int n = Math.Min(length, _current.Length - _offset);
            Array.Copy(_current, _offset, buffer, offset, n);
            _offset += n;
            BytesRead += n;
            return n;
        }

        private static string Package(int i) => string.Create(CultureInfo.InvariantCulture,
            $"<package type=\"rpm\"><name>pkg-{i}</name><arch>x86_64</arch><version epoch=\"0\" ver=\"1.{i}\" rel=\"1\"/><checksum type=\"sha256\" pkgid=\"YES\">{i:x64}</checksum><summary>package {i}</summary><size package=\"{i}\" installed=\"0\" archive=\"0\"/><location href=\"x86_64/pkg-{i}.rpm\"/><format><rpm:provides><rpm:entry name=\"pkg-{i}\" flags=\"EQ\" epoch=\"0\" ver=\"1.{i}\" rel=\"1\"/><rpm:entry name=\"kernel(sym_{i})\" flags=\"EQ\" epoch=\"0\" ver=\"0x{i:x8}\"/></rpm:provides><rpm:requires><rpm:entry name=\"kernel-uname-r\" flags=\"EQ\" epoch=\"0\" ver=\"6.1.0\" rel=\"47.amd64\"/></rpm:requires></format></package>\n");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int length) => throw new NotSupportedException();
    }
}

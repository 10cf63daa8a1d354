using System.Buffers.Binary;
using Kabigate.Formats;
using Kabigate.Formats.Rpm;
using Kabigate.Tests.Formats.Deb;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Rpm;

/// <summary>Payloads of packages built by rpmbuild, compared with what <c>rpm2cpio | cpio -idm</c> extracts.</summary>
[Collection(RpmBuildCollection.Name)]
public class RpmPayloadTests(RpmBuilds builds)
{
    public static TheoryData<string, bool> PayloadsAndSeekability => new()
    {
        { "w9.xzdio", true }, { "w9.xzdio", false },
        { "w19.zstdio", true }, { "w19.zstdio", false },
        { "w9.gzdio", true }, { "w9.gzdio", false },
        { "w0.ufdio", true }, { "w0.ufdio", false },
        { "w9.bzdio", true }, { "w9.bzdio", false },
    };

    private static Stream Open(string path, bool seekable) =>
        seekable ? File.OpenRead(path) : new NonSeekableStream(new MemoryStream(File.ReadAllBytes(path)));

    /// <summary>Extracts with the real tools, and returns every regular file (not symlinks) by relative path.</summary>
    private static Dictionary<string, byte[]> ExtractWithCpio(string rpm, string destination)
    {
        Directory.CreateDirectory(destination);
        Tools.RunOk("bash", "-c", $"rpm2cpio '{rpm}' | (cd '{destination}' && cpio -idm --quiet)");
        return Directory.EnumerateFiles(destination, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).LinkTarget is null)
            .ToDictionary(f => Path.GetRelativePath(destination, f), File.ReadAllBytes, StringComparer.Ordinal);
    }

    [ToolTheory("rpmbuild", "rpm2cpio", "cpio")]
    [MemberData(nameof(PayloadsAndSeekability))]
    public void Kmod_PayloadAgreesWithRpm2Cpio(string payload, bool seekable)
    {
        string rpm = builds.Kmod(payload);
        using var temp = new TempDirectory();
        var expected = ExtractWithCpio(rpm, temp.Combine("cpio"));
        int cpioEntries = Tools.RunOk("bash", "-c", $"rpm2cpio '{rpm}' | cpio -t --quiet").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

        var summary = new RpmPayloadSummary();
        List<RpmEntry> entries;
        using (var stream = Open(rpm, seekable))
            entries = [.. RpmReader.ReadPayloadEntries(stream, rpm, _ => true, 1 << 20, summary)];

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), entries.Select(e => e.Path).Order(StringComparer.Ordinal));
        foreach (var entry in entries)
            Assert.Equal(expected[entry.Path], entry.Data);
        Assert.Equal(RpmBuilds.KoBytes, entries.Single(e => e.Path == RpmBuilds.KoPath).Data);
        Assert.Equal("one file, two names\n"u8.ToArray(), entries.Single(e => e.Path == "usr/share/kabitest/hard1").Data);
        Assert.Equal("one file, two names\n"u8.ToArray(), entries.Single(e => e.Path == "usr/share/kabitest/hard2").Data);
        Assert.Empty(entries.Single(e => e.Path == "usr/share/kabitest/empty").Data);
        Assert.Contains(entries, e => e.Path == "usr/share/kabitest/naïve name.txt");

        // Every cpio entry was seen: files, the symlink and the directory.
        Assert.Equal(cpioEntries, summary.Entries);
        Assert.Equal(entries.Count, summary.Yielded);
        Assert.Equal(entries.Count, summary.RegularFiles);
        Assert.Equal(0, summary.UnsafeEntries);
    }

    [ToolFact("rpmbuild", "rpm2cpio", "cpio")]
    public void Kernel_PayloadAgreesWithRpm2Cpio()
    {
        string rpm = builds.Kernel("w19.zstdio");
        using var temp = new TempDirectory();
        var expected = ExtractWithCpio(rpm, temp.Combine("cpio"));
        var entry = Assert.Single(RpmReader.ReadPayloadEntries(rpm, _ => true, 1 << 20));
        Assert.Equal(RpmBuilds.KoPath, entry.Path);
        Assert.Equal(expected[RpmBuilds.KoPath], entry.Data);
    }

    [ToolFact("rpmbuild")]
    public void Wanted_ChoosesFilesAndTheRestIsSkipped()
    {
        string rpm = builds.Kmod("w9.xzdio");
        var seen = new List<string>();
        var entry = Assert.Single(RpmReader.ReadPayloadEntries(rpm, p => { seen.Add(p); return p.EndsWith(".ko", StringComparison.Ordinal); }, 1 << 20));
        Assert.Equal(RpmBuilds.KoPath, entry.Path);
        Assert.Equal(RpmBuilds.KoBytes, entry.Data);
        Assert.DoesNotContain("lib/modules/6.1.0-47-amd64/extra/y.ko", seen); // a symlink is never offered

        // A file not wanted may be larger than the limit: it is skipped, not read.
        Assert.Empty(RpmReader.ReadPayloadEntries(rpm, _ => false, 1));
        Assert.Equal("abc"u8.ToArray(), Assert.Single(RpmReader.ReadPayloadEntries(rpm, p => p.EndsWith("three", StringComparison.Ordinal), 3)).Data);
    }

    [ToolFact("rpmbuild", "rpm")]
    public void HardLinks_EarlierLinkWantedAlone()
    {
        string rpm = builds.Kmod("w0.ufdio");
        Assert.Contains("2 /usr/share/kabitest/hard1\n", Tools.RunOk("rpm", "-qp", "--qf", "[%{FILENLINKS} %{FILENAMES}\n]", rpm), StringComparison.Ordinal);
        var links = RpmReader.ReadPayloadEntries(rpm, p => p.Contains("hard", StringComparison.Ordinal), 100).ToList();
        Assert.Equal(["usr/share/kabitest/hard1", "usr/share/kabitest/hard2"], links.Select(e => e.Path).Order(StringComparer.Ordinal));
        foreach (string wanted in new[] { "usr/share/kabitest/hard1", "usr/share/kabitest/hard2" })
            Assert.Equal("one file, two names\n"u8.ToArray(), Assert.Single(RpmReader.ReadPayloadEntries(rpm, p => p == wanted, 100)).Data);
    }

    [ToolFact("rpmbuild")]
    public void StoppingEarlyIsFine()
    {
        using var stream = File.OpenRead(builds.Kmod("w9.xzdio"));
        Assert.NotNull(RpmReader.ReadPayloadEntries(stream, "x.rpm", _ => true, 1 << 20).First());
    }

    [ToolFact("rpmbuild")]
    public void WantedFileOverTheLimit()
    {
        using var stream = File.OpenRead(builds.Kmod("w9.gzdio"));
        var error = Assert.Throws<ModuleFormatException>(() => RpmReader.ReadPayloadEntries(stream, "x.rpm", p => p.EndsWith("x.ko", StringComparison.Ordinal), 1000).ToList());
        Assert.StartsWith($"x.rpm!payload: cpio entry './{RpmBuilds.KoPath}' is 70001 bytes, more than the limit of 1000 (at offset 0x", error.Message, StringComparison.Ordinal);
    }

    [ToolTheory("rpmbuild")]
    [InlineData("w6.lzdio", "lzma (.lzma) compression is not supported")]
    public void UnsupportedCompressors_HeadersStillRead(string payload, string message)
    {
        string rpm = builds.Kmod(payload);
        Assert.Equal("kmod-kabitest-2:1.2-3.el8.x86_64", RpmReader.Read(rpm).Nevra);
        var error = Assert.Throws<ModuleFormatException>(() => RpmReader.ReadPayloadEntries(rpm, _ => true, 1 << 20).ToList());
        Assert.Equal($"{rpm}!payload: {message}", error.Message);
    }

    [ToolFact("rpmbuild")]
    public void Truncated_AtManyPoints_AlwaysAFormatError()
    {
        string rpm = builds.Kmod("w9.xzdio");
        byte[] bytes = File.ReadAllBytes(rpm);
        using var stream = new MemoryStream(bytes);
        RpmReader.ReadHeaders(stream, rpm);
        int payloadStart = (int)stream.Position;
        int sigEntries = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(96 + 8));
        int sigStore = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(96 + 12));
        int mainStart = 96 + 16 + (16 * sigEntries) + sigStore + ((8 - (sigStore % 8)) % 8);

        int[] cuts = [0, 3, 50, 95, 96, 100, 96 + 16 + 20, mainStart - 2, mainStart, mainStart + 15, mainStart + 200, payloadStart - 1, payloadStart, payloadStart + 3, payloadStart + 200, bytes.Length - 30, bytes.Length - 1];
        foreach (int cut in cuts)
        {
            foreach (bool seekable in new[] { true, false })
            {
                var truncated = bytes[..cut];
                Stream Open() => seekable ? new MemoryStream(truncated) : new NonSeekableStream(new MemoryStream(truncated));
                var error = Assert.Throws<ModuleFormatException>(() => RpmReader.ReadPayloadEntries(Open(), "cut.rpm", _ => true, 1 << 20).ToList());
                if (cut < payloadStart)
                {
                    Assert.Equal(error.Message, Assert.Throws<ModuleFormatException>(() => RpmReader.Read(Open(), "cut.rpm")).Message);
                    Assert.DoesNotContain("!payload", error.Message, StringComparison.Ordinal);
                }
                else
                {
                    Assert.Equal("kmod-kabitest", RpmReader.Read(Open(), "cut.rpm").Name);
                    Assert.StartsWith("cut.rpm!payload: ", error.Message, StringComparison.Ordinal);
                }
            }
        }

        Assert.Equal([0x8e, 0xad, 0xe8, 0x01], bytes[mainStart..(mainStart + 4)]);
    }
}

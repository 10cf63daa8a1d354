using Kabigate.Formats;
using Kabigate.Formats.Rpm;
using Kabigate.Tests.Formats.Deb;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Rpm;

/// <summary>Headers of packages built by rpmbuild, compared with what <c>rpm -qp</c> reads from the same files.</summary>
[Collection(RpmBuildCollection.Name)]
public class RpmReaderTests(RpmBuilds builds)
{
    /// <summary>The payload compressions Debian's rpmbuild writes that kabigate decodes (<c>_binary_payload</c>).</summary>
    public static TheoryData<string> Payloads => new() { "w9.xzdio", "w19.zstdio", "w9.gzdio", "w0.ufdio" };

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string Query(string rpm, params string[] args) => Tools.RunOk("rpm", ["-qp", .. args, rpm]);

    private static RpmPackage ReadNonSeekable(string path)
    {
        using var stream = new NonSeekableStream(new MemoryStream(File.ReadAllBytes(path)));
        return RpmReader.Read(stream, path);
    }

    [ToolTheory("rpmbuild", "rpm")]
    [MemberData(nameof(Payloads))]
    public void Kmod_AgreesWithRpmQuery(string payload)
    {
        string rpm = builds.Kmod(payload);
        var package = RpmReader.Read(rpm);

        Assert.Equal<string>(
            Lines(Query(rpm, "--qf", "%{NAME}\n%{EPOCH}\n%{VERSION}\n%{RELEASE}\n%{ARCH}\n%{NEVRA}\n")),
            [package.Name, package.Epoch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)", package.Version, package.Release, package.Arch, package.Nevra]);
        Assert.Equal("kmod-kabitest-2:1.2-3.el8.x86_64", package.Nevra);
        Assert.Equal(Lines(Query(rpm, "--provides")), package.Provides.Select(p => p.ToString()));
        Assert.Equal(Lines(Query(rpm, "--requires")), package.Requires.Select(p => p.ToString()));
        Assert.Equal(Lines(Query(rpm, "--conflicts")), package.Conflicts.Select(p => p.ToString()));
        Assert.Equal(Lines(Query(rpm, "--qf", "[%{FILENAMES}\n]")), package.Files);

        // Flags as numbers, so every bit is compared, not only the comparison rpm prints.
        Assert.Equal(Lines(Query(rpm, "--qf", "[%{PROVIDEFLAGS}\n]")), package.Provides.Select(p => ((uint)p.Flags).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(Lines(Query(rpm, "--qf", "[%{REQUIREFLAGS}\n]")), package.Requires.Select(p => ((uint)p.Flags).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Contains(new RpmDependency("kernel(printk)", RpmSense.Equal, "0x92997ed8"), package.Provides);
        Assert.Contains(new RpmDependency("ksym(default:kabitest_export)", RpmSense.Equal, "1a2b"), package.Provides);
        Assert.Contains(new RpmDependency("kernel-modules", RpmSense.Greater | RpmSense.Equal, "6.1.0-47.amd64"), package.Provides);
        Assert.Contains(new RpmDependency("kernel(foo)", RpmSense.Equal, "0x1234abcd"), package.Requires);
        Assert.Contains(new RpmDependency("kernel-uname-r", RpmSense.Equal, "4.18.0-259.el8.x86_64"), package.Requires);
        Assert.Contains(package.Requires, r => r.Name == "/usr/sbin/depmod" && r.Flags.HasFlag(RpmSense.ScriptPost) && r.Version is null);
        Assert.Contains(package.Requires, r => r.Name == "rpmlib(CompressedFileNames)" && r.Flags.HasFlag(RpmSense.RpmLib));
        Assert.Contains(new RpmDependency("kmod-kabitest-old", RpmSense.Less, "1.0"), package.Conflicts);
        Assert.Contains("/lib/modules/6.1.0-47-amd64/extra/x.ko", package.Files);

        var streamed = ReadNonSeekable(rpm);
        Assert.Equal(package.Nevra, streamed.Nevra);
        Assert.Equal(package.Provides, streamed.Provides);
        Assert.Equal(package.Requires, streamed.Requires);
        Assert.Equal(package.Conflicts, streamed.Conflicts);
        Assert.Equal(package.Files, streamed.Files);
    }

    [ToolFact("rpmbuild", "rpm")]
    public void Kernel_ManyProvidesAgreeWithRpmQuery()
    {
        string rpm = builds.Kernel("w19.zstdio");
        var package = ReadNonSeekable(rpm);

        Assert.Equal("kernel-core-4.18.0-259.el8.x86_64", package.Nevra);
        Assert.Null(package.Epoch);
        Assert.Equal<string>(Lines(Query(rpm, "--qf", "%{NEVRA}\n")), [package.Nevra]);
        Assert.Equal(Lines(Query(rpm, "--provides")), package.Provides.Select(p => p.ToString()));
        Assert.Equal(Lines(Query(rpm, "--requires")), package.Requires.Select(p => p.ToString()));
        Assert.Empty(package.Conflicts);
        var kernelSymbols = package.Provides.Where(p => p.Name.StartsWith("kernel(", StringComparison.Ordinal)).Select(p => p.ToString());
        Assert.Equal(RpmBuilds.KernelSymbolProvides().Order(StringComparer.Ordinal), kernelSymbols.Order(StringComparer.Ordinal));
    }

    [ToolFact("rpmbuild", "rpm")]
    public void ReadHeaders_TypedAccessorsAgreeWithRpmQuery()
    {
        string rpm = builds.Kmod("w9.xzdio");
        var headers = RpmReader.ReadHeaders(rpm);
        var header = headers.Header;

        Assert.Equal(3, headers.Lead.Major);
        Assert.False(headers.Lead.IsSource);
        Assert.StartsWith("kmod-kabitest-", headers.Lead.Name, StringComparison.Ordinal);
        Assert.Equal(RpmTag.HeaderImmutable, header.Entries[0].Tag);
        Assert.Equal(RpmTag.HeaderSignatures, headers.Signature.Entries[0].Tag);
        Assert.NotNull(headers.Signature.GetString(RpmSignatureTag.Sha256));

        Assert.Equal(Lines(Query(rpm, "--qf", "[%{FILEMODES}\n]")), header.GetIntegers(RpmTag.FileModes)!.Select(m => m.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(Lines(Query(rpm, "--qf", "[%{LONGFILESIZES}\n]")), header.GetFileSizes()!.Select(m => m.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(Lines(Query(rpm, "--qf", "[%{DIRNAMES}\n]")), header.GetStringArray(RpmTag.DirNames));
        Assert.Equal(Query(rpm, "--qf", "%{PAYLOADCOMPRESSOR} %{PAYLOADFORMAT} %{PAYLOADFLAGS}"), $"{header.GetString(RpmTag.PayloadCompressor)} {header.GetString(RpmTag.PayloadFormat)} {header.GetString(RpmTag.PayloadFlags)}");
        Assert.Equal(Query(rpm, "--qf", "%{SUMMARY}"), header.GetString(1004)); // I18NSTRING: the "C" locale
        Assert.Equal<string>(Lines(Query(rpm, "--qf", "%{EPOCH}\n")), [header.GetInt32Array(RpmTag.Epoch)!.Single().ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(16, header.GetBinary(RpmTag.HeaderImmutable)!.Length);
        Assert.Null(header.GetString(RpmTag.OldFilenames));
        Assert.True(header.Contains(RpmTag.BaseNames));
        Assert.False(header.Contains(RpmTag.LongFileSizes));
    }

    [ToolFact("rpmbuild")]
    public void ReadHeaders_LeavesTheStreamAtThePayload()
    {
        string rpm = builds.Kmod("w9.xzdio");
        using var stream = File.OpenRead(rpm);
        RpmReader.ReadHeaders(stream, rpm);
        byte[] payload = new byte[6];
        stream.ReadExactly(payload);
        Assert.Equal(CompressionKind.Xz, Kabigate.Formats.Compression.Sniff(payload));
    }

    [ToolFact("rpmbuild")]
    public void IsRpm_SniffsTheLeadMagic()
    {
        Assert.True(RpmReader.IsRpm(File.ReadAllBytes(builds.Kmod("w0.ufdio"))));
        Assert.False(RpmReader.IsRpm("!<arch>\n"u8));
        Assert.False(RpmReader.IsRpm([0xed, 0xab]));
    }

    [Theory]
    [InlineData(RpmSense.Equal, "0x1", "k(x) = 0x1")]
    [InlineData(RpmSense.Less, "1", "k(x) < 1")]
    [InlineData(RpmSense.Less | RpmSense.Equal, "1", "k(x) <= 1")]
    [InlineData(RpmSense.Greater, "1", "k(x) > 1")]
    [InlineData(RpmSense.Greater | RpmSense.Equal | RpmSense.ScriptPost, "2:1-3", "k(x) >= 2:1-3")]
    [InlineData(RpmSense.Any, null, "k(x)")]
    [InlineData(RpmSense.ScriptPre, null, "k(x)")]
    public void RpmDependency_FormatsAsRpmDoes(RpmSense flags, string? version, string expected) =>
        Assert.Equal(expected, new RpmDependency("k(x)", flags, version).ToString());

    [Fact]
    public void FromHeader_WithoutFlagsOrVersionsOrEpoch()
    {
        List<TestTag> tags = [.. RpmBytes.MainTags().Where(t => t.Tag is not (RpmTag.ProvideFlags or RpmTag.ProvideVersion))];
        tags.Add(RpmBytes.StrArray(RpmTag.OldFilenames, "/etc/a", "/etc/b"));
        var package = RpmReader.Read(new MemoryStream(RpmBytes.Package([], tags)), "raw.rpm");
        Assert.Equal("raw-1.0-1.x86_64", package.Nevra);
        Assert.Equal([new RpmDependency("kernel(printk)", RpmSense.Any, null), new RpmDependency("raw", RpmSense.Any, null)], package.Provides);
        Assert.Equal(["/etc/a", "/etc/b"], package.Files);
        Assert.Empty(package.Requires);
    }
}

using System.Security.Cryptography;
using System.Text;
using Kabigate.Formats;
using Kabigate.Tests.Formats.Deb;
using Kabigate.Tests.Support;
using Xunit.Abstractions;

namespace Kabigate.Tests.Cli;

/// <summary>
/// Crafted inputs (issue 10) run through the real CLI as a child process: each ends with exit 2, its one error line per
/// input, peak memory under <see cref="ChildCli.MemoryCeilingBytes"/> and no hang. The bombs are written here, streamed
/// through the real compressors.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : IDisposable
{
    private const string Release = "6.1.0-47-amd64";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void PrimaryXml_WithA1200MCharacterName_IsRefusedAtTheTextCap()
    {
        var repo = Repository(xml =>
        {
            Bombs.Write(xml, PrimaryHead + "<package type=\"rpm\"><name>");
            Bombs.Repeat(xml, (byte)'a', 1200L << 20);
            Bombs.Write(xml, "</name></package></metadata>");
        });
        var run = ChildCli.Run(Limit, "inspect", repo);
        AssertRefused(run, $"{repo}/repodata/primary.xml.zst: an XML text or tag longer than the limit of {InputLimits.MaxXmlTokenBytes} bytes");
    }

    [Fact]
    public void PrimaryXml_WithA600MBAttribute_IsRefusedAtTheTextCap()
    {
        var repo = Repository(xml =>
        {
            Bombs.Write(xml, PrimaryHead + "<package type=\"rpm\"><name>k</name><format><rpm:provides><rpm:entry name=\"");
            Bombs.Repeat(xml, (byte)'a', 600L << 20);
            Bombs.Write(xml, "\"/></rpm:provides></format></package></metadata>");
        });
        var run = ChildCli.Run(Limit, "inspect", repo);
        AssertRefused(run, $"{repo}/repodata/primary.xml.zst: an XML text or tag longer than the limit of {InputLimits.MaxXmlTokenBytes} bytes");
    }

    [Fact]
    public void PrimaryXml_WithAPackageOf4MillionProvides_IsRefusedAtThePackageCap()
    {
        var repo = Repository(xml =>
        {
            Bombs.Write(xml, PrimaryHead + "<package type=\"rpm\"><name>k</name><arch>x86_64</arch><version epoch=\"0\" ver=\"1\" rel=\"1\"/><format><rpm:provides>");
            Bombs.Repeat(xml, "<rpm:entry name=\"kernel(x)\" flags=\"EQ\" epoch=\"0\" ver=\"0x1\"/>\n", 4_000_000);
            Bombs.Write(xml, "</rpm:provides></format></package></metadata>");
        });
        var run = ChildCli.Run(Limit, "inspect", repo);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Matches($@"^kabigate: ERROR: {repo}/repodata/primary\.xml\.zst:\d+: package 'k': more than the limit of {InputLimits.MaxDependenciesPerPackage} provides, requires and conflicts$", Assert.Single(run.ErrorLines));
        AssertBounded(run);
    }

    [Fact]
    public void ModuleZst_FollowedBy900MBOfZeros_SixInADirectory_StayUnderTheCeiling()
    {
        var dir = Directory.CreateDirectory(_temp.Combine("modules")).FullName;
        var first = Path.Combine(dir, "bomb0.ko.zst");
        Bombs.Zstd(first, s =>
        {
            s.Write(Module());
            Bombs.Repeat(s, 0, 900L << 20);
        });
        for (int i = 1; i < 6; i++)
            File.Copy(first, Path.Combine(dir, $"bomb{i}.ko.zst"));
        var run = ChildCli.Run(Limit, "check", "--kernel", Symvers(), "--release", Release, dir);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(
            Enumerable.Range(0, 6).Select(i => $"kabigate: ERROR: {dir}/bomb{i}.ko.zst: decompressed data exceeds {InputLimits.MaxModuleBytes} bytes (decompression bomb?)"),
            run.ErrorLines);
        AssertBounded(run);
    }

    [Fact]
    public void Deb_WithFourModuleBombs_StaysUnderTheCeiling()
    {
        var bomb = _temp.Combine("bomb.ko.zst");
        Bombs.Zstd(bomb, s =>
        {
            s.Write(Module());
            Bombs.Repeat(s, 0, 900L << 20);
        });
        var data = File.ReadAllBytes(bomb);
        var deb = _temp.Combine("kmod-bombs.deb");
        File.WriteAllBytes(deb, DebFixtures.Deb("data.tar", DebFixtures.Tar(
            [.. Enumerable.Range(0, 4).Select(i => ($"./lib/modules/{Release}/extra/bomb{i}.ko.zst", data))])));
        var run = ChildCli.Run(Limit, "check", "--kernel", Symvers(), "--release", Release, deb);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(
            [.. Enumerable.Range(0, 4).Select(i => $"kabigate: ERROR: {deb}!lib/modules/{Release}/extra/bomb{i}.ko.zst: decompressed data exceeds {InputLimits.MaxModuleBytes} bytes (decompression bomb?)"),
             $"kabigate: ERROR: {deb}: this package holds no kernel modules"],
            run.ErrorLines);
        AssertBounded(run);
    }

    [Fact]
    public void Symvers_WithOne900MBLine_IsRefused_AndALongLineIsRefusedByNumber()
    {
        var symvers = _temp.Combine($"symvers-{Release}.gz");
        Bombs.Gzip(symvers, s =>
        {
            Bombs.Write(s, "0x12345678\t");
            Bombs.Repeat(s, (byte)'a', 900L << 20);
            Bombs.Write(s, "\tvmlinux\tEXPORT_SYMBOL\t\n");
        });
        var run = ChildCli.Run(Limit, "check", "--kernel", symvers, Module(_temp.Combine("m.ko")));
        AssertRefused(run, $"{symvers}: decompressed data exceeds {InputLimits.MaxSymversBytes} bytes (decompression bomb?)");

        var plain = _temp.Combine("Module.symvers");
        File.WriteAllText(plain, "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n0x1\t" + new string('a', 100_000) + "\tvmlinux\tEXPORT_SYMBOL\t\n");
        var ex = Assert.Throws<ModuleFormatException>(() => SymversReader.Read(plain));
        Assert.Equal($"{plain}:2: line longer than the limit of {InputLimits.MaxLineBytes} bytes", ex.Message);
    }

    [Fact]
    public void DevZero_AsStablelist_PolicyStablelist_AndProcModules_IsRefusedBeforeReading()
    {
        var module = Module(_temp.Combine("m.ko"));
        var run = ChildCli.Run(Limit, "check", "--kernel", Symvers(), "--release", Release, "--stablelist", "/dev/zero", module);
        AssertRefused(run, "/dev/zero: not a regular file (a character device); refused before opening it");

        var policy = _temp.Combine("policy.toml");
        File.WriteAllText(policy, "stablelist = \"/dev/zero\"\n");
        run = ChildCli.Run(Limit, "gate", "--kernel", Symvers(), "--kmods", module, "--policy", policy);
        AssertRefused(run, "/dev/zero: not a regular file (a character device); refused before opening it");

        run = ChildCli.Run(Limit, "hold", "--repo", _temp.Path, "--in-use", "--proc-modules", "/dev/zero");
        AssertRefused(run, "/dev/zero: cannot read the loaded modules: not a regular file (a character device); refused before opening it");
    }

    [Fact]
    public void LinuxImageDeb_WhoseVmlinuzExpandsTo500MB_IsRefused()
    {
        var elf = new VmlinuxBuilder { Exports = Kabigate.Tests.Formats.Kernel.VmlinuxReaderTests.SampleExports }.Build();
        var payload = _temp.Combine("payload.zst");
        Bombs.Zstd(payload, s =>
        {
            s.Write(elf);
            Bombs.Repeat(s, 0, 500L << 20);
        });
        foreach (uint declared in new[] { 500u << 20, 100u << 20 })
        {
            var deb = _temp.Combine($"linux-image-{Release}_{declared}_amd64.deb");
            var image = BzImageBuilder.Build(File.ReadAllBytes(payload), declared);
            File.WriteAllBytes(deb, DebFixtures.Deb("data.tar", DebFixtures.Tar(($"./boot/vmlinuz-{Release}", image))));
            var run = ChildCli.Run(Limit, "check", "--kernel", deb, Module(_temp.Combine("m.ko")));
            Assert.True(run.ExitCode == 2, run.ToString());
            var line = Assert.Single(run.ErrorLines);
            Assert.StartsWith($"kabigate: ERROR: {deb}!boot/vmlinuz-{Release}: ", line, StringComparison.Ordinal);
            Assert.Contains(declared > InputLimits.MaxKernelImageBytes ? "more than the limit of 201326592" : $"{declared}", line, StringComparison.Ordinal);
            AssertBounded(run);
        }
    }

    [Fact]
    public void APolicyNested64Deep_GivesItsLine_And200000Waivers_StopAtTheCap()
    {
        var module = Module(_temp.Combine("m.ko"));
        var deep = _temp.Combine("deep.toml");
        File.WriteAllText(deep, "# a policy\nx = " + new string('[', 64) + new string(']', 64) + "\n");
        foreach (var verb in new[] { new[] { "gate", "--kernel", Symvers(), "--kmods", module }, ["diff", Symvers(), Symvers()] })
        {
            var run = ChildCli.Run(Limit, [.. verb, "--policy", deep]);
            AssertRefused(run, $"{deep}:2: arrays or inline tables nested deeper than the limit of {InputLimits.MaxPolicyDepth}");
        }

        // 200,000 waivers as people write them are 12 MB: the size cap; 20,000 terse ones fit it and meet the count cap.
        var many = _temp.Combine("many.toml");
        using (var file = File.Create(many))
            Bombs.Repeat(file, "[[waiver]]\nsymbol = \"fput\"\nowner = \"a@example.com\"\nreason = \"r\"\n", 200_000);
        var run200k = ChildCli.Run(Limit, "gate", "--kernel", Symvers(), "--kmods", module, "--policy", many);
        AssertRefused(run200k, $"{many}: more than the limit of {InputLimits.MaxPolicyBytes} bytes");

        using (var file = File.Create(many))
            Bombs.Repeat(file, "[[waiver]]\nkmod=\"a\"\nowner=\"o\"\nreason=\"r\"\n", 20_000);
        var waivers = ChildCli.Run(Limit, "gate", "--kernel", Symvers(), "--kmods", module, "--policy", many);
        AssertRefused(waivers, $"{many}:{(4 * InputLimits.MaxPolicyEntries) + 1}: more than the limit of {InputLimits.MaxPolicyEntries} waivers");
        Assert.True(waivers.Elapsed < TimeSpan.FromSeconds(10), waivers.ToString());
    }

    private const string PrimaryHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"1\">\n";

    private void AssertRefused(ChildRun run, string line)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("kabigate: ERROR: " + line, Assert.Single(run.ErrorLines));
        AssertBounded(run);
    }

    private void AssertBounded(ChildRun run)
    {
        output.WriteLine($"peak {run.PeakRssBytes >> 20} MiB, {run.Elapsed.TotalSeconds:0.00} s: {run.ErrorLines.FirstOrDefault()}");
        Assert.True(run.PeakRssBytes < ChildCli.MemoryCeilingBytes, $"peak RSS {run.PeakRssBytes >> 20} MiB: {run}");
    }

    /// <summary>A local repository whose repomd.xml names the zstd primary.xml <paramref name="write"/> produces.</summary>
    private string Repository(Action<Stream> write)
    {
        var repo = Directory.CreateDirectory(_temp.Combine("repo", "repodata")).Parent!.FullName;
        var primary = Path.Combine(repo, "repodata", "primary.xml.zst");
        Bombs.Zstd(primary, write);
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(primary)));
        File.WriteAllText(Path.Combine(repo, "repodata", "repomd.xml"), $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision>
              <data type="primary"><checksum type="sha256">{sha}</checksum><location href="repodata/primary.xml.zst"/></data>
            </repomd>
            """);
        return repo;
    }

    private string Symvers()
    {
        var path = _temp.Combine($"symvers-{Release}");
        if (!File.Exists(path))
            File.WriteAllText(path, "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n");
        return path;
    }

    private static byte[] Module() => new ElfBuilder
    {
        Modinfo = [("license", "GPL"), ("name", "bomb"), ("vermagic", Release + " SMP preempt mod_unload modversions ")],
        Versions = [("printk", 0x12345678)],
        Undefined = [("printk", false)],
    }.Build();

    private static string Module(string path)
    {
        if (!File.Exists(path))
            File.WriteAllBytes(path, Module());
        return path;
    }
}

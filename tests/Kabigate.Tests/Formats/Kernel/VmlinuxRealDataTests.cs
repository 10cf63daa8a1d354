using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Kernel;
using Kabigate.Tests.Support;
using Xunit.Abstractions;

namespace Kabigate.Tests.Formats.Kernel;

/// <summary>
/// Debian 12's real kernels: the exports recovered from <c>/boot/vmlinuz-RELEASE</c> of a linux-image package
/// (CONFIG_KERNEL_XZ) must equal, symbol for symbol, the <c>vmlinux</c> rows of the same release's Module.symvers
/// from its linux-headers package (installed by tests/prepare-data.sh). The image package is taken from
/// <c>/tmp/imgNN</c> when unpacked there, else from the .deb folders, else fetched with <c>apt-get download</c>.
/// </summary>
[Trait("Category", "RealData")]
public class VmlinuxRealDataTests(ITestOutputHelper output)
{
    private const string Old = "6.1.0-47-amd64";
    private const string New = "6.1.0-56-amd64";

    [RealFileFact("/usr/src/linux-headers-" + Old + "/Module.symvers", "apt-get", "dpkg-deb")]
    public void Vmlinuz_6_1_0_47_EqualsModuleSymvers() => AssertEqualsSymvers(Old);

    [RealFileFact("/usr/src/linux-headers-" + New + "/Module.symvers", "apt-get", "dpkg-deb")]
    public void Vmlinuz_6_1_0_56_EqualsModuleSymvers() => AssertEqualsSymvers(New);

    private void AssertEqualsSymvers(string release)
    {
        using var scratch = new TempDirectory();
        var vmlinuz = LocateVmlinuz(release, scratch);
        var symversPath = $"/usr/src/linux-headers-{release}/Module.symvers";
        output.WriteLine($"symvers: {symversPath} ({Query("dpkg-query", "-W", "-f", "${Package} ${Version}", "linux-headers-" + release)})");

        var bytes = File.ReadAllBytes(vmlinuz);
        var clock = Stopwatch.StartNew();
        var elf = VmlinuxReader.ExtractElf(bytes, vmlinuz);
        var decompressed = clock.Elapsed;
        var fromImage = VmlinuxReader.ReadExports(elf, vmlinuz + "!vmlinux");
        var total = clock.Elapsed;
        clock.Restart();
        var fromPath = VmlinuxReader.ReadExports(vmlinuz);
        var endToEnd = clock.Elapsed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(vmlinuz)}: {bytes.Length} bytes -> {elf.Length} bytes of ELF in {decompressed.TotalMilliseconds:F0} ms, exports parsed in {(total - decompressed).TotalMilliseconds:F1} ms; ReadExports(path) again: {endToEnd.TotalMilliseconds:F0} ms"));
        Assert.Equal(fromImage, fromPath);

        var symvers = SymversReader.Read(symversPath).Where(e => e.IsVmlinux).ToList();
        var expected = symvers.ToHashSet();
        var actual = fromImage.ToHashSet();
        var missing = symvers.Where(e => !actual.Contains(e)).Take(10).ToList();
        var extra = fromImage.Where(e => !expected.Contains(e)).Take(10).ToList();
        output.WriteLine($"vmlinux rows in Module.symvers: {symvers.Count} ({symvers.Count(e => e.Kind == ExportKind.Gpl)} GPL, {symvers.Count(e => e.Namespace is not null)} namespaced); recovered: {fromImage.Count} ({fromImage.Count(e => e.Kind == ExportKind.Gpl)} GPL, {fromImage.Count(e => e.Namespace is not null)} namespaced)");

        Assert.True(missing.Count == 0 && extra.Count == 0, $"only in Module.symvers: {string.Join("; ", missing)} | only in the image: {string.Join("; ", extra)}");
        Assert.Equal(symvers.Count, fromImage.Count);
        Assert.Equal(fromImage.Select(e => e.Symbol).Distinct(StringComparer.Ordinal).Count(), fromImage.Count);
    }

    /// <summary>Finds or fetches <c>vmlinuz-RELEASE</c> and says where it came from.</summary>
    private string LocateVmlinuz(string release, TempDirectory scratch)
    {
        var abi = release.Split('-')[1];
        var unpacked = $"/tmp/img{abi}/boot/vmlinuz-{release}";
        if (File.Exists(unpacked))
        {
            output.WriteLine($"image: {unpacked} (already unpacked)");
            return unpacked;
        }

        var package = "linux-image-" + release;
        var deb = FindImageDeb(package) ?? Download(package);
        output.WriteLine($"image: {Path.GetFileName(deb)} {Query("dpkg-deb", "-f", deb, "Version").Trim()} sha256={Sha256Prefix(deb)} ({deb})");

        // Only the one file: tar stops at its first occurrence, so the modules are not unpacked.
        Tools.RunBytes("sh", ["-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xf - --occurrence=1 -C \"$2\" \"./boot/vmlinuz-$3\"", "sh", deb, scratch.Path, release]);
        var path = scratch.Combine("boot", "vmlinuz-" + release);
        Assert.True(File.Exists(path), $"{deb} has no ./boot/vmlinuz-{release}");
        return path;
    }

    private static string? FindImageDeb(string package) =>
        new[] { Support.RealData.DebDirectory, CacheDebDirectory }
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, package + "_*.deb"))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>The debs folder of the shared test-data cache, where prepare-data.sh puts its downloads.</summary>
    private static string CacheDebDirectory => Path.Combine(Support.RealData.DataRoot, "debs");

    /// <summary>apt-get download into a private folder, moved into the cache only when complete.</summary>
    private string Download(string package)
    {
        var dir = CacheDebDirectory;
        Directory.CreateDirectory(dir);
        var partial = Path.Combine(dir, $".partial-{Environment.ProcessId}-{package}");
        Directory.CreateDirectory(partial);
        try
        {
            output.WriteLine($"apt-get download {package} into {dir}");
            Tools.RunBytes("apt-get", ["download", "-q", package], workingDirectory: partial);
            var deb = Directory.EnumerateFiles(partial, package + "_*.deb").Single();
            var target = Path.Combine(dir, Path.GetFileName(deb));
            File.Move(deb, target, overwrite: true);
            return target;
        }
        finally
        {
            Directory.Delete(partial, recursive: true);
        }
    }

    private static string Query(string tool, params string[] arguments)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Tools.RunBytes(tool, arguments)).Trim();
        }
        catch (InvalidOperationException e)
        {
            return "unknown: " + e.Message;
        }
    }

    private static string Sha256Prefix(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
    }
}

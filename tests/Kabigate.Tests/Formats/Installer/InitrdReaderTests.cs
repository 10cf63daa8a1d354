using Kabigate.Formats;
using Kabigate.Formats.Installer;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Installer;

/// <summary>
/// The initramfs reader on archives made by the real tools: GNU <c>cpio -o -H newc</c>, then gzip, <c>xz
/// --check=crc32</c> (what the kernel's xz decoder needs) or zstd; dracut's layout (an uncompressed early archive, then
/// a compressed one); several archives in one stream; and damaged images, each a one-line error.
/// </summary>
public sealed class InitrdReaderTests
{
    private const string Source = "initrd.img";
    private const string Module = "lib/modules/6.1.0-47-amd64/kernel/drivers/scsi/a.ko";

    private static readonly byte[] ModuleBytes = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))];

    /// <summary>A cpio newc archive of a small tree (a module, another file, a directory, a symbolic link) by GNU cpio.</summary>
    private static byte[] Archive(params (string Path, byte[] Data)[] files)
    {
        using var temp = new TempDirectory();
        foreach (var (path, data) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(temp.Combine(path))!);
            File.WriteAllBytes(temp.Combine(path), data);
        }
        File.CreateSymbolicLink(temp.Combine("init"), "/sbin/init");
        return Tools.RunBytes("bash", ["-c", "find . | LC_ALL=C sort | cpio -o -H newc --quiet"], workingDirectory: temp.Path);
    }

    private static byte[] Standard => Archive((Module, ModuleBytes), ("etc/hostname", "installer\n"u8.ToArray()));

    private static List<InitrdEntry> Read(byte[] image, Func<string, bool>? wanted = null) =>
        [.. InitrdReader.ReadEntries(new MemoryStream(image), Source, wanted ?? (_ => true), 1 << 20)];

    [ToolTheory("cpio", "gzip", "xz", "zstd")]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("xz")]
    [InlineData("zstd")]
    public void ReadsTheFilesOfAnArchive_PlainOrCompressed(string compressor)
    {
        var archive = Standard;
        var image = compressor switch
        {
            "none" => archive,
            "gzip" => Tools.Compress("gzip", archive, "-n", "-9"),
            "xz" => Tools.Compress("xz", archive, "--check=crc32"),
            _ => Tools.Compress("zstd", archive, "-q", "-19"),
        };
        var entries = Read(image);
        Assert.Equal(["etc/hostname", Module], entries.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Equal(ModuleBytes, entries.Single(e => e.Path == Module).Data);
        Assert.Equal([Module], Read(image, p => p.EndsWith(".ko", StringComparison.Ordinal)).Select(e => e.Path));
    }

    [ToolFact("cpio", "xz")]
    public void DracutLayout_AnEarlyArchiveThenACompressedOne_BothAreRead()
    {
        var early = Archive(("kernel/x86/microcode/GenuineIntel.bin", [1, 2, 3]));
        var image = early.Concat(new byte[512 - (early.Length % 512)]).Concat(Tools.Compress("xz", Standard, "--check=crc32")).ToArray();
        Assert.Equal(["etc/hostname", "kernel/x86/microcode/GenuineIntel.bin", Module], Read(image).Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [ToolFact("cpio", "gzip")]
    public void SeveralArchivesInOneCompressedStream_AreAllRead()
    {
        var second = Archive(("lib/modules/6.1.0-47-amd64/kernel/fs/b.ko.xz", [9, 9]));
        var image = Tools.Compress("gzip", [.. Standard, .. new byte[1024], .. second], "-n");
        Assert.Equal(3, Read(image).Count);
    }

    [Fact]
    public void NotAnInitramfs_IsOneLine()
    {
        var error = Assert.Throws<ModuleFormatException>(() => Read("hello, world"u8.ToArray()));
        Assert.Equal("initrd.img: not an initramfs: starts with '68656c6c6f2c', neither a cpio archive ('070701') nor a gzip, xz, zstd, bzip2 or lz4 stream (at offset 0x0)", error.Message);
    }

    [Fact]
    public void NothingButZeros_IsEmpty()
    {
        var error = Assert.Throws<ModuleFormatException>(() => Read(new byte[8192]));
        Assert.Equal("initrd.img: empty initramfs: nothing but zeros", error.Message);
    }

    [ToolFact("cpio")]
    public void GarbageAfterAPlainArchive_NamesTheSegment()
    {
        var archive = Standard;
        var error = Assert.Throws<ModuleFormatException>(() => Read([.. archive, .. "junk!!"u8]));
        Assert.StartsWith($"initrd.img: initramfs segment starts with '6a756e6b2121'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [ToolFact("cpio", "xz")]
    public void GarbageAfterTheTrailerInsideACompressedStream_IsAnError()
    {
        var image = Tools.Compress("xz", [.. Standard, .. "junk!!"u8], "--check=crc32");
        var error = Assert.Throws<ModuleFormatException>(() => Read(image));
        Assert.Equal("initrd.img@0x0: after a cpio trailer: '6a756e6b2121' is not the start of another cpio archive", error.Message);
    }

    [ToolFact("cpio", "xz")]
    public void TruncatedCompressedStream_IsOneLine()
    {
        var image = Tools.Compress("xz", Standard, "--check=crc32");
        var error = Assert.Throws<ModuleFormatException>(() => Read(image[..(image.Length / 2)]));
        Assert.StartsWith("initrd.img@0x0: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [ToolFact("cpio")]
    public void TruncatedPlainArchive_IsOneLine()
    {
        var archive = Standard;
        var error = Assert.Throws<ModuleFormatException>(() => Read(archive[..(archive.Length - 700)]));
        Assert.StartsWith("initrd.img@0x0: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [ToolFact("cpio", "gzip")]
    public void AnImageExpandingBeyondItsCap_IsRefused()
    {
        // 80 MiB of zeros gzip to about 80 KB: beyond 64 times the 1 MiB floor of the cap.
        var image = Tools.RunBytes("bash", ["-c", "d=$(mktemp -d) && cd $d && head -c 83886080 /dev/zero > zeros && echo zeros | cpio -o -H newc --quiet | gzip -n; rm -rf $d"]);
        var error = Assert.Throws<ModuleFormatException>(() => Read(image, _ => false));
        Assert.StartsWith($"initrd.img@0x0: cpio entry 'zeros': decompressed data exceeds {64L << 20} bytes (decompression bomb?)", error.Message, StringComparison.Ordinal);
    }

    [ToolFact("cpio")]
    public void UnsafeNames_AreNeverYielded()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("x.ko"), [1]);
        Directory.CreateDirectory(temp.Combine("sub"));
        var archive = Tools.RunBytes("bash", ["-c", "printf '../x.ko\\n' | cpio -o -H newc --quiet"], workingDirectory: temp.Combine("sub"));
        Assert.Empty(Read(archive));
    }
}

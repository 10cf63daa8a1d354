namespace Kabigate.Tests.Support;

/// <summary>
/// An Anaconda-style boot ISO made by the real tools from a real Debian kernel: <c>images/pxeboot/vmlinuz</c> is the
/// image package's <c>boot/vmlinuz-R</c>; <c>images/pxeboot/initrd.img</c> is a cpio newc archive (GNU
/// <c>cpio -o -H newc</c>) of a subset of its modules, each recompressed as <c>.ko.xz</c> (<c>xz --check=crc32</c>, as
/// the kernel's decoder needs), the archive itself compressed with <c>xz --check=crc32</c> (or zstd); xorriso writes the
/// image (Rock Ridge and Joliet, as lorax does).
/// </summary>
public sealed class BootIso
{
    /// <summary>The module directories taken into the initramfs (below <c>lib/modules/R/kernel/</c>): SCSI drivers and libraries.</summary>
    public static readonly string[] ModuleDirectories = ["drivers/scsi", "lib"];

    private BootIso(string iso, string initrdRoot, string release, string vmlinuz, string cpio)
    {
        Iso = iso;
        InitrdRoot = initrdRoot;
        Release = release;
        Vmlinuz = vmlinuz;
        Cpio = cpio;
    }

    /// <summary>The boot ISO.</summary>
    public string Iso { get; }

    /// <summary>The tree the initramfs was made of (<c>lib/modules/R/kernel/**.ko.xz</c>).</summary>
    public string InitrdRoot { get; }

    /// <summary>The kernel release.</summary>
    public string Release { get; }

    /// <summary>The kernel image.</summary>
    public string Vmlinuz { get; }

    /// <summary>The uncompressed cpio archive of <see cref="InitrdRoot"/>.</summary>
    public string Cpio { get; }

    /// <summary>The .ko.xz files of the initramfs, relative to <c>lib/modules/R/</c>.</summary>
    public IReadOnlyList<string> Modules =>
        [.. Directory.EnumerateFiles(Path.Combine(InitrdRoot, "lib/modules", Release), "*.ko.xz", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(InitrdRoot, "lib/modules", Release), f)).Order(StringComparer.Ordinal)];

    /// <summary>Builds the ISO in <paramref name="directory"/> from an image package.</summary>
    public static BootIso Build(string imageDeb, string release, string directory)
    {
        var unpacked = Path.Combine(directory, "image");
        var patterns = string.Join(' ', ModuleDirectories.Select(d => $"'./lib/modules/{release}/kernel/{d}/*'"));
        Tools.ExtractFromDeb(imageDeb, $"./boot/vmlinuz-{release}", unpacked);
        Tools.RunOk("bash", "-c", $"dpkg-deb --fsys-tarfile '{imageDeb}' | tar -x -C '{unpacked}' --wildcards {patterns}");
        var root = Path.Combine(directory, "initrd");
        var modules = Path.Combine(root, "lib/modules", release);
        Directory.CreateDirectory(modules);
        Tools.RunOk("bash", "-c", $"cp -r '{unpacked}/lib/modules/{release}/kernel' '{modules}/' && find '{modules}' -name '*.ko' -print0 | xargs -0 xz --check=crc32");
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc/os-release"), "NAME=\"kabigate test installer\"\n");
        var cpio = Path.Combine(directory, "initrd.cpio");
        File.WriteAllBytes(cpio, Tools.RunBytes("bash", ["-c", "find . | LC_ALL=C sort | cpio -o -H newc --quiet"], workingDirectory: root));
        var iso = Path.Combine(directory, "iso");
        var pxeboot = Path.Combine(iso, "images/pxeboot");
        Directory.CreateDirectory(pxeboot);
        var vmlinuz = Path.Combine(pxeboot, "vmlinuz");
        File.Copy(Path.Combine(unpacked, "boot", $"vmlinuz-{release}"), vmlinuz);
        File.WriteAllBytes(Path.Combine(pxeboot, "initrd.img"), Tools.Compress("xz", File.ReadAllBytes(cpio), "--check=crc32", "-T1"));
        File.WriteAllText(Path.Combine(iso, ".discinfo"), "kabigate test boot image\n");
        var path = Path.Combine(directory, "boot.iso");
        Tools.RunOk("xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-V", "KABIGATE_BOOT", "-o", path, iso);
        return new BootIso(path, root, release, vmlinuz, cpio);
    }
}

using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// What the tests share: Debian's netboot installer unpacked by dpkg-deb and its text initrd by GNU cpio (kept in the
/// data cache's scratch folder), and a boot ISO built from the oldest 6.1 image package (<see cref="BootIso"/>).
/// </summary>
public sealed class InstallerFixture : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Lazy<BootIso> _bootIso;

    public InstallerFixture()
    {
        _bootIso = new(() => BootIso.Build(Data.ImageDeb, Data.OldRelease, _temp.Path));
    }

    private static Support.RealData Data => Support.RealData.Instance;

    public BootIso BootIso => _bootIso.Value;

    /// <summary>The package unpacked with <c>dpkg-deb -x</c>.</summary>
    public string NetbootTree
    {
        get
        {
            var tree = Data.Scratch("netboot-" + Path.GetFileNameWithoutExtension(Data.NetbootDeb));
            if (!File.Exists(Path.Combine(tree, ".done")))
            {
                Tools.RunOk("dpkg-deb", "-x", Data.NetbootDeb, tree);
                File.WriteAllText(Path.Combine(tree, ".done"), "");
            }
            return tree;
        }
    }

    /// <summary>The directory holding the text installer's <c>linux</c> and <c>initrd.gz</c>.</summary>
    public string TextPair => Path.Combine(NetbootTree, "usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64");

    /// <summary>The text installer's initrd unpacked by GNU cpio (the root holding <c>lib/modules/R/</c>).</summary>
    public string TextInitrdRoot
    {
        get
        {
            var root = Data.Scratch("netboot-text-initrd-" + Path.GetFileNameWithoutExtension(Data.NetbootDeb));
            if (!File.Exists(Path.Combine(root, ".done")))
            {
                Tools.RunOk("bash", "-c", $"cd '{root}' && gzip -dc '{TextPair}/initrd.gz' | cpio -id --quiet --no-absolute-filenames");
                File.WriteAllText(Path.Combine(root, ".done"), "");
            }
            return root;
        }
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>
/// Installer images as kernels, on Debian's real netboot installer and a boot ISO made from a real Debian kernel:
/// the ABI recovered from the image, equal to Debian's Module.symvers of the release; the driver update disk's
/// verdicts, equal to depmod's over the same kernel and modules.
/// </summary>
[Trait("Category", "RealData")]
public sealed class InstallerKernelTests(InstallerFixture fixture) : IClassFixture<InstallerFixture>
{
    private static Support.RealData Data => Support.RealData.Instance;

    private static readonly string[] DudKmods = ["kg_consumer", "kg_crcchange", "kg_provider", "kg_stable"];

    [RealDataFact("dpkg-deb", "cpio", "gzip")]
    public void Netboot_ThePackage_ItsUnpackedTree_AndThePairDirectory_AreTheSameKernels()
    {
        var fromDeb = KernelSourceReader.ReadAll(Data.NetbootDeb, new KernelSourceOptions());
        var fromTree = KernelSourceReader.ReadAll(fixture.NetbootTree, new KernelSourceOptions());
        var fromPair = KernelSourceReader.Read(fixture.TextPair, new KernelSourceOptions());

        // One kernel per installer image in the package: the graphical (gtk) and the text one.
        Assert.Equal(["gtk", "text"], fromDeb.Select(k => k.Source.Split('/')[^3]));
        Assert.Equal(["gtk", "text"], fromTree.Select(k => k.Source.Split('/')[^3]));
        Assert.All(fromDeb.Concat(fromTree).Append(fromPair), k => Assert.Equal(Data.NetbootRelease, k.Release));
        for (var i = 0; i < 2; i++)
            AssertSameKernel(fromDeb[i], fromTree[i]);
        AssertSameKernel(fromDeb[1], fromPair);
        Assert.Equal(fixture.TextPair, fromPair.Source);
    }

    [RealDataFact("dpkg-deb", "cpio", "gzip", "modinfo", "readelf")]
    public void Netboot_Abi_IsDebiansOwnForItsRelease()
    {
        var kernel = KernelSourceReader.Read(fixture.TextPair, new KernelSourceOptions());
        var moduleFiles = Directory.EnumerateFiles(Path.Combine(fixture.TextInitrdRoot, "lib/modules", Data.NetbootRelease), "*.ko", SearchOption.AllDirectories).ToList();
        var sample = moduleFiles.Order(StringComparer.Ordinal).First();

        // vermagic and sizeof(struct module) as modinfo and readelf read them from a module GNU cpio unpacked.
        Assert.Equal(Tools.RunOk("modinfo", "-F", "vermagic", sample).TrimEnd('\n'), kernel.Vermagic);
        var section = Tools.RunOk("readelf", "-SW", sample).Split('\n').Single(l => l.Contains("] .gnu.linkonce.this_module ", StringComparison.Ordinal));
        var size = Convert.ToUInt64(section[(section.IndexOf(".gnu.linkonce.this_module", StringComparison.Ordinal) + 25)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], 16);
        Assert.Equal(size, kernel.ModuleStructSize);

        // Every export of a module in the initrd, and only those, beside the kernel image's.
        var exporters = kernel.Exports.Values.Where(e => e.Module != "vmlinux").Select(e => e.Module).ToHashSet(StringComparer.Ordinal);
        Assert.True(exporters.Count > 100, $"{exporters.Count} exporting modules");
        Assert.All(exporters, m => Assert.Contains(moduleFiles, f => f.EndsWith($"/kernel/{m}.ko", StringComparison.Ordinal)));

        var headers = Data.NetbootHeadersDeb;
        Assert.True(headers is not null, $"apt no longer offers linux-headers-{Data.NetbootRelease}: InstallerDepmodTests compare with depmod alone");
        var symvers = KernelSourceReader.Read(headers!, new KernelSourceOptions()).Exports;
        var vmlinux = kernel.Exports.Values.Where(e => e.Module == "vmlinux").Select(Row).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(symvers.Values.Where(e => e.Module == "vmlinux").Select(Row).Order(StringComparer.Ordinal), vmlinux);
        Assert.All(kernel.Exports.Values.Where(e => e.Module != "vmlinux"), e => Assert.Equal(Row(symvers[e.Symbol]), Row(e)));
    }

    [RealDataFact("dpkg-deb", "cpio", "gzip", "depmod")]
    public void Netboot_ItsOwnModules_LoadOnIt_AsDepmodSays()
    {
        // The oracle needs no headers: depmod over the initrd's modules, with the vmlinux ABI kabigate recovered.
        var kernel = KernelSourceReader.Read(fixture.TextPair, new KernelSourceOptions());
        using var temp = new TempDirectory();
        var symvers = WriteVmlinuxSymvers(kernel, temp.Combine("vmlinux.symvers"));
        var depmod = Depmod.RunOnTree(fixture.TextInitrdRoot, symvers, Data.NetbootRelease);
        var modules = ModuleSetReader.Read([Path.Combine(fixture.TextInitrdRoot, "lib/modules", Data.NetbootRelease)]).Modules;
        var report = CompatibilityEngine.Check([kernel], modules, new CheckOptions(Explain: true));
        Assert.Equal(depmod.OrderBy(f => f.ToString()), DepmodView(report).OrderBy(f => f.ToString()));
        Assert.Equal(modules.Count, report.Verdicts.Count(v => v.Loads));
    }

    [RealDataFact("dpkg-deb", "cpio", "gzip", "depmod", "osirrox", "rpm2cpio")]
    public void Netboot_DriverUpdateDisk_VerdictsAgreeWithDepmod()
    {
        var kernel = KernelSourceReader.Read(fixture.TextPair, new KernelSourceOptions());
        var dud = ModuleSetReader.Read([Data.DriverUpdateDisk]);
        Assert.Empty(dud.Errors);
        var report = CompatibilityEngine.Check([kernel], dud.Modules, new CheckOptions(Explain: true));

        using var temp = new TempDirectory();
        var headers = Data.NetbootHeadersDeb;
        var symvers = headers is null ? WriteVmlinuxSymvers(kernel, temp.Combine("vmlinux.symvers")) : VmlinuxRows(headers, temp.Combine("vmlinux.symvers"));
        var depmod = DepmodOverTreeAndDud(fixture.TextInitrdRoot, Data.NetbootRelease, temp);
        Assert.Equal(depmod.OrderBy(f => f.ToString()), DepmodView(report).Where(f => IsDud(f.ModuleFile)).OrderBy(f => f.ToString()));
        Assert.All(report.Verdicts, v => Assert.False(v.Loads)); // built for 6.1.0-47: module_layout differs on 50
        Assert.NotEmpty(depmod);

        var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", fixture.TextPair, Data.DriverUpdateDisk);
        Assert.Equal("", stderr);
        Assert.Equal(1, exit);
        Assert.Contains("4 module(s) x 1 kernel(s): 0 load, 4 do not", stdout, StringComparison.Ordinal);
        Assert.Contains("kg_stable: disagrees about version of symbol module_layout", stdout, StringComparison.Ordinal);

        IReadOnlySet<Depmod.Finding> DepmodOverTreeAndDud(string initrdRoot, string release, TempDirectory scratch)
        {
            // A tree of the initrd's modules (hard links) plus the driver update disk's, unpacked by osirrox and rpm2cpio.
            var root = scratch.Combine("root");
            Tools.RunOk("cp", "-rs", initrdRoot, root);
            var extracted = Xorriso(scratch.Combine("dud"));
            var extra = Path.Combine(root, "lib/modules", release, "extra");
            Directory.CreateDirectory(extra);
            foreach (var rpm in Directory.EnumerateFiles(extracted, "*.rpm", SearchOption.AllDirectories))
                Tools.RunOk("bash", "-c", $"cd '{scratch.Path}' && rpm2cpio '{rpm}' | cpio -id --quiet && find lib -name '*.ko*' -exec mv {{}} '{extra}/' \\;");
            return Depmod.RunOnTree(root, symvers, release);
        }
    }

    [RealDataFact("xorriso", "cpio", "xz", "dpkg-deb")]
    public void BootIso_IsAKernel_TheDriverUpdateDiskIsNot_WhateverTheirNames()
    {
        var boot = fixture.BootIso;
        using var temp = new TempDirectory();
        var bootNamedLikeADud = temp.Combine("dud.iso");
        var dudNamedLikeABootIso = temp.Combine("boot.iso");
        File.Copy(boot.Iso, bootNamedLikeADud);
        File.Copy(Data.DriverUpdateDisk, dudNamedLikeABootIso);

        var asAny = SourceContentsReader.Read(bootNamedLikeADud, SourceRole.Any, new KernelSourceOptions());
        Assert.Null(asAny.Error);
        Assert.Equal(Data.OldRelease, Assert.Single(asAny.Kernels).Release);
        Assert.Empty(asAny.Kmods);
        var dudAsAny = SourceContentsReader.Read(dudNamedLikeABootIso, SourceRole.Any, new KernelSourceOptions());
        Assert.Empty(dudAsAny.Kernels);
        Assert.Equal(DudKmods, dudAsAny.Kmods.Select(m => m.Name).Order(StringComparer.Ordinal));

        var error = Assert.Throws<ModuleFormatException>(() => KernelSourceReader.Read(dudNamedLikeABootIso, new KernelSourceOptions()));
        Assert.Equal($"{dudNamedLikeABootIso}: this is a driver update disk, not an installer's boot image: give it as a module argument", error.Message);
        var asModules = ModuleSetReader.Read([bootNamedLikeADud]);
        Assert.Equal($"{bootNamedLikeADud}: this is an installer's boot image (images/pxeboot/vmlinuz and initrd.img), a kernel: give it as --kernel", Assert.Single(asModules.Errors).Message);
    }

    [RealDataFact("xorriso", "cpio", "xz", "dpkg-deb", "zstd")]
    public void BootIso_Abi_IsTheImagesVmlinuxPlusItsInitrdModules()
    {
        var boot = fixture.BootIso;
        var kernel = KernelSourceReader.Read(boot.Iso, new KernelSourceOptions());
        var headers = KernelSourceReader.Read(Data.HeadersDeb(Data.OldRelease), new KernelSourceOptions());
        Assert.Equal(Data.OldRelease, kernel.Release);
        Assert.Equal(headers.Vermagic, kernel.Vermagic);
        Assert.Equal($"{boot.Iso}!images/pxeboot", kernel.Source);
        Assert.Equal(headers.Exports.Values.Where(e => e.Module == "vmlinux").Select(Row).Order(StringComparer.Ordinal),
            kernel.Exports.Values.Where(e => e.Module == "vmlinux").Select(Row).Order(StringComparer.Ordinal));
        // The modules' exports: exactly Module.symvers' rows of the modules the initrd carries.
        var carried = boot.Modules.Select(m => m["kernel/".Length..^".ko.xz".Length]).ToHashSet(StringComparer.Ordinal);
        Assert.True(carried.Count > 40, $"{carried.Count} modules in the initrd");
        Assert.Equal(headers.Exports.Values.Where(e => carried.Contains(e.Module)).Select(Row).Order(StringComparer.Ordinal),
            kernel.Exports.Values.Where(e => e.Module != "vmlinux").Select(Row).Order(StringComparer.Ordinal));

        // The same initramfs as dracut lays it out (an uncompressed early archive, then zstd) gives the same kernel.
        using var temp = new TempDirectory();
        var pair = temp.Combine("pxeboot");
        Directory.CreateDirectory(pair);
        File.Copy(boot.Vmlinuz, Path.Combine(pair, "vmlinuz"));
        var early = Tools.RunBytes("bash", ["-c", "mkdir -p e/kernel/x86/microcode && printf 'ucode' > e/kernel/x86/microcode/GenuineIntel.bin && cd e && find . | cpio -o -H newc --quiet"], workingDirectory: temp.Path);
        File.WriteAllBytes(Path.Combine(pair, "initrd.img"), [.. early, .. Tools.Compress("zstd", File.ReadAllBytes(boot.Cpio), "-q")]);
        AssertSameKernel(kernel, KernelSourceReader.Read(pair, new KernelSourceOptions()));
    }

    [RealDataFact("xorriso", "cpio", "xz", "dpkg-deb", "depmod", "osirrox", "rpm2cpio")]
    public void BootIso_DriverUpdateDisk_AndTheNewerBuilds_AgreeWithDepmod()
    {
        var boot = fixture.BootIso;
        var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", boot.Iso, Data.DriverUpdateDisk);
        Assert.Equal("", stderr);
        Assert.Equal(0, exit);
        Assert.Contains("4 module(s) x 1 kernel(s): 4 load, 0 do not", stdout, StringComparison.Ordinal);

        // The test kmods built for the newest 6.1 ABI do not load on it: the same findings as depmod's.
        var kernel = KernelSourceReader.Read(boot.Iso, new KernelSourceOptions());
        var newer = ModuleSetReader.Read([Data.KmodDir(Data.NewRelease)]).Modules;
        var report = CompatibilityEngine.Check([kernel], newer, new CheckOptions(Explain: true));
        using var temp = new TempDirectory();
        var symvers = VmlinuxRows(Data.HeadersDeb(Data.OldRelease), temp.Combine("vmlinux.symvers"));
        var root = temp.Combine("root");
        Tools.RunOk("cp", "-r", boot.InitrdRoot, root);
        var extra = Path.Combine(root, "lib/modules", boot.Release, "extra");
        Directory.CreateDirectory(extra);
        foreach (var file in Data.Kmods(Data.NewRelease))
            File.Copy(file, Path.Combine(extra, Path.GetFileName(file)));
        var depmod = Depmod.RunOnTree(root, symvers, boot.Release).Where(f => f.ModuleFile.StartsWith("kg_", StringComparison.Ordinal));
        Assert.Equal(depmod.OrderBy(f => f.ToString()), DepmodView(report).OrderBy(f => f.ToString()));
        Assert.Contains(report.Verdicts, v => !v.Loads);
    }

    [RealDataFact("xorriso", "cpio", "xz", "dpkg-deb")]
    public void MalformedInitramfs_IsOneLine_ExitTwo()
    {
        using var temp = new TempDirectory();
        File.Copy(fixture.BootIso.Vmlinuz, temp.Combine("vmlinuz"));
        var initrd = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(fixture.BootIso.Vmlinuz)!, "initrd.img"));
        foreach (var (damaged, expected) in new[]
        {
            (initrd[..(initrd.Length / 2)], "initrd.img@0x0: "),
            ("not an initramfs"u8.ToArray(), "initrd.img: not an initramfs: starts with '6e6f7420616e'"),
        })
        {
            File.WriteAllBytes(temp.Combine("initrd.img"), damaged);
            var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", temp.Path, Data.DriverUpdateDisk);
            Assert.Equal(2, exit);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"kabigate: ERROR: {temp.Combine(expected)}", line, StringComparison.Ordinal);
        }
    }

    [RealDataFact("dpkg-deb")]
    public void ThePackageNamesTwoInstallers_ASingleKernelVerbSaysHowToPickOne()
    {
        var error = Assert.Throws<ModuleFormatException>(() => KernelSourceReader.Read(Data.NetbootDeb, new KernelSourceOptions()));
        Assert.StartsWith($"{Data.NetbootDeb}: names 2 kernels of release {Data.NetbootRelease} ({Data.NetbootDeb}!usr/lib/debian-installer/images/12/amd64/gtk/debian-installer/amd64, ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("): name the directory or file of one", error.Message, StringComparison.Ordinal);
    }

    private static bool IsDud(string file) => DudKmods.Any(k => file.StartsWith(k + ".ko", StringComparison.Ordinal));

    private static string Row(KernelExport e) => $"{e.Symbol} {e.Crc:x8} {e.Module} {e.Kind} {e.Namespace}";

    private static void AssertSameKernel(KernelAbi expected, KernelAbi actual)
    {
        Assert.Equal(expected.Release, actual.Release);
        Assert.Equal(expected.Vermagic, actual.Vermagic);
        Assert.Equal(expected.ModuleStructSize, actual.ModuleStructSize);
        Assert.Equal(expected.Exports.Values.Select(Row).Order(StringComparer.Ordinal), actual.Exports.Values.Select(Row).Order(StringComparer.Ordinal));
    }

    /// <summary>kabigate's resolutions judged by depmod's rule, for a tree that holds the kernel's modules too.</summary>
    private static HashSet<Depmod.Finding> DepmodView(CheckReport report)
    {
        var findings = new HashSet<Depmod.Finding>();
        foreach (var verdict in report.Verdicts)
        {
            var file = Path.GetFileName(verdict.Module.Path);
            foreach (var import in verdict.Imports!.Where(i => !i.Weak))
            {
                if (import.ExporterKind is ExporterKind.None)
                    findings.Add(new Depmod.Finding(file, import.Symbol, "unknown-symbol"));
                else if ((import.ExporterCrc ?? 0) != (import.ModuleCrc ?? 0))
                    findings.Add(new Depmod.Finding(file, import.Symbol, "crc-mismatch"));
            }
            if (verdict.Problems.Any(p => p.Symbol == "module_layout"))
                findings.Add(new Depmod.Finding(file, "module_layout", "crc-mismatch"));
        }
        return findings;
    }

    /// <summary>A symvers of the kernel image's exports as kabigate recovered them (depmod's <c>-E</c> keeps only vmlinux rows).</summary>
    private static string WriteVmlinuxSymvers(KernelAbi kernel, string path)
    {
        File.WriteAllLines(path, kernel.Exports.Values.Where(e => e.Module == "vmlinux")
            .Select(e => $"0x{e.Crc ?? 0:x8}\t{e.Symbol}\tvmlinux\t{(e.Kind == ExportKind.Gpl ? "EXPORT_SYMBOL_GPL" : "EXPORT_SYMBOL")}\t{e.Namespace}"));
        return path;
    }

    /// <summary>The vmlinux rows of a headers package's Module.symvers, extracted with dpkg-deb and tar.</summary>
    private static string VmlinuxRows(string headersDeb, string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        Tools.RunOk("bash", "-c", $"dpkg-deb --fsys-tarfile '{headersDeb}' | tar -xO --wildcards '*/Module.symvers' | awk -F '\\t' '$3 == \"vmlinux\"' > '{path}'");
        Assert.True(new FileInfo(path).Length > 0, $"no vmlinux rows in {headersDeb} ({dir})");
        return path;
    }

    private static string Xorriso(string destination)
    {
        Tools.RunOk("osirrox", "-indev", Data.DriverUpdateDisk, "-extract", "/", destination);
        return destination;
    }
}

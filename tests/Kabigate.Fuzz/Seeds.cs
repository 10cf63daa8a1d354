using System.Formats.Tar;
using System.Text;
using Kabigate.Formats.Rpm;
using Kabigate.Tests.Formats.Deb;
using Kabigate.Tests.Formats.Rpm;
using Kabigate.Tests.Support;

namespace Kabigate.Fuzz;

/// <summary>
/// Writes the seed corpus of every target, built with the test suite's own fixture builders (and the real
/// compressors, dpkg-deb and xorriso the tests use), plus a few small real modules and packages from
/// <c>$KABIGATE_TEST_DATA</c> when it is there. Nothing here is committed: the corpus is made fresh each run.
/// </summary>
internal static class Seeds
{
    /// <summary>AFL++ refuses inputs over 1 MB; seeds stay far below that.</summary>
    private const int MaxSeedBytes = 256 << 10;

    private static readonly (string Name, uint Crc, bool Gpl, string? Namespace)[] Exports =
        [("kg_plain", 0x0a0b0c0d, false, null), ("kg_gpl_ns", 0x01020304, true, "KG_NS")];

    /// <summary>Writes DIRECTORY/TARGET/NAME for every target; returns the number of seeds written.</summary>
    public static int Write(string directory)
    {
        int count = 0;
        foreach (var (target, name, data) in All())
        {
            if (data.Length > MaxSeedBytes)
                continue;
            string folder = Path.Combine(directory, target);
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, name), data);
            count++;
        }

        return count;
    }

    private static IEnumerable<(string Target, string Name, byte[] Data)> All()
    {
        var modules = new Dictionary<string, byte[]>
        {
            ["le64.ko"] = new ElfBuilder { Modinfo = [("license", "GPL"), ("vermagic", "6.1.0-47-amd64 SMP mod_unload modversions ")], Versions = [("module_layout", 0x1234), ("_printk", 0x92997ed8)], Undefined = [("_printk", false), ("weak_one", true)], Exports = [.. Exports] }.Build(),
            ["be32.ko"] = new ElfBuilder { Is64 = false, BigEndian = true, Machine = 20, Modinfo = [("license", "GPL")], Versions = [("_printk", 0x92997ed8)], Undefined = [("_printk", false)], Exports = [.. Exports] }.Build(),
            ["extended.ko"] = new ElfBuilder { Modinfo = [("license", "GPL")], ExtendedVersions = [("_printk", 0x92997ed8), ("a_rust_symbol_" + new string('x', 60), 0xdeadbeef)], Undefined = [("_printk", false)] }.Build(),
            ["modern.ko"] = new ElfBuilder { Modinfo = [("license", "GPL")], Undefined = [("_printk", false)], Exports = [.. Exports], ModernExports = true, Signed = true }.Build(),
        };
        foreach (var (name, image) in modules)
        {
            yield return ("elf", name, image);
            yield return ("module", name, image);
        }

        foreach (var (name, image) in RealModules())
        {
            yield return ("elf", name, image);
            yield return ("module", name, image);
        }

        byte[] le64 = modules["le64.ko"];
        yield return ("module", "le64.ko.xz", Tools.Compress("xz", le64, "--check=crc32"));
        yield return ("module", "le64.ko.zst", Tools.Compress("zstd", le64, "-q"));
        yield return ("module", "le64.ko.gz", Tools.Compress("gzip", le64, "-n"));

        byte[] text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n", 8)));
        yield return ("decompress", "gz", Tools.Compress("gzip", text, "-n"));
        yield return ("decompress", "gz2", [.. Tools.Compress("gzip", text, "-n"), .. Tools.Compress("gzip", text[..7], "-n")]);
        yield return ("decompress", "xz", Tools.Compress("xz", text, "--check=crc64"));
        yield return ("decompress", "zst", Tools.Compress("zstd", text, "-q", "--check"));
        yield return ("decompress", "lz4", Tools.Compress("lz4", text, "-l", "-q"));
        yield return ("decompress", "bz2", Tools.Compress("bzip2", text));

        yield return ("symvers", "six-columns", "0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n0xec3adc8b\tcrypto_cipher_setkey\tvmlinux\tEXPORT_SYMBOL_GPL\tCRYPTO_INTERNAL\n"u8.ToArray());
        yield return ("symvers", "old-order", "0x12345678\tusb_stor_probe1\tUSB_STORAGE\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\n0x0000abcd\tprintk\t\tvmlinux\tEXPORT_SYMBOL\n"u8.ToArray());
        yield return ("symvers", "kinds", "0xc5850110\tprintk\tvmlinux\tEXPORT_SYMBOL\n0x1\told\tvmlinux\n0x2\tf\tkernel/foo\tEXPORT_SYMBOL_GPL_FUTURE\n0x3\tu\tvmlinux\tEXPORT_UNUSED_SYMBOL\n"u8.ToArray());

        byte[] tar = DebFixtures.Tar(("./usr/src/linux-headers-9.9.9/Module.symvers", DebFixtures.Symvers), ("./lib/modules/9.9.9/kernel/kg.ko", le64[..Math.Min(le64.Length, 4096)]));
        yield return ("tar", "gnu", tar);
        yield return ("tar", "pax", PaxTar());
        yield return ("ar", "members", DebFixtures.Ar(("debian-binary", "2.0\n"u8.ToArray()), ("odd", "abc"u8.ToArray()), ("even/", "abcd"u8.ToArray())));
        yield return ("ar", "gnu-long-names", DebFixtures.Ar(("//", "a-very-long-member-name-indeed.o/\n"u8.ToArray()), ("/0", "x"u8.ToArray())));
        yield return ("deb", "plain-tar.deb", DebFixtures.Deb("data.tar", tar));
        yield return ("deb", "gz.deb", DebFixtures.Deb("data.tar.gz", Tools.Compress("gzip", tar, "-n")));
        yield return ("deb", "xz.deb", DebFixtures.Deb("data.tar.xz", Tools.Compress("xz", tar)));
        yield return ("deb", "zst.deb", DebFixtures.Deb("data.tar.zst", Tools.Compress("zstd", tar, "-q")));
        yield return ("deb", "dpkg-deb.deb", DebFixtures.BuildWithDpkgDeb("gzip"));

        var files = new[] { new RpmBytes.CpioFile("./lib/modules/9.9.9/extra/kg.ko", le64[..Math.Min(le64.Length, 2048)]), new RpmBytes.CpioFile("./usr/share/doc/kg", "doc\n"u8.ToArray()), new RpmBytes.CpioFile("./lib/modules/9.9.9/extra", [], Mode: 0x41ed) };
        byte[] newc = RpmBytes.Cpio(files);
        yield return ("cpio", "newc", newc);
        yield return ("cpio", "crc", RpmBytes.Cpio(files, "070702"));
        yield return ("initrd", "newc", newc);
        yield return ("initrd", "gz", Tools.Compress("gzip", newc, "-n"));
        yield return ("initrd", "early-then-xz", [.. newc, .. new byte[512], .. Tools.Compress("xz", [.. newc, .. newc], "--check=crc32")]);
        yield return ("rpm", "plain.rpm", RpmBytes.Package(newc));
        yield return ("rpm", "gz.rpm", RpmBytes.Package(Tools.Compress("gzip", newc, "-n"), RpmBytes.MainTags("gzip")));
        yield return ("rpm", "xz.rpm", RpmBytes.Package(Tools.Compress("xz", newc), RpmBytes.MainTags("xz")));
        yield return ("rpm", "zst.rpm", RpmBytes.Package(Tools.Compress("zstd", newc, "-q"), RpmBytes.MainTags("zstd")));
        foreach (var (name, rpm) in RealRpms())
            yield return ("rpm", name, rpm);

        // A stored header is the main header without its 8-byte magic and reserved bytes (headerExport's layout).
        yield return ("rpmdb", "main", RpmBytes.Header(RpmBytes.MainTags(), RpmTag.HeaderImmutable)[8..]);
        yield return ("rpmdb", "tail-tags", [.. RpmBytes.Header([.. RpmBytes.MainTags(), RpmBytes.Int32s(1008, 1700000000)], RpmTag.HeaderImmutable)[8..]]);

        yield return ("repomd", "hand-written", Encoding.UTF8.GetBytes(Repomd));
        byte[] primary = Encoding.UTF8.GetBytes(Primary);
        yield return ("primary", "plain", primary);
        yield return ("primary", "gz", Tools.Compress("gzip", primary, "-n"));
        yield return ("primary", "zst", Tools.Compress("zstd", primary, "-q"));

        foreach (var (name, iso) in Isos(le64))
            yield return ("iso", name, iso);

        byte[] vmlinux = new VmlinuxBuilder { Exports = [.. Exports], Trailer = [1, 2, 3, 4] }.Build();
        yield return ("vmlinuz", "vmlinux", vmlinux);
        yield return ("vmlinuz", "vmlinux32", new VmlinuxBuilder { Is64 = false, Machine = 3, Exports = [.. Exports], Prel32 = false }.Build());
        yield return ("vmlinuz", "vmlinux-flagstab", new VmlinuxBuilder { Exports = [.. Exports], Flagstab = true, Crcs = false }.Build());
        foreach (string tool in new[] { "gzip", "xz", "zstd", "lz4" })
            yield return ("vmlinuz", "bzimage-" + tool, BzImageBuilder.FromElf(tool, vmlinux));
        yield return ("vmlinuz", "vmlinux.xz", Tools.Compress("xz", vmlinux));

        yield return ("stablelist", "rhel", "[rhel8_x86_64_whitelist]\n\t__fentry__\n\t_printk\n\tkmalloc_caches\n"u8.ToArray());
        yield return ("stablelist", "android", "[abi_symbol_list]\n# commonly used symbols\n  module_layout\n  __put_task_struct\n\n[abi_symbol_list]\n  add_timer\n"u8.ToArray());
        yield return ("stablelist", "bom", [0xef, 0xbb, 0xbf, .. "[x]\n a\r\n"u8]);

        yield return ("policy", "full.toml", Encoding.UTF8.GetBytes(Policy));
        yield return ("policy", "stablelist.toml", "stablelist = \"kabi_stablelist_x86_64\"\nunlisted = \"PASS\"\nseverities_file = \"sev\"\n"u8.ToArray());
        yield return ("policy", "inline.toml", "severities = \"\"\"\nMODULE drivers/* PASS\nNAMESPACE CRYPTO* FAIL\n\"\"\"\n[[waiver]]\nsymbol = 'a'\nreason = \"r\"\nowner = \"o\"\n"u8.ToArray());
    }

    private const string Repomd = """
        <?xml version="1.0" encoding="UTF-8"?>
        <repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
          <revision> 8.10 </revision>
          <tags><content>binary-x86_64</content><distro cpeid="cpe:/o:redhat:enterprise_linux:8">RHEL 8</distro></tags>
          <data type="primary">
            <checksum type="sha256">2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae</checksum>
            <open-checksum type="sha1">0123456789abcdef0123456789abcdef01234567</open-checksum>
            <location xml:base="http://mirror.example/" href="repodata/primary.xml.gz"/>
            <timestamp>1234567890.75</timestamp>
            <size>1234</size>
            <open-size>5678</open-size>
          </data>
          <data type="updateinfo"><location href="repodata/updateinfo.xml.zck"/></data>
        </repomd>
        """;

    private const string Primary = """
        <?xml version="1.0" encoding="UTF-8"?>
        <metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
        <package type="rpm"><name>kernel-core</name><arch>x86_64</arch><version epoch="0" ver="6.1.0" rel="47.amd64"/>
        <checksum type="sha256" pkgid="YES">2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae</checksum>
        <size package="1234" installed="5678" archive="6000"/><location href="x86_64/kernel-core.rpm"/>
        <format><rpm:provides><rpm:entry name="kernel(_printk)" flags="EQ" epoch="0" ver="0x92997ed8"/><rpm:entry name="kernel-uname-r" flags="EQ" epoch="0" ver="6.1.0" rel="47.amd64"/></rpm:provides>
        <rpm:requires><rpm:entry name="/usr/sbin/depmod" pre="1"/></rpm:requires></format></package>
        <package type="rpm"><name>kmod-foo</name><arch>noarch</arch><version epoch="2" ver="2.5" rel="3.el9"/><location href="kmod-foo.rpm"/>
        <format><rpm:requires><rpm:entry name="kernel(_printk)" flags="EQ" epoch="0" ver="0x92997ed8"/></rpm:requires>
        <rpm:conflicts><rpm:entry name="kmod-bar" flags="LT" epoch="2" ver="2.0"/></rpm:conflicts></format></package>
        </metadata>
        """;

    private const string Policy = """
        # kabigate policy
        unlisted = "FAIL"
        severities = '''
        drivers/nvme/host/nvme-fc* FAIL
        drivers/nvme/host/*        PASS   # the rest of nvme may change
        SYMBOL USB_STORAGE_thing   FAIL
        USB_STORAGE PASS
        '''

        [[waiver]]
        symbol = "fput"
        kmod = "zfs"
        owner = "storage-team@example.com"
        reason = "rebuilt for 9.4"
        expires = 2027-03-31
        """;

    private static byte[] PaxTar()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./usr/"));
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "./usr/" + new string('l', 120)) { DataStream = new MemoryStream("long\n"u8.ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "./usr/link") { LinkName = "../etc/passwd" });
        }

        return output.ToArray();
    }

    /// <summary>A plain image, and a driver update disk (rhdd3, rpms/x86_64, repodata) with Rock Ridge and Joliet.</summary>
    private static IEnumerable<(string Name, byte[] Data)> Isos(byte[] module)
    {
        string temp = Directory.CreateTempSubdirectory("kabigate-fuzz-iso-").FullName;
        try
        {
            string tree = Path.Combine(temp, "tree");
            Directory.CreateDirectory(Path.Combine(tree, "rpms", "x86_64", "repodata"));
            File.WriteAllText(Path.Combine(tree, "rhdd3"), "Driver Update Disk version 3\n");
            File.WriteAllBytes(Path.Combine(tree, "rpms", "x86_64", "kmod-kg.rpm"), module[..Math.Min(module.Length, 1024)]);
            File.WriteAllText(Path.Combine(tree, "rpms", "x86_64", "repodata", "repomd.xml"), Repomd);
            File.WriteAllText(Path.Combine(tree, "a-rather-long-file-name-for-joliet.txt"), "x");
            var images = new (string Name, string[] Options)[] { ("dud-rr-joliet.iso", ["-R", "-J", "-V", "OEMDRV"]), ("plain.iso", ["-V", "PLAIN"]) };
            var result = new List<(string, byte[])>();
            foreach (var (name, options) in images)
            {
                string iso = Path.Combine(temp, name);
                Tools.RunBytes("xorriso", ["-as", "mkisofs", "-quiet", "-no-pad", .. options, "-o", iso, tree]);
                result.Add((name, File.ReadAllBytes(iso)));
            }

            return result;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>A couple of the kbuild-built test modules, with their debug sections stripped to keep them small.</summary>
    private static IEnumerable<(string Name, byte[] Data)> RealModules()
    {
        if (Environment.GetEnvironmentVariable("KABIGATE_TEST_DATA") is not { Length: > 0 } data)
            return [];
        var found = Directory.Exists(Path.Combine(data, "kmods"))
            ? Directory.EnumerateFiles(Path.Combine(data, "kmods"), "kg_*.ko", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(2)
            : [];
        var result = new List<(string, byte[])>();
        foreach (string module in found)
        {
            string stripped = Path.Combine(Path.GetTempPath(), $"kabigate-fuzz-{Environment.ProcessId}.ko");
            Tools.RunBytes("objcopy", ["--strip-debug", module, stripped]);
            result.Add(("real-" + Path.GetFileName(module), File.ReadAllBytes(stripped)));
            File.Delete(stripped);
        }

        return result;
    }

    /// <summary>The smallest real kmod packages the test data built with rpmbuild.</summary>
    private static IEnumerable<(string Name, byte[] Data)> RealRpms()
    {
        if (Environment.GetEnvironmentVariable("KABIGATE_TEST_DATA") is not { Length: > 0 } data || !Directory.Exists(Path.Combine(data, "packages")))
            return [];
        return Directory.EnumerateFiles(Path.Combine(data, "packages"), "kmod-*.rpm", SearchOption.AllDirectories)
            .Select(path => new FileInfo(path)).Where(file => file.Length < 64 << 10)
            .OrderBy(file => file.Length).ThenBy(file => file.Name, StringComparer.Ordinal).Take(2)
            .Select(file => ("real-" + file.Name, File.ReadAllBytes(file.FullName))).ToList();
    }
}

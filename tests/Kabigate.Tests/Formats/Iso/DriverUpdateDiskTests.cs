using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Iso;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Iso;

/// <summary>Driver update disks laid out as Red Hat's (rhdd3, rpms/ARCH, repodata, src/), made into images by xorriso.</summary>
public class DriverUpdateDiskTests(IsoImagesFixture fixture) : IClassFixture<IsoImagesFixture>
{
    private static readonly byte[] X86Rpm = [0xed, 0xab, 0xee, 0xdb, .. IsoTrees.Random(5000, seed: 6)];
    private static readonly byte[] PpcRpm = [0xed, 0xab, 0xee, 0xdb, .. IsoTrees.Random(3000, seed: 7)];

    /// <summary>A disk at <paramref name="root"/>: two architectures, a repository for one, and a source RPM.</summary>
    private static void WriteDisk(string root, string description = "Driver Update Disk version 3\n")
    {
        IsoTrees.Write(root, "rhdd3", Encoding.UTF8.GetBytes(description));
        IsoTrees.Write(root, "rpms/x86_64/kmod-foo-1.0-1.x86_64.rpm", X86Rpm);
        IsoTrees.Write(root, "rpms/x86_64/kmod-bar-2.0-3.el9.x86_64.rpm", [0xed, 0xab, 0xee, 0xdb]);
        IsoTrees.Write(root, "rpms/x86_64/repodata/repomd.xml", "<repomd/>\n"u8.ToArray());
        IsoTrees.Write(root, "rpms/x86_64/repodata/primary.xml.gz", [0x1f, 0x8b]);
        IsoTrees.Write(root, "rpms/x86_64/README", "not an rpm\n"u8.ToArray());
        IsoTrees.Write(root, "rpms/ppc64le/kmod-foo-1.0-1.ppc64le.rpm", PpcRpm);
        IsoTrees.Write(root, "src/kmod-foo-1.0-1.src.rpm", [0xed, 0xab, 0xee, 0xdb, 1]);
    }

    private string MakeIso(string tree, params string[] options) =>
        Xorriso.Make(tree, Path.Combine(fixture.Scratch("dud"), "dud.iso"), options);

    [ToolTheory("xorriso", "osirrox")]
    [InlineData("-R", "-J")]
    [InlineData("-R")]
    [InlineData("-J", "--norock")]
    public void Read_ListsRpmsPerArchitecture_AsXorrisoSeesThem(params string[] options)
    {
        string tree = fixture.Scratch("dud-tree");
        WriteDisk(tree);
        string iso = MakeIso(tree, options);
        using var image = Iso9660Reader.Open(iso);

        var disk = Assert.IsType<DriverUpdateDisk>(DriverUpdateDisk.Read(image));
        Assert.Equal("", disk.Directory);
        Assert.Equal("Driver Update Disk version 3", disk.Description);
        Assert.Equal(["ppc64le", "x86_64"], disk.Architectures.Select(a => a.Architecture).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["rpms/x86_64/kmod-bar-2.0-3.el9.x86_64.rpm", "rpms/x86_64/kmod-foo-1.0-1.x86_64.rpm"],
            disk.RpmsFor("x86_64").Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Equal("rpms/x86_64/repodata/repomd.xml", disk.Architectures.Single(a => a.Architecture == "x86_64").Repomd?.Path);
        Assert.Null(disk.Architectures.Single(a => a.Architecture == "ppc64le").Repomd);
        Assert.Equal("src/kmod-foo-1.0-1.src.rpm", Assert.Single(disk.SourceRpms).Path);
        Assert.Empty(disk.RpmsFor("aarch64"));

        // The same RPMs xorriso finds, with the bytes osirrox extracts.
        var xorrisoRpms = Xorriso.List(iso).Files.Where(f => f.StartsWith("rpms/", StringComparison.Ordinal) && f.EndsWith(".rpm", StringComparison.Ordinal));
        Assert.Equal(xorrisoRpms.ToHashSet(), disk.Architectures.SelectMany(a => a.Rpms).Select(e => e.Path).ToHashSet());
        string extracted = Xorriso.Extract(iso, Path.Combine(fixture.Scratch("dud-out"), "x"));
        foreach (var rpm in disk.Architectures.SelectMany(a => a.Rpms))
            Assert.Equal(File.ReadAllBytes(Path.Combine(extracted, rpm.Path)), image.ReadFile(rpm, 1 << 20));
        Assert.Equal(X86Rpm, image.ReadFile(disk.RpmsFor("x86_64").Single(e => e.Name == "kmod-foo-1.0-1.x86_64.rpm"), 1 << 20));
        Assert.Equal(PpcRpm, image.ReadFile(disk.RpmsFor("ppc64le").Single(), 1 << 20));
    }

    [ToolFact("xorriso", "osirrox")]
    public void Read_PlainIsoNames_MatchedAsLinuxShowsThem()
    {
        string tree = fixture.Scratch("dud-tree");
        WriteDisk(tree);
        using var image = Iso9660Reader.Open(MakeIso(tree, "--norock"));

        var disk = Assert.IsType<DriverUpdateDisk>(DriverUpdateDisk.Read(image));
        Assert.Equal(["ppc64le", "x86_64"], disk.Architectures.Select(a => a.Architecture).Order(StringComparer.Ordinal));
        Assert.Equal(2, disk.RpmsFor("x86_64").Length); // 8.3 names, still ending in .RPM
        Assert.Equal("RPMS/X86_64/REPODATA/REPOMD.XML", disk.Architectures.Single(a => a.Architecture == "x86_64").Repomd?.Path);
    }

    [ToolFact("xorriso", "osirrox")]
    public void FindAll_FindsDisksInSubdirectories_AsAnacondaDoes()
    {
        string tree = fixture.Scratch("dud-tree");
        WriteDisk(tree);
        WriteDisk(Path.Combine(tree, "extra", "second"), "Second disk");
        IsoTrees.Write(tree, "other/rhdd3", "no rpms directory beside it\n"u8.ToArray());
        using var image = Iso9660Reader.Open(MakeIso(tree, "-R", "-J"));

        var disks = DriverUpdateDisk.FindAll(image);
        Assert.Equal(["", "extra/second"], disks.Select(d => d.Directory));
        Assert.Equal("Second disk", disks[1].Description);
        Assert.Contains(disks[1].RpmsFor("x86_64"), e => e.Path == "extra/second/rpms/x86_64/kmod-foo-1.0-1.x86_64.rpm");
        Assert.Equal(2, disks[0].RpmsFor("x86_64").Length); // the root's disk does not take the second disk's RPMs
    }

    [ToolFact("xorriso", "osirrox")]
    public void NotADisk_GivesNullAndNothing()
    {
        using var image = Iso9660Reader.Open(fixture.Get("rockridge-joliet").Path);

        Assert.Null(DriverUpdateDisk.Read(image));
        Assert.Empty(DriverUpdateDisk.FindAll(image));
    }

    [ToolFact("xorriso", "osirrox")]
    public void MarkerWithoutRpmsDirectory_IsNotADisk()
    {
        string tree = fixture.Scratch("dud-tree");
        IsoTrees.Write(tree, "rhdd3", "Driver Update Disk version 3\n"u8.ToArray());
        IsoTrees.Write(tree, "kmod-foo.rpm", [1]);
        using var image = Iso9660Reader.Open(MakeIso(tree, "-R"));

        Assert.Null(DriverUpdateDisk.Read(image));
    }

    [ToolFact("xorriso", "osirrox")]
    public void OversizedMarker_Refused()
    {
        string tree = fixture.Scratch("dud-tree");
        WriteDisk(tree, new string('x', DriverUpdateDisk.MaxMarkerBytes + 1));
        string iso = MakeIso(tree, "-R");
        using var image = Iso9660Reader.Open(iso);

        var ex = Assert.Throws<ModuleFormatException>(() => DriverUpdateDisk.Read(image));
        Assert.Equal(iso, ex.SourcePath);
        Assert.Equal($"file '/rhdd3' is {DriverUpdateDisk.MaxMarkerBytes + 1} bytes, more than the limit of {DriverUpdateDisk.MaxMarkerBytes}", ex.Reason);
    }
}

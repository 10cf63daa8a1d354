using Kabigate.Formats;
using Kabigate.Formats.Iso;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Iso;

/// <summary>
/// Each guard of the reader, on images made by xorriso and then damaged byte by byte: every one fails with a
/// <see cref="ModuleFormatException"/> naming the fault, or is read as Linux and libisofs read it; none hangs.
/// </summary>
public class Iso9660ReaderMalformedTests(IsoImagesFixture fixture) : IClassFixture<IsoImagesFixture>
{
    private const string Source = "bad.iso";
    private const int FlagsOffset = 25, IdentifierLengthOffset = 32;

    /// <summary>A plain ISO 9660 image (records found by their 8.3 names) of DIR/SUB/FILE.TXT, ZERO/F00..F89 and BIG.BIN.</summary>
    private byte[] PlainImage(out string path)
    {
        string tree = fixture.Scratch("plain-tree");
        IsoTrees.Write(tree, "DIR/SUB/FILE.TXT", "file\n"u8.ToArray());
        IsoTrees.Write(tree, "BIG.BIN", IsoTrees.Random(6000, seed: 4));
        for (int i = 0; i < 90; i++)
            IsoTrees.Write(tree, $"ZERO/F{i:D2}.TXT", [(byte)i]);
        path = Xorriso.Make(tree, Path.Combine(fixture.Scratch("plain"), "plain.iso"), "--norock");
        return File.ReadAllBytes(path);
    }

    private static ModuleFormatException Fails(byte[] image)
    {
        var ex = Assert.Throws<ModuleFormatException>(() => Iso9660Reader.Open(new MemoryStream(image), Source));
        Assert.Equal(Source, ex.SourcePath);
        return ex;
    }

    [ToolFact("xorriso", "osirrox")]
    public void NotAnImage_NoPrimaryDescriptor()
    {
        var ex = Fails(IsoTrees.Random(64 << 10, seed: 5));
        Assert.Equal("not an ISO 9660 image: no primary volume descriptor ('CD001' type 1) from sector 16", ex.Reason);
        Assert.Equal(0x8000, ex.Offset);
    }

    [ToolTheory("xorriso", "osirrox")]
    [InlineData(0)]
    [InlineData(32768)]
    [InlineData(34000)]
    public void TooShortForADescriptor(int length)
    {
        byte[] image = PlainImage(out _)[..length];
        Assert.Equal($"not an ISO 9660 image: {length} bytes is too short for a volume descriptor at sector 16", Fails(image).Reason);
    }

    [ToolTheory("xorriso", "osirrox")]
    [InlineData(true)]
    [InlineData(false)]
    public void Truncated_ExtentPastTheEnd(bool inData)
    {
        // xorriso pads images by 300 KiB, so a cut must fall inside the data (or the directories) to lose anything.
        byte[] full = File.ReadAllBytes(fixture.Get("rockridge-joliet").Path);
        long cut;
        using (var whole = Iso9660Reader.Open(new MemoryStream(full), Source))
        {
            var extents = whole.Entries.Where(e => e.IsDirectory == !inData).SelectMany(e => e.Extents).ToList();
            cut = inData ? extents.Max(e => e.Offset + e.Length) - 1 : extents.Min(e => e.Offset) + 100;
        }

        var ex = Fails(full[..(int)cut]);
        Assert.Matches("^extent of '/.*' \\(\\d+ bytes at 0x[0-9a-f]+\\) lies past the end of the image", ex.Reason);
        Assert.EndsWith($"({cut} bytes; truncated?)", ex.Reason, StringComparison.Ordinal);
    }

    [ToolFact("xorriso", "osirrox")]
    public void FileExtentPastTheEnd()
    {
        byte[] image = PlainImage(out _);
        int record = IsoTrees.FindRecord(image, "BIG.BIN;1");
        IsoTrees.WriteBothEndian(image, record + 2, 0x7fff_fff0);

        var ex = Fails(image);
        Assert.Equal($"extent of '/BIG.BIN' (6000 bytes at 0x{0x7fff_fff0L * 2048:x}) lies past the end of the image ({image.Length} bytes; truncated?)", ex.Reason);
        Assert.Equal(record, ex.Offset);
    }

    [ToolFact("xorriso", "osirrox")]
    public void DirectoryExtentPastTheEnd()
    {
        byte[] image = PlainImage(out _);
        int record = IsoTrees.FindRecord(image, "SUB");
        IsoTrees.WriteBothEndian(image, record + 2, (uint)(image.Length / 2048));

        var ex = Fails(image);
        Assert.StartsWith("extent of '/DIR/SUB' (2048 bytes at ", ex.Reason, StringComparison.Ordinal);
        Assert.Equal(record, ex.Offset);
    }

    [ToolFact("xorriso", "osirrox")]
    public void ZeroRecordLength_SkipsToTheNextSector_AsLibisofsDoes()
    {
        byte[] image = PlainImage(out string path);
        int record = IsoTrees.FindRecord(image, "F10.TXT;1");
        int nextSector = ((record / 2048) + 1) * 2048;
        Assert.True(image[nextSector] != 0, "the ZERO directory should span two sectors");
        image[record] = 0;
        File.WriteAllBytes(path, image);

        using var iso = Iso9660Reader.Open(new MemoryStream(image), Source);
        var names = iso.Entries.Where(e => e.Path.StartsWith("ZERO/", StringComparison.Ordinal)).Select(e => e.Name).ToList();
        Assert.Contains("F09.TXT", names);
        Assert.DoesNotContain("F10.TXT", names);
        Assert.Contains("F89.TXT", names); // the second sector is still read
        Assert.True(names.Count < 89);
        Assert.Equal(Xorriso.List(path).Files, iso.Entries.Where(e => !e.IsDirectory).Select(e => e.Path).ToHashSet());
    }

    [ToolTheory("xorriso", "osirrox")]
    [InlineData("DIR", "root")]   // DIR points at the root directory
    [InlineData("SUB", "DIR")]    // DIR/SUB points at its parent
    public void DirectoryCycle_Refused(string identifier, string target)
    {
        byte[] image = PlainImage(out _);
        int record = IsoTrees.FindRecord(image, identifier);
        uint block = target == "root"
            ? BitConverter.ToUInt32(image, (16 * 2048) + 156 + 2)
            : IsoTrees.ReadBlock(image, IsoTrees.FindRecord(image, target));
        IsoTrees.WriteBothEndian(image, record + 2, block);

        var ex = Fails(image);
        string path = identifier == "DIR" ? "/DIR" : "/DIR/SUB";
        string other = target == "root" ? "/" : "/DIR";
        Assert.Equal($"directory '{path}' has the same extent as '{other}' (a directory cycle?)", ex.Reason);
    }

    [ToolFact("xorriso", "osirrox")]
    public void RecordShorterThanItsFixedPart()
    {
        byte[] image = PlainImage(out _);
        int record = IsoTrees.FindRecord(image, "BIG.BIN;1");
        image[record] = 20;

        var ex = Fails(image);
        Assert.Equal("directory '/' has a record of 20 bytes, shorter than its fixed part or running past the directory's end", ex.Reason);
        Assert.Equal(record, ex.Offset);
    }

    [ToolFact("xorriso", "osirrox")]
    public void IdentifierLongerThanItsRecord()
    {
        byte[] image = PlainImage(out _);
        int record = IsoTrees.FindRecord(image, "FILE.TXT;1");
        image[record + IdentifierLengthOffset] = 200;

        var ex = Fails(image);
        Assert.Equal($"directory '/DIR/SUB' has a 200-byte file identifier in a record of {image[record]} bytes", ex.Reason);
    }

    [ToolFact("xorriso", "osirrox")]
    public void MultiExtentFileNotContinued()
    {
        byte[] image = PlainImage(out _);
        int record = IsoTrees.FindRecord(image, "FILE.TXT;1"); // the last record of DIR/SUB
        image[record + FlagsOffset] |= 0x80;

        Assert.Equal("multi-extent file '/DIR/SUB/FILE.TXT' is not continued by a record of the same name", Fails(image).Reason);
    }

    [ToolFact("xorriso", "osirrox")]
    public void UnsupportedBlockSize()
    {
        byte[] image = PlainImage(out _);
        image[(16 * 2048) + 129] = 2; // little-endian 00 08 (2048) becomes 00 02 (512)

        var ex = Fails(image);
        Assert.Equal("unsupported logical block size 512 (only 2048 is supported)", ex.Reason);
        Assert.Equal((16 * 2048) + 128, ex.Offset);
    }

    [ToolFact("xorriso", "osirrox")]
    public void ContinuationAreaPointingAtItself_IsBounded()
    {
        byte[] image = File.ReadAllBytes(fixture.Get("rockridge").Path);
        int entry = image.AsSpan().IndexOf("CE\x1c\x01"u8);
        Assert.True(entry > 0);
        IsoTrees.WriteBothEndian(image, entry + 4, (uint)(entry / 2048));
        IsoTrees.WriteBothEndian(image, entry + 12, (uint)(entry % 2048));
        IsoTrees.WriteBothEndian(image, entry + 20, 28);

        var ex = Fails(image);
        Assert.Matches("^system use area of '.*' has more than 32 continuation areas \\(a 'CE' loop\\?\\)$", ex.Reason);
    }

    [ToolFact("xorriso", "osirrox")]
    public void SystemUseEntryRunningPastItsArea()
    {
        byte[] image = File.ReadAllBytes(fixture.Get("rockridge").Path);
        int entry = image.AsSpan().IndexOf("CE\x1c\x01"u8);
        image[entry + 2] = 250;

        Assert.Matches("^system use entry 'CE' of '.*' runs past the end of its area$", Fails(image).Reason);
    }

    [ToolFact("xorriso", "osirrox")]
    public void ContinuationAreaPastTheEnd()
    {
        byte[] image = File.ReadAllBytes(fixture.Get("rockridge").Path);
        int entry = image.AsSpan().IndexOf("CE\x1c\x01"u8);
        IsoTrees.WriteBothEndian(image, entry + 4, (uint)(image.Length / 2048));

        Assert.Matches("^extent of '.*' \\(\\d+ bytes at 0x[0-9a-f]+\\) lies past the end of the image", Fails(image).Reason);
    }

    [ToolFact("xorriso", "osirrox")]
    public void FileShrunkAfterOpening_ReadFails()
    {
        byte[] image = File.ReadAllBytes(fixture.Get("rockridge").Path);
        var stream = new MemoryStream();
        stream.Write(image);
        stream.Position = 0;
        using var iso = Iso9660Reader.Open(stream, Source);
        var entry = iso.Find("data/multi-sector.bin")!;
        stream.SetLength(entry.Extents[0].Offset + 100);

        var ex = Assert.Throws<ModuleFormatException>(() => iso.ReadFile(entry, 1 << 20));
        Assert.Equal("file '/data/multi-sector.bin' is truncated", ex.Reason);
    }

    [ToolTheory("xorriso", "osirrox")]
    [InlineData(1000, false)]
    [InlineData(1030, true)]
    public void DeepNesting_ReadWithoutRecursion_UpToTheLimit(int levels, bool refused)
    {
        string tree = fixture.Scratch("deep-tree");
        string directory = string.Join('/', Enumerable.Repeat("a", levels));
        IsoTrees.Write(tree, directory + "/f", "f\n"u8.ToArray());
        string path = Xorriso.Make(tree, Path.Combine(fixture.Scratch("deep"), "deep.iso"), "-R");
        byte[] image = File.ReadAllBytes(path);

        if (refused)
        {
            Assert.Equal($"directory '/{string.Join('/', Enumerable.Repeat("a", Iso9660Reader.MaxDepth))}' is nested more than 1024 levels deep", Fails(image).Reason);
            return;
        }

        using var iso = Iso9660Reader.Open(new MemoryStream(image), Source);
        Assert.Equal(levels + 1, iso.Entries.Length);
        Assert.Equal(Xorriso.List(path).Files, iso.Entries.Where(e => !e.IsDirectory).Select(e => e.Path).ToHashSet());
    }
}

using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Iso;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Iso;

/// <summary>The reader against xorriso: listings from <c>xorriso -find</c>, contents from <c>osirrox -extract</c>.</summary>
public class Iso9660ReaderTests(IsoImagesFixture fixture) : IClassFixture<IsoImagesFixture>
{
    public static TheoryData<string> Kinds => ["rockridge-joliet", "rockridge", "joliet", "plain", "relocated"];

    private static IsoImage Open(SampleIso iso) => Iso9660Reader.Open(new MemoryStream(File.ReadAllBytes(iso.Path)), iso.Path);

    [ToolTheory("xorriso", "osirrox")]
    [MemberData(nameof(Kinds))]
    public void Entries_MatchXorrisoFind(string kind)
    {
        var iso = fixture.Get(kind);
        using var image = Open(iso);

        Assert.Equal(iso.Naming, image.Naming);
        Assert.Equal(iso.Files, image.Entries.Where(e => !e.IsDirectory).Select(e => e.Path).ToHashSet());
        Assert.Equal(iso.Directories, image.Entries.Where(e => e.IsDirectory).Select(e => e.Path).ToHashSet());
        Assert.Equal(image.Entries.Length, image.Entries.Select(e => e.Path).Distinct().Count());
    }

    [ToolTheory("xorriso", "osirrox")]
    [MemberData(nameof(Kinds))]
    public void Contents_MatchOsirroxExtract(string kind)
    {
        var iso = fixture.Get(kind);
        using var image = Open(iso);

        var extractedFiles = Directory.EnumerateFiles(iso.Extracted, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).LinkTarget is null) // osirrox restores Rock Ridge symlinks, which entries leave out
            .Select(f => Path.GetRelativePath(iso.Extracted, f)).ToHashSet();
        Assert.Equal(extractedFiles, image.Entries.Where(e => !e.IsDirectory).Select(e => e.Path).ToHashSet());
        foreach (var entry in image.Entries.Where(e => !e.IsDirectory))
        {
            byte[] expected = File.ReadAllBytes(Path.Combine(iso.Extracted, entry.Path));
            Assert.Equal(expected.Length, entry.Size);
            Assert.Equal(expected, image.ReadFile(entry, maxBytes: 1 << 20));
        }
    }

    [ToolTheory("xorriso", "osirrox")]
    [InlineData("rockridge-joliet")]
    [InlineData("rockridge")]
    [InlineData("relocated")]
    public void RockRidge_KeepsFullNamesAndDeepPaths_SkipsSymlinks(string kind)
    {
        using var image = Open(fixture.Get(kind));

        // 250 bytes: NM entries with the continue flag, spilling into a CE continuation area.
        var longName = Assert.IsType<IsoEntry>(image.Find(IsoTrees.LongName));
        Assert.Equal("long\n"u8.ToArray(), image.ReadFile(longName, 100));
        Assert.NotNull(image.Find("grüße.txt"));
        Assert.Equal("deep\n"u8.ToArray(), image.ReadFile(image.Find($"{IsoTrees.DeepDirectory}/deep.txt")!, 100));
        Assert.Null(image.Find("data/link"));
        Assert.Equal(60, image.Entries.Count(e => e.Path.StartsWith("many/", StringComparison.Ordinal)));
    }

    [ToolFact("xorriso", "osirrox")]
    public void Relocated_FollowsChildLinksAndHidesRelocatedDirectories()
    {
        var relocated = fixture.Get("relocated");
        byte[] bytes = File.ReadAllBytes(relocated.Path);
        // The image really relocates: it has CL and RE entries (signature, length, version 1).
        Assert.True(bytes.AsSpan().IndexOf("CL\x0c\x01"u8) >= 0);
        Assert.True(bytes.AsSpan().IndexOf("RE\x04\x01"u8) >= 0);

        using var image = Open(relocated);
        using var unrelocated = Open(fixture.Get("rockridge"));
        Assert.Equal(unrelocated.Entries.Select(e => (e.Path, e.IsDirectory)).ToHashSet(), image.Entries.Select(e => (e.Path, e.IsDirectory)).ToHashSet());
    }

    [ToolFact("xorriso", "osirrox")]
    public void Joliet_UsesUcs2Names_TruncatedAsXorrisoWroteThem()
    {
        var iso = fixture.Get("joliet");
        using var image = Open(iso);

        Assert.NotNull(image.Find("grüße.txt"));
        Assert.NotNull(image.Find("README.TXT"));
        string truncated = Assert.Single(image.Entries, e => e.Path.StartsWith("long-", StringComparison.Ordinal)).Path;
        // Without -joliet-long, xorriso cuts the name to 65 UCS-2 characters, keeping the extension.
        Assert.Equal("long-" + new string('n', 56) + ".txt", truncated);
        Assert.Null(image.Find("data/link")); // Joliet cannot hold symbolic links
    }

    [ToolFact("xorriso", "osirrox")]
    public void Plain_StripsVersionAndTrailingDot()
    {
        using var image = Open(fixture.Get("plain"));

        var empty = Assert.IsType<IsoEntry>(image.Find("EMPTY")); // "EMPTY.;1" on disc
        Assert.Equal(0, empty.Size);
        Assert.Empty(empty.Extents);
        Assert.Empty(image.ReadFile(empty, 0));
        Assert.NotNull(image.Find("README.TXT"));
        Assert.DoesNotContain(image.Entries, e => e.Path.Contains(';', StringComparison.Ordinal));
    }

    [ToolFact("xorriso", "osirrox")]
    public void MultiSectorFile_ReadsWhole_AndStreamsWithSeeks()
    {
        byte[] expected = File.ReadAllBytes(Path.Combine(fixture.Source, "data", "multi-sector.bin"));
        using var image = Open(fixture.Get("rockridge-joliet"));
        var entry = image.Find("/data/multi-sector.bin")!;

        Assert.Equal(10_000, entry.Size);
        Assert.Equal("multi-sector.bin", entry.Name);
        Assert.Equal(expected, image.ReadFile(entry, 10_000));

        using var stream = image.OpenFile(entry);
        Assert.True(stream.CanSeek);
        Assert.Equal(10_000, stream.Length);
        stream.Seek(4000, SeekOrigin.Begin);
        var middle = new byte[3000];
        for (int done = 0; done < middle.Length;)
            done += stream.Read(middle, done, Math.Min(700, middle.Length - done)); // small reads across sector boundaries
        Assert.Equal(expected.AsSpan(4000, 3000).ToArray(), middle);
        stream.Seek(-10, SeekOrigin.End);
        Assert.Equal(10, stream.Read(new byte[100], 0, 100));
        Assert.Equal(0, stream.Read(new byte[100], 0, 100));
    }

    [ToolFact("xorriso", "osirrox")]
    public void ReadFile_RefusesFilesOverTheLimit()
    {
        using var image = Open(fixture.Get("rockridge"));
        var entry = image.Find("data/multi-sector.bin")!;

        var ex = Assert.Throws<ModuleFormatException>(() => image.ReadFile(entry, 9_999));
        Assert.Equal("file '/data/multi-sector.bin' is 10000 bytes, more than the limit of 9999", ex.Reason);
        Assert.Throws<ArgumentException>(() => image.OpenFile(image.Find("data")!));
    }

    [ToolFact("xorriso", "osirrox")]
    public void Entries_DirectoriesComeBeforeTheirContents()
    {
        using var image = Open(fixture.Get("rockridge-joliet"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in image.Entries)
        {
            int slash = entry.Path.LastIndexOf('/');
            if (slash > 0)
                Assert.Contains(entry.Path[..slash], seen);
            seen.Add(entry.Path);
        }

        var emptyDirectory = Assert.IsType<IsoEntry>(image.Find("empty-dir"));
        Assert.True(emptyDirectory.IsDirectory);
    }

    [ToolFact("xorriso", "osirrox")]
    public void Open_PathForm_ReadsTheFileAndVolumeIdentifier()
    {
        var iso = fixture.Get("rockridge-joliet");
        using var image = Iso9660Reader.Open(iso.Path);

        Assert.Equal(iso.Path, image.SourceName);
        using var again = Open(iso);
        Assert.Equal<IsoEntry>([.. again.Entries], [.. image.Entries]); // entries compare by value, extents included
        Assert.Equal("KABIGATE_TEST", image.VolumeIdentifier);
        Assert.Equal("read me\n", Encoding.ASCII.GetString(image.ReadFile(image.Find("README.TXT")!, 100)));
    }

    [ToolFact("xorriso", "osirrox")]
    public void Open_StartsAtTheStreamsPosition()
    {
        byte[] iso = File.ReadAllBytes(fixture.Get("rockridge").Path);
        var stream = new MemoryStream([.. new byte[1000], .. iso]) { Position = 1000 };
        using var image = Iso9660Reader.Open(stream, "embedded.iso");

        Assert.Equal("read me\n"u8.ToArray(), image.ReadFile(image.Find("README.TXT")!, 100));
    }

    [ToolFact("xorriso", "osirrox")]
    public void Open_RefusesAStreamThatCannotSeek()
    {
        byte[] iso = File.ReadAllBytes(fixture.Get("plain").Path);
        Assert.Throws<ArgumentException>(() => Iso9660Reader.Open(new Deb.NonSeekableStream(new MemoryStream(iso)), "pipe"));
    }

    [ToolFact("xorriso", "osirrox")]
    public void MultiExtent_RecordsAreJoined_AsOsirroxDoes()
    {
        // Two adjacent files become one multi-extent file: the first record gets the multi-extent flag and the
        // second the first's identifier, as a 4 GiB file's records would look.
        string tree = fixture.Scratch("multi-tree");
        byte[] part1 = IsoTrees.Random(5000, seed: 2), part2 = IsoTrees.Random(3000, seed: 3);
        IsoTrees.Write(tree, "PART1.BIN", part1);
        IsoTrees.Write(tree, "PART2.BIN", part2);
        IsoTrees.Write(tree, "OTHER.TXT", "other\n"u8.ToArray());
        string iso = Xorriso.Make(tree, Path.Combine(fixture.Scratch("multi"), "multi.iso"), "--norock");
        byte[] bytes = File.ReadAllBytes(iso);
        int first = IsoTrees.FindRecord(bytes, "PART1.BIN;1"), second = IsoTrees.FindRecord(bytes, "PART2.BIN;1");
        Assert.Equal(first + bytes[first], second); // adjacent
        bytes[first + 25] |= 0x80;
        bytes[second + 33 + 4] = (byte)'1';
        File.WriteAllBytes(iso, bytes);

        using var image = Iso9660Reader.Open(new MemoryStream(bytes), iso);
        var entry = Assert.Single(image.Entries, e => e.Name.StartsWith("PART", StringComparison.Ordinal));
        Assert.Equal("PART1.BIN", entry.Path);
        Assert.Equal(2, entry.Extents.Length);
        Assert.Equal(8000, entry.Size);
        Assert.Equal([.. part1, .. part2], image.ReadFile(entry, 8000));

        // libisofs reads the patched image the same way.
        Assert.Equal(Xorriso.List(iso).Files, image.Entries.Select(e => e.Path).ToHashSet());
        string extracted = Xorriso.Extract(iso, Path.Combine(fixture.Scratch("multi-out"), "x"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(extracted, "PART1.BIN")), image.ReadFile(entry, 8000));
    }
}

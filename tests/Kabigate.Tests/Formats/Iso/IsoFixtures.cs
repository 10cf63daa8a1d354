using System.Text;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Iso;

/// <summary>
/// Makes real ISO images with xorriso (the tests that do are [ToolFact("xorriso", "osirrox")]) and reads them back with
/// xorriso and osirrox, the oracle the reader is compared with.
/// </summary>
internal static class Xorriso
{
    /// <summary>What the tests that make images need; ./test installs them (tests/prepare-data.sh).</summary>
    public static void Require()
    {
        if (Needs.MissingTools(["xorriso", "osirrox"]) is { } missing)
            throw new InvalidOperationException(missing);
    }

    /// <summary>Runs xorriso with its arguments in a UTF-8 locale and returns stdout; fails on a non-zero exit.</summary>
    public static string Run(params string[] arguments) => RunTool("xorriso", arguments);

    /// <summary><c>xorriso -as mkisofs OPTIONS -o ISO DIR</c>.</summary>
    public static string Make(string sourceDirectory, string isoPath, params string[] options)
    {
        Require();
        RunTool("xorriso", ["-as", "mkisofs", .. options, "-o", isoPath, sourceDirectory]);
        return isoPath;
    }

    /// <summary>
    /// The files (<c>-find / -type f</c>) and directories (<c>-type d</c>, without the root) xorriso sees in an image,
    /// as relative paths.
    /// </summary>
    public static (SortedSet<string> Files, SortedSet<string> Directories) List(string isoPath)
    {
        Require();
        return (Find(isoPath, "f"), Find(isoPath, "d"));

        static SortedSet<string> Find(string iso, string type)
        {
            var paths = new SortedSet<string>(StringComparer.Ordinal);
            foreach (string line in Run("-indev", iso, "-find", "/", "-type", type).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                // xorriso quotes each path: '/dir/file'.
                string path = line.Trim('\'').TrimStart('/');
                if (path.Length > 0)
                    paths.Add(path);
            }

            return paths;
        }
    }

    /// <summary><c>osirrox -indev ISO -extract / DIR</c>: the image's files, unpacked by libisofs.</summary>
    public static string Extract(string isoPath, string outputDirectory)
    {
        Require();
        RunTool("osirrox", ["-indev", isoPath, "-extract", "/", outputDirectory]);
        return outputDirectory;
    }

    // names are UTF-8 on disk and in -find's output
    private static string RunTool(string tool, string[] arguments) =>
        Encoding.UTF8.GetString(Tools.RunBytes(tool, arguments, environment: new Dictionary<string, string> { ["LC_ALL"] = "C.UTF-8" }));
}

/// <summary>The source tree the images are made of, and byte patches for malformed images.</summary>
internal static class IsoTrees
{
    /// <summary>A name of 250 bytes: Rock Ridge needs several NM entries and a continuation area for it.</summary>
    public static readonly string LongName = "long-" + new string('n', 241) + ".txt";

    /// <summary>Twelve levels, deeper than ISO 9660's eight.</summary>
    public static readonly string DeepDirectory = string.Join('/', Enumerable.Range(1, 12).Select(i => $"level{i}"));

    /// <summary>
    /// Writes the sample tree: long and mixed-case names, a UTF-8 name, a deep directory, an empty file, a file of
    /// several sectors, a directory of several sectors, and a symbolic link (Rock Ridge only; others drop it).
    /// </summary>
    public static string WriteSample(string root)
    {
        Directory.CreateDirectory(root);
        Write(root, "README.TXT", "read me\n"u8.ToArray());
        Write(root, "A file name with spaces, UPPER and lower case, longer than sixty-four characters.txt", "spaces\n"u8.ToArray());
        Write(root, LongName, "long\n"u8.ToArray());
        Write(root, "grüße.txt", Encoding.UTF8.GetBytes("grüße\n"));
        Write(root, "empty", []);
        Write(root, "data/multi-sector.bin", Random(10_000, seed: 1));
        Write(root, $"{DeepDirectory}/deep.txt", "deep\n"u8.ToArray());
        for (int i = 0; i < 60; i++)
            Write(root, $"many/file-number-{i:D2}-with-a-fairly-long-name.dat", Encoding.ASCII.GetBytes($"file {i}\n"));
        Directory.CreateDirectory(Path.Combine(root, "empty-dir"));
        File.CreateSymbolicLink(Path.Combine(root, "data", "link"), "multi-sector.bin");
        return root;
    }

    public static void Write(string root, string relative, byte[] data)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data);
    }

    public static byte[] Random(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>
    /// The offset of the only directory record whose identifier is <paramref name="identifier"/> (plain ISO 9660
    /// names: <c>FILE.BIN;1</c>, <c>DIR</c>): the identifier follows its length byte at offset 32 of the record.
    /// </summary>
    public static int FindRecord(byte[] image, string identifier)
    {
        byte[] needle = [(byte)identifier.Length, .. Encoding.ASCII.GetBytes(identifier)];
        int found = -1;
        for (int at = image.AsSpan().IndexOf(needle); at >= 0;)
        {
            int record = at - 32;
            // A directory record's own length covers its identifier; path table records do not match this.
            if (record >= 0 && image[record] >= 33 + identifier.Length)
            {
                Assert.True(found < 0, $"identifier '{identifier}' occurs in more than one record");
                found = record;
            }

            int next = image.AsSpan(at + 1).IndexOf(needle);
            at = next < 0 ? -1 : at + 1 + next;
        }

        Assert.True(found >= 0, $"no record with identifier '{identifier}'");
        return found;
    }

    /// <summary>Writes a both-endian 32-bit number (little-endian, then big-endian).</summary>
    public static void WriteBothEndian(byte[] image, int offset, uint value)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(offset), value);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(image.AsSpan(offset + 4), value);
    }

    public static uint ReadBlock(byte[] image, int record) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(record + 2));
}

using System.Text;
using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Deb;
using Kabigate.Formats.Elf;
using Kabigate.Formats.Installer;
using Kabigate.Formats.Iso;
using Kabigate.Formats.Kernel;
using Kabigate.Formats.Repodata;
using Kabigate.Formats.Rpm;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Formats.Deb;

namespace Kabigate.Fuzz;

/// <summary>
/// One fuzz target per reader. A target feeds the input to the reader's span or stream form and walks the whole
/// result, so lazy parts are read too. The contract is the readers' XML docs: for data in memory they document
/// <see cref="ModuleFormatException"/> only (the policy also <see cref="IOException"/>, for the files it names), so
/// <see cref="Run"/> treats that as a verdict and lets anything else escape, which SharpFuzz reports as a crash.
/// </summary>
internal static class Targets
{
    /// <summary>The entry size cap handed to readers that take one: what a module or a symvers needs, with room.</summary>
    private const long MaxEntryBytes = 16L << 20;

    private const string Source = "fuzz-input";

    /// <summary>The targets by name, in the order <c>tests/fuzz.sh all</c> runs them.</summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["elf"] = data => Consume(ElfModuleReader.Read(data, Source)),
        ["module"] = data => Consume(ModuleFileReader.Read(data, Source)),
        ["decompress"] = Decompress,
        ["symvers"] = data => Consume(SymversReader.Read(data, Source)),
        ["ar"] = Ar,
        ["tar"] = data => DebData(DebFixtures.Deb("data.tar", data)),
        ["deb"] = Deb,
        ["rpm"] = Rpm,
        ["cpio"] = Cpio,
        ["rpmdb"] = data => Consume(RpmPackage.FromHeader(RpmReader.ReadHeaderBlob(data, Source + "#1"))),
        ["repomd"] = data => Consume(RepomdReader.Read(new MemoryStream(data), Source)),
        ["primary"] = data => Consume(PrimaryReader.Read(new MemoryStream(data), Source).ToList()),
        ["iso"] = Iso,
        ["initrd"] = data => Consume(InitrdReader.ReadEntries(new MemoryStream(data), Source, _ => true, MaxEntryBytes).ToList()),
        ["vmlinuz"] = data => Consume(VmlinuxReader.ReadExports(data, Source)),
        ["stablelist"] = data => Consume(StablelistReader.Read(data, Source)),
        ["policy"] = Policy,
    };

    /// <summary>Runs one target on one input; only the documented exceptions are caught.</summary>
    /// <returns>Null when the reader returned, else the documented exception it threw.</returns>
    public static Exception? Run(string target, byte[] data)
    {
        try
        {
            All[target](data);
            return null;
        }
        catch (ModuleFormatException ex)
        {
            return ex;
        }
        catch (IOException ex) when (target == "policy")
        {
            return ex;
        }
    }

    private static void Decompress(byte[] data)
    {
        Consume(Compression.DecompressAll(data, Source, MaxEntryBytes));
        var kind = Compression.Sniff(data);
        if (kind is CompressionKind.None or CompressionKind.Bzip2)
            return;
        using var stream = Compression.OpenDecompressing(new MemoryStream(data), kind, Source, MaxEntryBytes);
        stream.CopyTo(Stream.Null);
    }

    private static void Ar(byte[] data)
    {
        var ar = new ArReader(new MemoryStream(data), Source, MaxEntryBytes);
        var buffer = new byte[4096];
        while (ar.Next() is { } member)
        {
            // Every other member is read, the rest skipped: both paths of the member stream get exercised.
            if (member.Size % 2 == 0)
            {
                while (member.Data.Read(buffer) > 0)
                {
                }
            }
        }
    }

    private static void Deb(byte[] data)
    {
        Consume(DebReader.ReadControl(new MemoryStream(data), Source));
        DebData(data);
    }

    private static void DebData(byte[] deb)
    {
        Consume(DebReader.ReadDataEntries(new MemoryStream(deb), Source, _ => true, MaxEntryBytes).ToList());
        Consume(DebReader.ReadDataEntries(new NonSeekableStream(new MemoryStream(deb)), Source, _ => true, MaxEntryBytes).ToList());
    }

    private static void Rpm(byte[] data)
    {
        var headers = RpmReader.ReadHeaders(new MemoryStream(data), Source);
        Consume(RpmPackage.FromHeader(headers.Header));
        var summary = new RpmPayloadSummary();
        Consume(RpmReader.ReadPayloadEntries(new MemoryStream(data), Source, _ => true, MaxEntryBytes, summary).ToList());
        Consume(RpmReader.ReadPayloadEntries(new NonSeekableStream(new MemoryStream(data)), Source, _ => true, MaxEntryBytes).ToList());
    }

    private static void Cpio(byte[] data)
    {
        var cpio = new CpioReader(new MemoryStream(data), Source);
        bool read = false;
        while (cpio.Next() is not null)
        {
            if (read)
                Consume(cpio.ReadData(MaxEntryBytes));
            read = !read;
        }
    }

    private static void Iso(byte[] data)
    {
        using var image = Iso9660Reader.Open(new MemoryStream(data), Source);
        Consume(image.VolumeIdentifier);
        foreach (var entry in image.Entries)
        {
            if (entry.IsDirectory)
                continue;
            Consume(image.ReadFile(entry, MaxEntryBytes));
            _ = image.Find(entry.Path);
        }

        Consume(DriverUpdateDisk.FindAll(image));
    }

    /// <summary>Relative files a policy names resolve under a directory that does not exist, so they are missing.</summary>
    private static readonly string PolicyDirectory = Path.Combine(Path.GetTempPath(), "kabigate-fuzz-no-such-directory");

    private static void Policy(byte[] data) =>
        // As File.ReadAllText reads a policy file: UTF-8, invalid bytes replaced.
        Consume(PolicyReader.Parse(Encoding.UTF8.GetString(data), Source, PolicyDirectory));

    /// <summary>Walks a result as a caller would (its string forms and equality), so lazy parts are forced.</summary>
    private static void Consume<T>(T value)
    {
        if (value is System.Collections.IEnumerable items and not string)
        {
            foreach (var item in items)
                _ = item?.ToString();
        }
        else
        {
            _ = value?.ToString();
        }

        _ = value?.GetHashCode();
    }
}

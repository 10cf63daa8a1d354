using Kabigate.Formats;
using Kabigate.Formats.Deb;
using Kabigate.Formats.Kernel;
using Kabigate.Formats.Repodata;
using Kabigate.Tests.Formats.Deb;

namespace Kabigate.Tests.Formats;

/// <summary>
/// Every input the fuzz targets (tests/Kabigate.Fuzz, tests/fuzz.sh) ever found crashing a reader, kept as found (after
/// afl-tmin) in <c>FuzzFindings/TARGET/</c>, fed to the same reader as the target feeds it: each now gives the documented
/// <see cref="ModuleFormatException"/>. The reader tests hold a hand-made minimal case of each fault with its exact message.
/// </summary>
public class FuzzFindingsTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Formats", "FuzzFindings");

    public static TheoryData<string, string> Findings()
    {
        var data = new TheoryData<string, string>();
        foreach (string directory in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            foreach (string file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
                data.Add(Path.GetFileName(directory), Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Findings))]
    public void SavedCrash_GivesAFormatError(string target, string file)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(Root, target, file));
        var e = Assert.Throws<ModuleFormatException>(() => Read(target, input));
        Assert.StartsWith(target switch
        {
            "tar" or "deb" => "fuzz-input!",
            _ => "fuzz-input:",
        }, e.Message, StringComparison.Ordinal);
    }

    /// <summary>What the target of that name does with an input (tests/Kabigate.Fuzz/Targets.cs), for the targets with findings.</summary>
    private static void Read(string target, byte[] input)
    {
        const string source = "fuzz-input";
        switch (target)
        {
            case "tar":
                _ = DebReader.ReadDataEntries(new MemoryStream(DebFixtures.Deb("data.tar", input)), source, _ => true, 16 << 20).ToList();
                break;
            case "deb":
                _ = DebReader.ReadControl(new MemoryStream(input), source);
                _ = DebReader.ReadDataEntries(new MemoryStream(input), source, _ => true, 16 << 20).ToList();
                break;
            case "repomd":
                _ = RepomdReader.Read(new MemoryStream(input), source);
                break;
            case "vmlinuz":
                _ = VmlinuxReader.ReadExports(input, source);
                break;
            case "policy":
                _ = PolicyReader.Parse(System.Text.Encoding.UTF8.GetString(input), source, Path.Combine(Path.GetTempPath(), "kabigate-fuzz-no-such-directory"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target, "no reader for this target's findings yet");
        }
    }
}

using System.Text.RegularExpressions;

namespace Kabigate.Tests.Support;

/// <summary>
/// The oracle: kmod's depmod run the weak-modules way, <c>depmod -b ROOT -e -E SYMVERS -n RELEASE</c>, over a tree
/// holding the modules; its warnings parsed into (module file, symbol, kind) findings.
/// </summary>
internal static partial class Depmod
{
    public sealed record Finding(string ModuleFile, string Symbol, string Kind);

    [GeneratedRegex(@"^depmod: WARNING: (?<path>\S+) (?<what>needs unknown symbol|disagrees about version of symbol) (?<sym>\S+)$")]
    private static partial Regex Warning();

    /// <summary>Lays the module files into ROOT/lib/modules/RELEASE/extra (symlinks) and runs depmod.</summary>
    public static IReadOnlySet<Finding> Run(IEnumerable<string> moduleFiles, string symvers, string release)
    {
        using var temp = new TempDirectory();
        var root = temp.Path;
        var extra = Path.Combine(root, "lib/modules", release, "extra");
        Directory.CreateDirectory(extra);
        foreach (var file in moduleFiles)
            File.CreateSymbolicLink(Path.Combine(extra, Path.GetFileName(file)), file);
        return RunOnTree(root, symvers, release);
    }

    /// <summary>Runs depmod on an existing ROOT/lib/modules/RELEASE tree.</summary>
    public static IReadOnlySet<Finding> RunOnTree(string root, string symvers, string release)
    {
        var (code, _, stderr) = Tools.Run("depmod", "-b", root, "-e", "-E", symvers, "-n", release);
        if (code != 0)
            throw new InvalidOperationException($"depmod failed ({code}): {stderr}");
        var findings = new HashSet<Finding>();
        foreach (var line in stderr.Split('\n'))
        {
            var match = Warning().Match(line);
            if (match.Success)
            {
                var kind = match.Groups["what"].Value == "needs unknown symbol" ? "unknown-symbol" : "crc-mismatch";
                findings.Add(new Finding(Path.GetFileName(match.Groups["path"].Value), match.Groups["sym"].Value, kind));
            }
        }
        return findings;
    }
}

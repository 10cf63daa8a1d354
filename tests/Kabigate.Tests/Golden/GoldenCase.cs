using System.Text.RegularExpressions;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Golden;

/// <summary>
/// One golden case: a folder below tests/Kabigate.Tests/Golden holding <c>cmd</c> (one argument a line),
/// <c>exit</c>, <c>stdout.exp</c> and, for cases that write diagnostics, <c>stderr.exp</c>; optionally <c>needs</c>
/// (the tools its fixtures need) and <c>setup</c> (<c>copy DIR</c> lines: fixture folders copied into <c>$TMP</c>).
/// See README.md there.
/// </summary>
internal static partial class GoldenCase
{
    /// <summary>Set to 1 to rewrite <c>exit</c>, <c>stdout.exp</c> and <c>stderr.exp</c> from what the CLI prints.</summary>
    public const string UpdateVariable = "KABIGATE_GOLDEN_UPDATE";

    public static string Directory => Path.Combine(SourceTree.Root, "tests", "Kabigate.Tests", "Golden");

    /// <summary>The names of the cases whose <c>needs</c> file lists exactly <paramref name="needs"/> (none: no file).</summary>
    public static TheoryData<string> Named(params string[] needs)
    {
        var data = new TheoryData<string>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories(Directory).Order(StringComparer.Ordinal))
        {
            if (!File.Exists(Path.Combine(dir, "cmd")))
                continue;
            var needsFile = Path.Combine(dir, "needs");
            string[] caseNeeds = File.Exists(needsFile) ? File.ReadAllLines(needsFile).Where(l => l.Length > 0).ToArray() : [];
            if (caseNeeds.Order(StringComparer.Ordinal).SequenceEqual(needs.Order(StringComparer.Ordinal)))
                data.Add(Path.GetFileName(dir));
        }
        return data;
    }

    /// <summary>Runs a case in process with the placeholders filled in, and compares (or, updating, rewrites) its files.</summary>
    public static void Run(string name, IReadOnlyDictionary<string, string> placeholders)
    {
        var dir = Path.Combine(Directory, name);
        using var temp = new TempDirectory();
        var values = new Dictionary<string, string>(placeholders, StringComparer.Ordinal) { ["$TMP"] = temp.Path };
        var setup = Path.Combine(dir, "setup");
        if (File.Exists(setup))
        {
            foreach (var line in File.ReadAllLines(setup).Where(l => l.Length > 0))
            {
                var words = line.Split(' ', 2);
                Assert.True(words is ["copy", _], $"{setup}: '{line}' is not 'copy DIR'");
                CopyTree(Path.Combine(values["$FIXTURES"], words[1]), Path.Combine(temp.Path, words[1]));
            }
        }

        var args = File.ReadAllLines(Path.Combine(dir, "cmd")).Where(l => l.Length > 0).Select(l => Fill(l, values)).ToArray();
        var (exit, stdout, stderr) = CliRunner.Run(args);
        stdout = Normalize(stdout, values);
        stderr = Normalize(stderr, values);

        var stdoutFile = Path.Combine(dir, "stdout.exp");
        var stderrFile = Path.Combine(dir, "stderr.exp");
        var exitFile = Path.Combine(dir, "exit");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(stdoutFile, stdout);
            File.WriteAllText(exitFile, exit + "\n");
            if (stderr.Length > 0)
                File.WriteAllText(stderrFile, stderr);
            else
                File.Delete(stderrFile);
            return;
        }

        Assert.True(File.Exists(stdoutFile) && File.Exists(exitFile), $"{dir} has no stdout.exp or exit: run with {UpdateVariable}=1 and review the new files");
        Assert.Equal(File.ReadAllText(stdoutFile), stdout);
        Assert.Equal(File.Exists(stderrFile) ? File.ReadAllText(stderrFile) : "", stderr);
        Assert.Equal(File.ReadAllText(exitFile).Trim(), exit.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Fill(string argument, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (placeholder, value) in values.OrderByDescending(p => p.Key.Length))
            argument = argument.Replace(placeholder, value, StringComparison.Ordinal);
        return argument;
    }

    /// <summary>
    /// Puts the placeholders back for the paths (longest first, so that <c>$STORE</c> inside <c>$FIXTURES</c> wins),
    /// and replaces what changes from run to run: ingest timestamps and JUnit's time attributes.
    /// </summary>
    private static string Normalize(string output, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (placeholder, value) in values.OrderByDescending(p => p.Value.Length))
            output = output.Replace(value, placeholder, StringComparison.Ordinal);
        output = Timestamp().Replace(output, "$TIMESTAMP");
        return JunitTime().Replace(output, " time=\"$SECONDS\"");
    }

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@" time=""[0-9.]+""")]
    private static partial Regex JunitTime();

    private static void CopyTree(string from, string to)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

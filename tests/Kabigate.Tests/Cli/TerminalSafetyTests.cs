using Kabigate.Tests.Support;

namespace Kabigate.Tests.Cli;

/// <summary>
/// Bytes from inputs never reach the terminal raw: control characters in names and paths are written as \xNN in text
/// reports and one-line errors, and stay exact (JSON-escaped) in JSON.
/// </summary>
public class TerminalSafetyTests
{
    private const string Hostile = "kg\u001b]0;owned\u0007\u001b[2J";

    private static string Module(TempDirectory temp, string fileName)
    {
        var path = temp.Combine(fileName);
        File.WriteAllBytes(path, new ElfBuilder
        {
            Modinfo = [("license", "GPL"), ("name", Hostile), ("vermagic", "6.1.0-1-amd64 SMP preempt mod_unload modversions ")],
            Versions = [("module_layout", 0x160c03af)],
        }.Build());
        return path;
    }

    [Fact]
    public void Inspect_Text_EscapesAModuleNameOfEscapeSequences()
    {
        using var temp = new TempDirectory();
        var (exit, stdout, stderr) = CliRunner.Run("inspect", Module(temp, "m.ko"));
        Assert.Equal((0, ""), (exit, stderr));
        Assert.DoesNotContain('\u001b', stdout);
        Assert.DoesNotContain('\u0007', stdout);
        Assert.Contains("kg\\x1b]0;owned\\x07\\x1b[2J", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_Json_KeepsTheNameExact()
    {
        using var temp = new TempDirectory();
        var (exit, stdout, _) = CliRunner.Run("inspect", "--format", "json", Module(temp, "m.ko"));
        Assert.Equal(0, exit);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(Hostile, json.RootElement.GetProperty("kmod").GetProperty("name").GetString());
        Assert.DoesNotContain('\u001b', stdout);
    }

    [Fact]
    public void AnError_NamingAFileWithANewlineAndAnEscape_IsOneSafeLine()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("bad\n\u001b[31mname.ko");
        File.WriteAllText(path, "not a module");
        var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", path, Module(temp, "m.ko"));
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kabigate: ERROR: ", line, StringComparison.Ordinal);
        Assert.Contains("bad\\x0a\\x1b[31mname.ko", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stdout + stderr);
    }
}

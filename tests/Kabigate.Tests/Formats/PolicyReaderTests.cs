using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats;

public class PolicyReaderTests
{
    private static string Write(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void APolicy_ReadsRulesWithTheirLines_TheStablelist_AndWaivers()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        Write(dir, "kabi_stablelist_x86_64", "[rhel9_x86_64_stablelist]\n\tkmalloc\n\tfput\n");
        var path = Write(dir, "policy.toml", """
            # kabigate policy
            stablelist = "kabi_stablelist_x86_64"
            unlisted = "PASS"
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
            """);
        var policy = PolicyReader.Read(path);
        Assert.Equal(2, policy.Stablelist!.Count);
        Assert.Equal(Severity.Pass, policy.UnlistedDefault);
        Assert.Equal(
            [$"{path}:5 MODULE drivers/nvme/host/nvme-fc* FAIL", $"{path}:6 MODULE drivers/nvme/host/* PASS", $"{path}:7 SYMBOL USB_STORAGE_thing FAIL", $"{path}:8 NAMESPACE USB_STORAGE PASS"],
            policy.Rules.Select(r => $"{r.Origin} {r}"));
        var waiver = Assert.Single(policy.Waivers);
        Assert.Equal(("fput", "zfs", new DateOnly(2027, 3, 31), $"{path}:11"), (waiver.Symbol, waiver.Kmod, waiver.Expires!.Value, waiver.Origin));
    }

    [Fact]
    public void ASeveritiesFile_IsReadRelativeToThePolicy_WithItsOwnLines()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        Directory.CreateDirectory(Path.Combine(dir, "kabi"));
        var severities = Write(Path.Combine(dir, "kabi"), "severities", "# comment\n\nvmlinux FAIL\n*   PASS\n");
        var policy = PolicyReader.Read(Write(dir, "p.toml", "severities_file = \"kabi/severities\"\n"));
        Assert.Equal([$"{severities}:3", $"{severities}:4"], policy.Rules.Select(r => r.Origin));
    }

    [Theory]
    [InlineData("severities = \"\"\"\nfoo PASS\nbar MAYBE\n\"\"\"\n", 3, "'MAYBE' is not a severity (PASS or FAIL)")]
    [InlineData("severities = \"\"\"\nfoo bar baz PASS\n\"\"\"\n", 2, "expected '[MODULE|NAMESPACE|SYMBOL] PATTERN PASS|FAIL', found 4 words")]
    [InlineData("severities = \"\"\"\nFUNCTION foo PASS\n\"\"\"\n", 2, "'FUNCTION' is not a pattern kind")]
    [InlineData("severities = \"\"\"\ndrivers/* 8\n\"\"\"\n", 2, "numeric severity '8' (symsets.pl badness) is not supported")]
    [InlineData("\n\nstable_list = \"x\"\n", 3, "unknown key 'stable_list'")]
    [InlineData("[[waiver]]\nsymbol = \"fput\"\nowner = \"me\"\n", 1, "a waiver must give its 'reason'")]
    [InlineData("[[waiver]]\nowner = \"me\"\nreason = \"r\"\n", 1, "a waiver must name a 'symbol', a 'kmod', or both")]
    [InlineData("[[waiver]]\nsymbol = \"a\"\nowner = \"me\"\nreason = \"r\"\nexpires = \"soon\"\n", 5, "'expires' must be a date")]
    [InlineData("[waiver]\nsymbol = \"a\"\n", 1, "unknown table 'waiver' (known: [[waiver]])")]
    [InlineData("unlisted = \"PASS\"\n", 1, "'unlisted' needs a 'stablelist'")]
    [InlineData("severities = \"a PASS\"\nseverities_file = \"f\"\n", 2, "give one of 'severities' and 'severities_file'")]
    [InlineData("x = = 1\n", 1, "")]
    // Found by the policy fuzz target: an escape cut short by the end of the file crashed Tomlyn's lexer.
    [InlineData("x = \"\\u", 1, "")]
    [InlineData("\nx = \"\\", 2, "")]
    [InlineData("x = \"\"\"\\U", 1, "")]
    public void MalformedPolicies_SayFileLineAndWhat(string text, int line, string message)
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var path = Write(dir, "policy.toml", text);
        var e = Assert.Throws<ModuleFormatException>(() => PolicyReader.Read(path));
        Assert.StartsWith($"{path}:{line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void RhelKabiModuleDirectories_AreStablelists_FilteredByMinorRelease()
    {
        using var temp = new TempDirectory();
        var dir = temp.Combine("kabi_x86_64");
        Directory.CreateDirectory(dir);
        Write(dir, "_printk", "#3-\n0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n");
        Write(dir, "__fentry__", "#0-\n#I:0\n#P:arch/x86/kernel/ftrace_64.S\n0xbdfb6dbb\t__fentry__\tvmlinux\tEXPORT_SYMBOL\n");
        Write(dir, "old_sym", "#0-2\n0x12345678\told_sym\tvmlinux\tEXPORT_SYMBOL_GPL\t\n");
        Write(dir, ".old_sym", "symtypes, not a symbol\n");
        var all = StablelistReader.Read(dir);
        Assert.Equal(3, all.Count);
        var minor4 = StablelistReader.Read(dir + "#4");
        Assert.True(minor4.Contains("_printk") && minor4.Contains("__fentry__") && !minor4.Contains("old_sym"));
        var minor1 = StablelistReader.Read(dir + "#1");
        Assert.True(!minor1.Contains("_printk") && minor1.Contains("old_sym"));

        Write(dir, "broken", "0x1\tbroken\tvmlinux\tEXPORT_SYMBOL\n");
        var e = Assert.Throws<ModuleFormatException>(() => StablelistReader.Read(dir));
        Assert.Contains("broken:1: line 1 is not a minor-release range", e.Message, StringComparison.Ordinal);
    }
}

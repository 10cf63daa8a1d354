using System.Text.Json;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Cli;

[Trait("Category", "RealData")]
public class CliTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [RealDataFact]
    public void Check_AllLoad_ExitsZero_WithCleanStderr()
    {
        var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", Support.RealData.HeadersDir(Data.OldRelease), Data.Kmod(Data.OldRelease, "kg_stable"));
        Assert.Equal("", stderr);
        Assert.Equal(0, exit);
        Assert.Contains("kg_stable", stdout, StringComparison.Ordinal);
        Assert.Contains("1 module(s) x 1 kernel(s): 1 load, 0 do not", stdout, StringComparison.Ordinal);
    }

    [RealDataFact]
    public void Check_Json_FollowsTheSchema()
    {
        var (exit, stdout, stderr) = CliRunner.Run("check", "-k", Data.HeadersDeb(Data.OldRelease), "-k", Data.HeadersDeb(Data.NewRelease), "--format", "json", Data.KmodDir(Data.OldRelease));
        Assert.Equal("", stderr);
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("schema").GetInt32());
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(14, results.Count);
        var crc = results.Single(r => r.GetProperty("kmod").GetProperty("name").GetString() == "kg_crcchange" && r.GetProperty("kernel").GetString() == Data.NewRelease);
        Assert.False(crc.GetProperty("loads").GetBoolean());
        var problem = crc.GetProperty("problems").EnumerateArray().Single(p => p.GetProperty("symbol").GetString() == "misc_register");
        Assert.Equal("crc-mismatch", problem.GetProperty("kind").GetString());
        Assert.Matches("^0x[0-9a-f]{8}$", problem.GetProperty("expected").GetString());
        Assert.Matches("^0x[0-9a-f]{8}$", problem.GetProperty("found").GetString());
        Assert.Equal("kg_crcchange: disagrees about version of symbol misc_register", problem.GetProperty("message").GetString());
        foreach (var result in results)
        {
            foreach (var p in result.GetProperty("problems").EnumerateArray().Concat(result.GetProperty("warnings").EnumerateArray()))
                Assert.Contains(p.GetProperty("kind").GetString(), new[] { "unknown-symbol", "crc-mismatch", "gpl-only", "namespace-not-imported", "vermagic-mismatch", "no-modversions", "duplicate-export", "dependency-fails", "no-symbol-version", "vermagic-unchecked", "export-kinds-unchecked" });
        }
    }

    [RealDataFact]
    public void Check_BadInputs_OneLineEach_ExitTwo_OthersStillJudged()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var corrupt = Path.Combine(dir, "corrupt.ko");
        File.WriteAllBytes(corrupt, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, .. new byte[200]]);
        var truncated = Path.Combine(dir, "truncated.ko");
        var real = File.ReadAllBytes(Data.Kmod(Data.OldRelease, "kg_provider"));
        File.WriteAllBytes(truncated, real[..(real.Length / 3)]);
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        var missing = Path.Combine(dir, "missing.ko");
        var notModule = Path.Combine(dir, "notes.txt");
        File.WriteAllText(notModule, "just text");

        var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", Support.RealData.HeadersDir(Data.OldRelease),
            corrupt, truncated, empty, missing, notModule, Data.Kmod(Data.OldRelease, "kg_stable"));

        Assert.Equal(2, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("kabigate: ERROR: ", l));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains(corrupt, StringComparison.Ordinal) && l.Contains("no section headers", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(truncated, StringComparison.Ordinal) && l.Contains("outside the file", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(empty, StringComparison.Ordinal) && l.Contains("no kernel modules", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(missing, StringComparison.Ordinal) && l.Contains("no such file", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(notModule, StringComparison.Ordinal) && l.Contains("not a kernel module", StringComparison.Ordinal));
        Assert.Contains("kg_stable", stdout, StringComparison.Ordinal);
        Assert.Contains("1 load, 0 do not", stdout, StringComparison.Ordinal);
    }

    [RealDataFact("mkfifo")]
    public async Task Check_FifoAndEmptyFile_RefusedWithoutHanging()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var fifo = Path.Combine(dir, "fifo.ko");
        Tools.RunOk("mkfifo", fifo);
        var empty = Path.Combine(dir, "empty.ko");
        File.WriteAllBytes(empty, []);
        var run = Task.Run(() => CliRunner.Run("check", "--kernel", fifo, fifo, empty, Data.Kmod(Data.OldRelease, "kg_stable")));
        var (exit, _, stderr) = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, exit);
        Assert.Equal(3, stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("not a regular file", StringComparison.Ordinal)));
    }

    [RealDataFact]
    public void Check_SymversWithBadCrc_NamesFileAndLine()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var symvers = Path.Combine(dir, "Module.symvers");
        File.WriteAllText(symvers, "0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n0xZZZ\tmsleep\tvmlinux\tEXPORT_SYMBOL\t\n");
        var (exit, _, stderr) = CliRunner.Run("check", "--kernel", symvers, "--release", "6.1.0-47-amd64", Data.Kmod(Data.OldRelease, "kg_stable"));
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"kabigate: ERROR: {symvers}:2: ", line);
        Assert.Contains("0xZZZ", line, StringComparison.Ordinal);
    }

    [RealDataFact]
    public void Check_Stablelist_MarksEachProblemSymbol()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var list = Path.Combine(dir, "kabi_stablelist_x86_64");
        File.WriteAllText(list, "[rhel9_x86_64_whitelist]\n\tmisc_register\n\t_printk\n");
        var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", Data.HeadersDeb(Data.NewRelease), "--stablelist", list, Data.Kmod(Data.OldRelease, "kg_crcchange"));
        Assert.Equal("", stderr);
        Assert.Equal(1, exit);
        Assert.Contains("crc-mismatch misc_register (kernel 0x", stdout, StringComparison.Ordinal);
        Assert.Matches(@"crc-mismatch misc_register \(kernel 0x[0-9a-f]{8}, module 0x[0-9a-f]{8}\) \[stablelisted\]", stdout);
        Assert.Matches(@"crc-mismatch misc_deregister \(kernel 0x[0-9a-f]{8}, module 0x[0-9a-f]{8}\) \[not stablelisted\]", stdout);
    }

    [RealDataFact]
    public void Usage_MissingKernel_ExitsTwo()
    {
        var (exit, _, stderr) = CliRunner.Run("check", "x.ko");
        Assert.Equal(2, exit);
        Assert.StartsWith("kabigate: ERROR: ", stderr);
    }

    [RealDataFact]
    public void Why_ExplainsEveryImport()
    {
        var (exit, stdout, _) = CliRunner.Run("why", Data.Kmod(Data.OldRelease, "kg_crcchange"), "--kernel", Data.HeadersDeb(Data.NewRelease));
        Assert.Equal(1, exit);
        Assert.Contains("kg_crcchange: disagrees about version of symbol misc_register", stdout, StringComparison.Ordinal);
        Assert.Contains("DIFFER; from vmlinux", stdout, StringComparison.Ordinal);
        Assert.Contains("DOES NOT LOAD", stdout, StringComparison.Ordinal);
    }

    [RealDataFact]
    public void Why_ByName_AmongWith_ShowsTheDependency()
    {
        var (exit, stdout, _) = CliRunner.Run("why", "kg_consumer", "--with", Data.KmodDir(Data.OldRelease), "--kernel", Data.HeadersDeb(Data.OldRelease));
        Assert.Equal(0, exit);
        Assert.Contains("kg_provider_ns_answer", stdout, StringComparison.Ordinal);
        Assert.Contains("namespace KABIGATE_TEST", stdout, StringComparison.Ordinal);
    }

    [RealDataFact("modprobe")]
    public void Inspect_Modversions_MatchModprobeDumpModversions()
    {
        var kmod = Data.Kmod(Data.OldRelease, "kg_stable");
        var (exit, stdout, _) = CliRunner.Run("inspect", kmod);
        Assert.Equal(0, exit);
        var dump = Tools.RunOk("modprobe", "--dump-modversions", kmod).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(dump);
        foreach (var line in dump)
            Assert.Contains(line + "\n", stdout, StringComparison.Ordinal);
    }

    [RealDataFact]
    public void Inspect_Kernel_ShowsVermagicAndExportCount()
    {
        var (exit, stdout, _) = CliRunner.Run("inspect", Data.HeadersDeb(Data.NewRelease));
        Assert.Equal(0, exit);
        Assert.Contains($"release:     {Data.NewRelease}", stdout, StringComparison.Ordinal);
        Assert.Contains("preempt mod_unload modversions", stdout, StringComparison.Ordinal);
    }
}

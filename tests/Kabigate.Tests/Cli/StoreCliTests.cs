using Kabigate.Tests.Support;

namespace Kabigate.Tests.Cli;

/// <summary>The store verbs' refusals: one line, exit 2, nothing written.</summary>
public class StoreCliTests
{
    private static string Symvers(string dir, string name, params string[] rows)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, string.Join("\n", rows) + "\n");
        return path;
    }

    [Fact]
    public void AnIngestWithOneBadSource_WritesNothing()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var db = Path.Combine(dir, "store.db");
        var good = Symvers(dir, "Module.symvers", "0x12345678\tfput\tvmlinux\tEXPORT_SYMBOL\t");
        var bad = Symvers(dir, "broken.symvers", "0x12345678\tfput\tvmlinux\tEXPORT_SYMBOL\t", "not a symvers line");
        var (exit, _, stderr) = CliRunner.Run("ingest", "--db", db, "--release", "6.1.0-1-amd64", "--kernel", good, "--kernel", bad);
        Assert.Equal(2, exit);
        Assert.Contains("nothing was stored", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(db));
    }

    [Fact]
    public void Ingest_ThenDiff_OfAReleaseStoredTwiceWithOtherContent_WarnsAndKeepsBoth()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var db = Path.Combine(dir, "store.db");
        var one = Symvers(dir, "one.symvers", "0x11111111\tfput\tvmlinux\tEXPORT_SYMBOL\t");
        var two = Symvers(dir, "two.symvers", "0x22222222\tfput\tvmlinux\tEXPORT_SYMBOL\t");
        Assert.Equal(0, CliRunner.Run("ingest", "--db", db, "--release", "6.1.0-1-amd64", "--kernel", one).Exit);
        var (exit, stdout, stderr) = CliRunner.Run("ingest", "--db", db, "--release", "6.1.0-1-amd64", "--kernel", two);
        Assert.Equal(0, exit);
        Assert.Contains("WARNING: kernel 6.1.0-1-amd64: ", stderr, StringComparison.Ordinal);
        Assert.Contains("stored (conflict)", stdout, StringComparison.Ordinal);
        var listing = CliRunner.Run("kernels", "--db", db).Stdout;
        Assert.Contains("6.1.0-1-amd64 (!)", listing, StringComparison.Ordinal);
        var diff = CliRunner.Run("diff", "--db", db, "id:1", "id:2");
        Assert.Equal(1, diff.Exit);
        Assert.Contains("crc-changed        1", diff.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void AMalformedPolicy_IsFileLineMessage_AndExit2()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var old = Symvers(dir, "old.symvers", "0x11111111\tfput\tvmlinux\tEXPORT_SYMBOL\t");
        var policy = Path.Combine(dir, "policy.toml");
        File.WriteAllText(policy, "severities = \"\"\"\nfput PASS\nkmalloc SOMETIMES\n\"\"\"\n");
        var (exit, stdout, stderr) = CliRunner.Run("diff", "--policy", policy, old, old);
        Assert.Equal(2, exit);
        Assert.Equal($"kabigate: ERROR: {policy}:3: 'SOMETIMES' is not a severity (PASS or FAIL)\n", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void DiffUnderAPolicy_PassesToleratedChanges_WarnsOfUnusedRules_AndFailsTheRest()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var old = Symvers(dir, "symvers-6.1.0-1-amd64", "0x11111111\tfput\tvmlinux\tEXPORT_SYMBOL\t", "0x22222222\tkmalloc\tvmlinux\tEXPORT_SYMBOL\t");
        var current = Symvers(dir, "symvers-6.1.0-2-amd64", "0x11111112\tfput\tvmlinux\tEXPORT_SYMBOL\t", "0x22222222\tkmalloc\tvmlinux\tEXPORT_SYMBOL_GPL\t");
        var policy = Path.Combine(dir, "policy.toml");
        File.WriteAllText(policy, "severities = \"\"\"\nfput PASS\nvfs_* PASS\n\"\"\"\n[[waiver]]\nsymbol = \"kmalloc\"\nowner = \"mm\"\nreason = \"GPL-only on purpose\"\nexpires = 2020-01-01\n");
        var (exit, stdout, stderr) = CliRunner.Run("diff", "--policy", policy, old, current);
        Assert.Equal(1, exit);
        Assert.Contains($"{policy}:3: WARNING: Severity rule 'SYMBOL vfs_* PASS' is unused", stderr, StringComparison.Ordinal);
        Assert.Contains("expired and no longer applies", stdout, StringComparison.Ordinal);

        File.WriteAllText(policy, "severities = \"\"\"\nfput PASS\n\"\"\"\n[[waiver]]\nsymbol = \"kmalloc\"\nowner = \"mm\"\nreason = \"GPL-only on purpose\"\nexpires = 2099-01-01\n");
        var tolerated = CliRunner.Run("diff", "--policy", policy, old, current, "--format", "markdown");
        Assert.Equal(0, tolerated.Exit);
        Assert.Contains("✅ no relevant change", tolerated.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void StoreErrors_AreOneLine_AndExit2()
    {
        using var temp = new TempDirectory();
        var missing = CliRunner.Run("kernels", "--db", temp.Combine("none.db"));
        Assert.Equal(2, missing.Exit);
        Assert.Contains("no store at", missing.Stderr, StringComparison.Ordinal);
        var down = CliRunner.Run("matrix", "--db", "postgres://kabigate@127.0.0.1:1/history");
        Assert.Equal(2, down.Exit);
        Assert.Equal("kabigate: ERROR: postgres://kabigate@127.0.0.1:1/history: cannot connect: Failed to connect to 127.0.0.1:1 (Connection refused)\n", down.Stderr);
    }
}

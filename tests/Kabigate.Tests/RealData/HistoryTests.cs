using System.Text.Json;
using System.Text.RegularExpressions;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>The real Debian ABI history and the test kmods, ingested once into SQLite and once into PostgreSQL.</summary>
public sealed class DebianHistory : IDisposable
{
    public DebianHistory()
    {
        Data = Support.RealData.Instance;
        Amd64 = Data.Releases.Where(r => r.Split('-').Length == 3).ToList();
        Sources = [.. Data.Releases.Select(Data.HeadersDeb), "--kmods", Data.KmodDir(Data.OldRelease), "--kmods", Data.KmodDir(Data.NewRelease)];
        Sqlite = TestStore.Create(TestStore.Sqlite);
        Postgres = TestStore.Create(TestStore.Postgres);
        foreach (var store in new[] { Sqlite, Postgres })
        {
            var (exit, stdout, stderr) = CliRunner.Run(["ingest", "--db", store.Db, .. Sources]);
            if (exit != 0)
                throw new InvalidOperationException($"ingest into {store.Provider} exited {exit}: {stderr}");
            IngestOutput = stdout;
        }
    }

    internal Support.RealData Data { get; }

    /// <summary>The amd64 releases, oldest first (the cloud and rt flavours are the other lines).</summary>
    public IReadOnlyList<string> Amd64 { get; }

    public string[] Sources { get; }

    internal TestStore Sqlite { get; }

    internal TestStore Postgres { get; }

    public string IngestOutput { get; } = "";

    /// <summary>A release's Module.symvers, extracted with dpkg-deb and tar (not kabigate).</summary>
    public string Symvers(string release)
    {
        var dir = Data.Scratch($"history-symvers-{release}");
        var found = Directory.EnumerateFiles(dir, "Module.symvers", SearchOption.AllDirectories).FirstOrDefault();
        return found ?? Directory.EnumerateFiles(Tools.ExtractFromDeb(Data.HeadersDeb(release), "*/Module.symvers", dir), "Module.symvers", SearchOption.AllDirectories).Single();
    }

    public void Dispose()
    {
        Sqlite.Dispose();
        Postgres.Dispose();
    }
}

[Trait("Category", "RealData")]
public class HistoryTests(DebianHistory history) : IClassFixture<DebianHistory>
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static string Run(params string[] args)
    {
        var (exit, stdout, stderr) = CliRunner.Run(args);
        Assert.True(exit is 0 or 1, $"kabigate {string.Join(' ', args)} exited {exit}: {stderr}");
        return stdout;
    }

    private static string WithoutTimes(string json) => Regex.Replace(json, "\"ingested\": ?\"[^\"]*\"", "\"ingested\": \"-\"");

    [RealDataPostgresFact]
    public void SqliteAndPostgres_GiveIdenticalAnswers_ThroughTheSameCommands()
    {
        var (oldest, newest) = (history.Amd64[0], history.Amd64[^1]);
        string[][] queries =
        [
            ["kernels", "--format", "json"],
            ["kmods", "--format", "json"],
            ["diff", oldest, history.Amd64[1], "--format", "json"],
            ["diff", history.Amd64[^2], newest, "--format", "json", "--kmods", "kg_*"],
            ["history", "fput", "--format", "json"],
            ["matrix", "--format", "json"],
            ["matrix", "--format", "csv"],
            ["compatible", "kg_stable", "--format", "json"],
            ["kmods-for", newest, "--format", "json"],
            ["greylist", "--format", "json"],
        ];
        foreach (var query in queries)
        {
            var fromSqlite = WithoutTimes(Run([.. query, "--db", history.Sqlite.Db]));
            var fromPostgres = WithoutTimes(Run([.. query, "--db", history.Postgres.Db]));
            Assert.True(fromSqlite.Length > 50, $"{string.Join(' ', query)} answered almost nothing: {fromSqlite}");
            Assert.True(fromSqlite == fromPostgres, $"{string.Join(' ', query)} differs between SQLite and PostgreSQL");
        }
        var kernels = Json(Run("kernels", "--format", "json", "--db", history.Sqlite.Db)).GetProperty("kernels");
        Assert.Equal(history.Data.Releases.Order(), kernels.EnumerateArray().Select(k => k.GetProperty("release").GetString()!).Order());
    }

    /// <summary>added, removed and CRC-changed counted with sort and join on the two Module.symvers files.</summary>
    private (int Added, int Removed, int CrcChanged, int KindChanged, int NamespaceChanged, int Moved) Independent(string oldRelease, string newRelease)
    {
        var script = $$"""
            set -euo pipefail
            sort -t $'\t' -k2,2 '{{history.Symvers(oldRelease)}}' > "$TMPDIR/old"
            sort -t $'\t' -k2,2 '{{history.Symvers(newRelease)}}' > "$TMPDIR/new"
            added=$(join -t $'\t' -1 2 -2 2 -v 2 "$TMPDIR/old" "$TMPDIR/new" | wc -l)
            removed=$(join -t $'\t' -1 2 -2 2 -v 1 "$TMPDIR/old" "$TMPDIR/new" | wc -l)
            join -t $'\t' -1 2 -2 2 -o 1.1,2.1,1.3,2.3,1.4,2.4,1.5,2.5 "$TMPDIR/old" "$TMPDIR/new" > "$TMPDIR/both"
            crc=$(awk -F'\t' '$1 != $2' "$TMPDIR/both" | wc -l)
            moved=$(awk -F'\t' '$3 != $4' "$TMPDIR/both" | wc -l)
            kind=$(awk -F'\t' '$5 != $6' "$TMPDIR/both" | wc -l)
            ns=$(awk -F'\t' '$7 != $8' "$TMPDIR/both" | wc -l)
            echo "$added $removed $crc $kind $ns $moved"
            """;
        using var temp = new TempDirectory();
        var tmp = temp.Path;
        var (code, stdout, stderr) = Tools.Run("env", $"TMPDIR={tmp}", "bash", "-c", script);
        Assert.True(code == 0, stderr);
        var n = stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        return (n[0], n[1], n[2], n[3], n[4], n[5]);
    }

    [RealDataPostgresFact]
    public void DiffCounts_EqualSortAndJoinOnTheSymversFiles_ForEveryConsecutivePair()
    {
        for (int i = 1; i < history.Amd64.Count; i++)
        {
            var (oldRelease, newRelease) = (history.Amd64[i - 1], history.Amd64[i]);
            var expected = Independent(oldRelease, newRelease);
            foreach (var store in new[] { history.Sqlite, history.Postgres })
            {
                var counts = Json(Run("diff", oldRelease, newRelease, "--format", "json", "--db", store.Db)).GetProperty("counts");
                int Count(string kind) => counts.GetProperty(kind).GetInt32();
                Assert.Equal(expected, (Count("added"), Count("removed"), Count("crc-changed"), Count("export-restricted") + Count("export-relaxed"), Count("namespace-changed"), Count("moved")));
            }
            if (oldRelease == "6.1.0-47-amd64" && newRelease == "6.1.0-50-amd64")
                Assert.InRange(expected.CrcChanged, 17000, 19000); // Debian's ABI bump: about 18,000 CRCs change
            if (oldRelease == "6.1.0-55-amd64" && newRelease == "6.1.0-56-amd64")
                Assert.Equal((0, 0, 0, 0, 0, 0), expected);
        }
    }

    [RealDataPostgresFact]
    public void Diff_FromSources_EqualsDiff_FromTheStore()
    {
        var (oldRelease, newRelease) = (history.Amd64[0], history.Amd64[1]);
        var fromStore = Json(Run("diff", oldRelease, newRelease, "--format", "json", "--db", history.Sqlite.Db));
        var fromSources = Json(Run("diff", history.Data.HeadersDeb(oldRelease), history.Data.HeadersDeb(newRelease), "--format", "json"));
        Assert.Equal(fromSources.GetProperty("changes").GetRawText(), fromStore.GetProperty("changes").GetRawText());
    }

    [RealDataPostgresFact]
    public void History_ShowsTheCrcOfEachRelease_AsItsSymversFileHasIt()
    {
        var releases = Json(Run("history", "fput", "--format", "json", "--db", history.Postgres.Db)).GetProperty("releases").EnumerateArray().ToList();
        Assert.Equal(history.Data.Releases.Count, releases.Count);
        foreach (var release in releases)
        {
            var name = release.GetProperty("kernel").GetProperty("release").GetString()!;
            var row = File.ReadLines(history.Symvers(name)).Single(l => l.Split('\t')[1] == "fput").Split('\t');
            Assert.Equal(row[0], release.GetProperty("crc").GetString());
            Assert.Equal(row[3], release.GetProperty("kind").GetString());
        }
        var amd64 = releases.Where(r => history.Amd64.Contains(r.GetProperty("kernel").GetProperty("release").GetString()!)).ToList();
        var changes = amd64.Zip(amd64.Skip(1)).Count(p => p.First.GetProperty("crc").GetString() != p.Second.GetProperty("crc").GetString());
        Assert.Equal(changes, amd64.Count(r => r.GetProperty("changed").GetBoolean()));
    }

    [RealDataPostgresFact]
    public void Matrix_FromTheStore_AgreesWithCheck_OnTheSources()
    {
        var matrix = Json(Run("matrix", "--format", "json", "--db", history.Sqlite.Db));
        var kernels = matrix.GetProperty("kernels").EnumerateArray().Select(k => k.GetProperty("release").GetString()!).ToList();
        foreach (var build in new[] { history.Data.OldRelease, history.Data.NewRelease })
        {
            var check = Json(Run(["check", "--format", "json", .. kernels.SelectMany(k => new[] { "--kernel", history.Data.HeadersDeb(k) }), history.Data.KmodDir(build)]));
            foreach (var result in check.GetProperty("results").EnumerateArray())
            {
                var module = Path.GetFileNameWithoutExtension(result.GetProperty("kmod").GetProperty("path").GetString()!);
                var kernel = kernels.IndexOf(result.GetProperty("kernel").GetString()!);
                var row = matrix.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("kmod").GetProperty("name").GetString() == module && r.GetProperty("kmod").GetProperty("built_for").GetString() == build);
                var cell = row.GetProperty("verdicts")[kernel];
                Assert.True(result.GetProperty("loads").GetBoolean() == cell.GetProperty("loads").GetBoolean(), $"{module} built for {build} on {kernels[kernel]}");
                Assert.Equal(
                    result.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("kind").GetString()).Order(),
                    cell.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("kind").GetString()).Order());
            }
        }
    }

    [RealDataPostgresFact]
    public void Compatible_And_KmodsFor_AnswerFromTheStore()
    {
        var (exit, stdout, _) = CliRunner.Run("compatible", "kg_stable", "--db", history.Sqlite.Db);
        Assert.Equal(0, exit);
        Assert.Contains($"kg_stable (built for {history.Data.NewRelease}", stdout, StringComparison.Ordinal);
        var compatible = Json(Run("compatible", "kg_stable", "--format", "json", "--db", history.Sqlite.Db));
        var onNew = compatible.GetProperty("kernels").EnumerateArray().Select(k => k.GetProperty("release").GetString()).ToList().IndexOf(history.Data.NewRelease);
        var newBuild = compatible.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("kmod").GetProperty("built_for").GetString() == history.Data.NewRelease);
        Assert.True(newBuild.GetProperty("verdicts")[onNew].GetProperty("loads").GetBoolean());

        var forNew = Json(Run("kmods-for", history.Data.NewRelease, "--format", "json", "--db", history.Sqlite.Db)).GetProperty("rows").EnumerateArray().ToList();
        Assert.Contains(forNew, r => r.GetProperty("kmod").GetProperty("name").GetString() == "kg_stable" && r.GetProperty("kmod").GetProperty("built_for").GetString() == history.Data.NewRelease && r.GetProperty("verdicts")[0].GetProperty("loads").GetBoolean());
        Assert.Contains(forNew, r => r.GetProperty("kmod").GetProperty("name").GetString() == "kg_proprietary" && !r.GetProperty("verdicts")[0].GetProperty("loads").GetBoolean());
    }

    [RealDataPostgresFact]
    public void Greylist_RanksTheUnlistedSymbolsKmodsUse_WithTheirCrcChangesCountedFromTheSymversFiles()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var stablelist = Path.Combine(dir, "kabi_stablelist_x86_64");
        File.WriteAllText(stablelist, "[rhel9_x86_64_stablelist]\n\t_printk\n\t__fentry__\n");
        var symbols = Json(Run("greylist", "--format", "json", "--stablelist", stablelist, "--kernels", "*-*-amd64", "--db", history.Postgres.Db)).GetProperty("symbols").EnumerateArray().ToList();
        Assert.DoesNotContain(symbols, s => s.GetProperty("symbol").GetString() is "_printk" or "__fentry__");
        var misc = symbols.Single(s => s.GetProperty("symbol").GetString() == "misc_register");
        Assert.Contains("kg_crcchange", misc.GetProperty("kmods").EnumerateArray().Select(k => k.GetString()));
        var crcs = history.Amd64.Select(r => File.ReadLines(history.Symvers(r)).Single(l => l.Split('\t')[1] == "misc_register").Split('\t')[0]).ToList();
        Assert.Equal(crcs.Zip(crcs.Skip(1)).Count(p => p.First != p.Second), misc.GetProperty("crc_changes").GetInt32());
        var counts = symbols.Select(s => s.GetProperty("kmod_count").GetInt32()).ToList();
        Assert.Equal(counts.OrderDescending(), counts);
    }

    [RealDataPostgresFact]
    public void IngestingTheSameHistoryAgain_ChangesNothing()
    {
        var before = history.Sqlite.Digest();
        var (exit, stdout, stderr) = CliRunner.Run(["ingest", "--db", history.Sqlite.Db, .. history.Sources]);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"ingested {history.Data.Releases.Count} kernels (0 new, {history.Data.Releases.Count} already stored, 0 with conflicting content)", stdout, StringComparison.Ordinal);
        Assert.Equal(before, history.Sqlite.Digest());
    }

    [RealDataPostgresFact]
    public void AReleaseHistory_CostsLittleMoreThanItsChanges()
    {
        var stored = history.IngestOutput.Split('\n').Where(l => l.StartsWith("kernel ", StringComparison.Ordinal)).ToList();
        Assert.Equal(history.Data.Releases.Count, stored.Count);
        Assert.Contains(stored, l => l.Contains("delta", StringComparison.Ordinal));
        var size = new FileInfo(history.Sqlite.Db).Length;
        Assert.True(size < history.Data.Releases.Count * 400 * 1024, $"{size} bytes for {history.Data.Releases.Count} releases");
    }
}

using System.Diagnostics;
using Kabigate.Cli;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>An ingest killed with SIGKILL in the middle of writing leaves the store exactly as it was.</summary>
[Trait("Category", "RealData")]
public class KilledIngestTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [RealDataTheory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public async Task AnIngestKilledWhileWriting_LeavesTheStoreExactlyAsBefore(string engine)
    {
        using var store = TestStore.Create(engine);
        var (first, _, firstErr) = CliRunner.Run("ingest", "--db", store.Db, Data.HeadersDeb(Data.OldRelease), "--kmods", Data.KmodDir(Data.OldRelease));
        Assert.True(first == 0, firstErr);
        var before = store.Digest();

        // Many kernels and the ~4000 modules of a linux-image package as kmods: seconds of writing to interrupt.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { typeof(KabigateApp).Assembly.Location, "ingest", "--db", store.Db }
            .Concat(Data.Releases.Skip(1).Select(Data.HeadersDeb)).Concat(["--kmods", Data.ImageDeb]))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        string? line;
        var seen = new List<string>();
        while ((line = await process.StandardError.ReadLineAsync()) is not null)
        {
            seen.Add(line);
            if (line.StartsWith("kabigate: storing ", StringComparison.Ordinal))
                break;
        }
        Assert.True(line is not null, "the ingest ended before it began writing: " + string.Join(" | ", seen));
        await Task.Delay(100);
        Assert.False(process.HasExited, "the ingest finished before it could be killed; the test needs a longer write");
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        Assert.NotEqual(0, process.ExitCode);

        // All or nothing: the store is exactly as before, or (on a machine fast enough to commit within the delay,
        // the summary then still running) it holds everything the ingest named; never a part.
        var (exit, stdout, _) = CliRunner.Run("kernels", "--db", store.Db);
        Assert.Equal(0, exit);
        if (store.Digest() == before)
        {
            Assert.Contains("1 kernels", stdout, StringComparison.Ordinal);
            return;
        }
        using var reference = TestStore.Create(engine);
        Assert.Equal(0, CliRunner.Run("ingest", "--db", reference.Db, Data.HeadersDeb(Data.OldRelease), "--kmods", Data.KmodDir(Data.OldRelease)).Exit);
        Assert.Equal(0, CliRunner.Run(["ingest", "--db", reference.Db, .. start.ArgumentList.Skip(4)]).Exit);
        foreach (var verb in new[] { "kernels", "kmods" })
            Assert.Equal(Listing(verb, reference.Db), Listing(verb, store.Db));
    }

    private static string Listing(string verb, string db)
    {
        var (exit, stdout, stderr) = CliRunner.Run(verb, "--format", "json", "--db", db);
        Assert.True(exit == 0, stderr);
        return System.Text.RegularExpressions.Regex.Replace(stdout, "\"ingested\": \"[^\"]*\"", "\"ingested\": \"-\"");
    }
}

using System.Diagnostics;
using System.Text.Json;
using Kabigate.Cli;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Store;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Server;

/// <summary>
/// A build farm's job: the exported plan, then <c>kabigate rebuild run --item ID --submit URL</c> as a child process,
/// the token in <c>$KABIGATE_TOKEN</c>, against a real <c>kabigate-server</c> on 127.0.0.1: the kmod RPM the SRPM
/// build made is accepted, ingested and stored as a kmod; a wrong token is a one-line error and exit 2; the token
/// is never printed or logged.
/// </summary>
[Collection("service")]
[Trait("Category", "RealData")]
public class RebuildSubmitTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [RealDataFact("rpmbuild", "make", "gcc")]
    public async Task FarmJob_RunsOneItem_SubmitsItsKmodRpm_TheServiceStoresIt_AndAWrongTokenIsExit2()
    {
        using var temp = new TempDirectory();
        var srpm = ElrepoSrpm.Build(temp.Path, "kg_stable");
        int port = LoopbackPorts.Free();
        var config = ServeProcessTests.Config(temp, port, "");
        var serverDb = temp.Combine("kabigate.db");
        using var serve = ServeProcessTests.Start("--config", config);
        try
        {
            await ServeProcessTests.WaitHealthy(port, serve);
            var (tokenExit, token, _) = CliRunner.Run("token", "create", "farm", "--scope", "submit", "--db", serverDb);
            Assert.Equal(0, tokenExit);
            token = token.Trim().Split('\n')[^1].Trim();
            Assert.StartsWith("kg_", token, StringComparison.Ordinal);

            // The exported plan names the item.
            string[] plan = ["--recipe", srpm, "--kernels", Data.HeadersDeb(Data.NewRelease)];
            var (planExit, planJson, planErr) = CliRunner.Run(["rebuild", "plan", .. plan, "--format", "json"]);
            Assert.Equal((0, ""), (planExit, planErr));
            using var planDoc = JsonDocument.Parse(planJson);
            var item = planDoc.RootElement.GetProperty("recipes")[0].GetProperty("items")[0].GetProperty("id").GetString()!;

            var url = $"http://127.0.0.1:{port}";
            var run = Farm(token, ["rebuild", "run", .. plan, "--item", item, "--submit", url, "--db", temp.Combine("farm.db"), "--out", temp.Combine("out"), "--format", "json"]);
            Assert.True(run.Exit == 0, run.Stderr + run.Stdout);
            using var result = JsonDocument.Parse(run.Stdout);
            var submission = Assert.Single(result.RootElement.GetProperty("submissions").EnumerateArray());
            Assert.Equal("kmod-kg_stable-1.0-1.x86_64.rpm", Path.GetFileName(submission.GetProperty("file").GetString()));
            Assert.Equal("queued", submission.GetProperty("status").GetString());
            var id = submission.GetProperty("id").GetInt64();
            var ingested = await TestService.Eventually(async () =>
            {
                var text = await Http.GetStringAsync($"{url}/api/v1/submissions/{id}");
                return text.Contains("\"status\": \"queued\"", StringComparison.Ordinal) || text.Contains("\"status\":\"queued\"", StringComparison.Ordinal) ? null : text;
            }, 120, "the submission's ingest");
            using (var doc = JsonDocument.Parse(ingested))
                Assert.True(doc.RootElement.GetProperty("status").GetString() == "ingested", ingested);
            using (var store = AbiStore.Open(StoreLocation.Resolve(serverDb), create: false))
            {
                var kmod = Assert.Single(store.Kmods(), k => k.Name == "kg_stable");
                Assert.Equal(Data.NewRelease, kmod.Vermagic?.Split(' ')[0]);
                Assert.Contains("kmod-kg_stable-1.0-1.x86_64.rpm", kmod.Source, StringComparison.Ordinal);
            }
            // The text form prints the id too; the token is in neither output nor in any log the run wrote.
            var text = Farm(token, ["rebuild", "run", .. plan, "--item", item, "--submit", url, "--db", temp.Combine("farm2.db"), "--out", temp.Combine("out2")]);
            Assert.True(text.Exit == 0, text.Stderr + text.Stdout);
            Assert.Matches(@"submitted kmod-kg_stable-1\.0-1\.x86_64\.rpm: submission \d+ \(queued\) http://127\.0\.0\.1:\d+/api/v1/submissions/\d+\n", text.Stdout);
            foreach (var output in new[] { run.Stdout, run.Stderr, text.Stdout, text.Stderr })
                Assert.DoesNotContain(token, output, StringComparison.Ordinal);
            foreach (var file in Directory.EnumerateFiles(temp.Path, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(temp.Combine("kabigate.db"), StringComparison.Ordinal)))
                Assert.False(File.ReadAllText(file, System.Text.Encoding.Latin1).Contains(token, StringComparison.Ordinal), file);

            // A wrong token: the service's 401, said in one line, exit 2 (the same via --token as via the environment).
            var wrong = Farm(null, ["rebuild", "run", .. plan, "--item", item, "--submit", url, "--token", "kg_wrong-token", "--db", temp.Combine("farm3.db"), "--out", temp.Combine("out3")]);
            Assert.True((2, "") == (wrong.Exit, wrong.Stdout), wrong.Stderr);
            // The run's progress notes, then the one error line (no stack trace).
            var lines = wrong.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal($"kabigate: ERROR: {url}: submitting kmod-kg_stable-1.0-1.x86_64.rpm: HTTP 401: unknown or revoked token", lines[^1]);
            Assert.Single(lines, l => l.Contains("ERROR", StringComparison.Ordinal));
            Assert.DoesNotContain("   at ", wrong.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("kg_wrong-token", wrong.Stderr, StringComparison.Ordinal);
            var noToken = Farm(null, ["rebuild", "run", .. plan, "--item", item, "--submit", url, "--db", temp.Combine("farm4.db")]);
            Assert.Equal((2, "kabigate: ERROR: --submit needs a token of scope 'submit': --token T, or $KABIGATE_TOKEN\n"), (noToken.Exit, noToken.Stderr));
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill();
                serve.WaitForExit();
            }
        }
    }

    /// <summary>The CLI as a child process, the token (when given) only in its environment.</summary>
    private static (int Exit, string Stdout, string Stderr) Farm(string? token, string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(KabigateApp).Assembly.Location);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment.Remove("KABIGATE_TOKEN");
        if (token is not null)
            info.Environment["KABIGATE_TOKEN"] = token;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("kabigate rebuild run did not finish in 10 minutes");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

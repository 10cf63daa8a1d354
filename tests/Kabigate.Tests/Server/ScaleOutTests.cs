using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Kabigate.App.Service;
using Kabigate.Store;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Server;

/// <summary>
/// Scale-out on real parts: two real <c>kabigate-server</c> processes on 127.0.0.1 with one configuration and one fresh
/// PostgreSQL database as their store and job store, watching a real RPM repository (createrepo_c over a real kernel
/// package) that the test serves over HTTP and counts the requests of.
/// </summary>
[Collection("service")]
[Trait("Category", "RealData")]
public class ScaleOutTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [RealDataPostgresFact("createrepo_c")]
    public async Task TwoInstances_RunEachScheduledPollOnce_AndAnswerAlike()
    {
        using var temp = new TempDirectory();
        using var store = TestStore.Create(TestStore.Postgres);
        using var http = new RepositoryServer(Repository(temp));
        var config = Config(temp, store, http, "5s");
        int[] ports = [LoopbackPorts.Free(), LoopbackPorts.Free()];
        using var a = ServerProcess.Start("--config", config, "--listen", $"127.0.0.1:{ports[0]}");
        using var b = ServerProcess.Start("--config", config, "--listen", $"127.0.0.1:{ports[1]}");
        await WaitHealthy(ports[0], a);
        await WaitHealthy(ports[1], b);

        // The first tick stores and gates the kernel; then every tick is an unchanged poll: one conditional repomd.xml.
        await TestService.Eventually(() => Task.FromResult(Runs(store).Count > 0 ? "" : null), 180, "the first poll's gate run");
        await Task.Delay(TimeSpan.FromSeconds(30));
        // Stop between ticks (polls of an unchanged repository take milliseconds), so no poll is cut in half.
        while (DateTime.UtcNow.Second % 5 is not 2)
            await Task.Delay(100);
        var kernels = await Task.WhenAll(ports.Select(p => Http.GetStringAsync($"http://127.0.0.1:{p}/api/v1/kernels")));
        foreach (var instance in new[] { a, b })
        {
            Assert.Equal(0, Tools.Run("kill", "-TERM", instance.Id.ToString(CultureInfo.InvariantCulture)).ExitCode);
            Assert.True(instance.WaitForExit(60_000), "an instance did not stop on SIGTERM");
        }

        var jobs = new JobTables(store);
        var polls = jobs.Jobs("Poll");
        var what = $"{jobs.Describe("Poll")} requests: {string.Join(", ", http.Requests)}";
        Assert.True(polls.Count >= 5, what);
        // Each tick was scheduled once, one per 5 s slot without a gap, and ran once. The job's Time parameter is when
        // the scheduler fired (whole seconds), at or a little after the cron instant: a late tick at :11 and the next on
        // time at :15 are 4 s apart, so each time is counted in the 5 s slot of the instant it fired for.
        var slots = polls.Select(p => long.Parse(p.Parameters["Time"].Trim('"'), CultureInfo.InvariantCulture) / 5).ToList();
        Assert.Equal(slots.Count, slots.Distinct().Count());
        Assert.Equal(slots.Order().Zip(slots.Order().Skip(1), (x, y) => y - x).Distinct(), [1L]);
        Assert.All(polls, p => Assert.Equal(("Succeeded", 1), (p.State, p.History.Count(h => h.Name == "Processing"))));
        // One repomd.xml per poll, and one more for the first (changed) poll, whose ingest reads the repository after its probe.
        Assert.True(polls.Count + 1 == http.Count("repomd.xml"), what);
        Assert.Equal(1, http.Requests.Count(r => r.Contains("primary.xml", StringComparison.Ordinal)));
        Assert.Equal(2, http.Requests.TakeWhile(r => !r.Contains("primary.xml", StringComparison.Ordinal)).Count());
        // Each poll ran on one of the two instances. Which one fetches a tick is Hangfire's race (one instance may win
        // every tick), so sharing is shown by the take-over test, not asserted here.
        var servers = polls.Select(p => JobTables.ServerOf(p.History.Last(h => h.Name == "Processing").Data)).ToList();
        Assert.All(servers, s => Assert.True(s.Contains($":{a.Id}:", StringComparison.Ordinal) || s.Contains($":{b.Id}:", StringComparison.Ordinal), s));
        // Both answered the API with the same body, naming the one stored kernel.
        Assert.Equal(kernels[0], kernels[1]);
        using var stored = AbiStore.Open(StoreLocation.Resolve(store.Db), create: false);
        var release = Assert.Single(stored.Kernels()).Release;
        Assert.Contains($"\"{release}\"", kernels[0], StringComparison.Ordinal);
        Assert.Equal(release, Assert.Single(Runs(store)).Release);
    }

    [RealDataPostgresFact("createrepo_c")]
    public async Task AnInstanceKilledDuringAPoll_ItsPollIsRetakenAndFinishedByTheOther_StoredAndGatedOnce()
    {
        using var temp = new TempDirectory();
        using var store = TestStore.Create(TestStore.Postgres);
        // The first primary.xml request is held: the poll that asked for it is in progress until the test lets it go.
        using var http = new RepositoryServer(Repository(temp), holdFirst: "primary.xml");
        var config = Config(temp, store, http, "1d");
        int[] ports = [LoopbackPorts.Free(), LoopbackPorts.Free()];
        using var a = ServerProcess.Start("--config", config, "--listen", $"127.0.0.1:{ports[0]}");
        using var b = ServerProcess.Start("--config", config, "--listen", $"127.0.0.1:{ports[1]}");
        await WaitHealthy(ports[0], a);
        await WaitHealthy(ports[1], b);

        using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiTokens.Create(store.Db, "admin", "admin").Secret);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"http://127.0.0.1:{ports[0]}/api/v1/sources/el/poll", null)).StatusCode);
        await http.Held.WaitAsync(TimeSpan.FromSeconds(120));
        var jobs = new JobTables(store);
        var (holder, held) = await TestService.EventuallyValue(() => Task.FromResult(jobs.Holder("Poll", [a, b])), 30, "the poll's holder");
        var survivor = holder == a ? b : a;
        holder.KillHard();
        http.Release();

        // The survivor retakes the poll after retake_after (15 s) and finishes it: the kernel stored once, gated once.
        IReadOnlyList<StoredGateRun> runs;
        try
        {
            runs = await TestService.Eventually(() => Task.FromResult(Runs(store) is { Count: > 0 } r ? r : null), 15 + 120, "the retaken poll");
        }
        catch (TimeoutException e)
        {
            // Hangfire's lock rows (DisableConcurrentExecution's) say whether the retaken poll waits for a dead holder.
            using var connection = store.OpenRaw();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT resource || ' since ' || acquired::text FROM kabigate_jobs.lock";
            using var reader = command.ExecuteReader();
            var locks = new List<string>();
            while (reader.Read())
                locks.Add(reader.GetString(0));
            throw new TimeoutException($"{e.Message}: {jobs.Describe("Poll")} locks: {string.Join("; ", locks)}; now {DateTime.UtcNow:O}; {survivor.Stderr}", e);
        }
        await Task.Delay(TimeSpan.FromSeconds(5));
        string release;
        using (var stored = AbiStore.Open(StoreLocation.Resolve(store.Db), create: false))
            release = Assert.Single(stored.Kernels()).Release;
        Assert.Equal(release, Assert.Single(Runs(store)).Release);
        Assert.Equal(release, Assert.Single(runs).Release);
        // (Another poll can only be the daily tick, if the test crosses midnight: it found the repository unchanged.)
        var poll = jobs.Jobs("Poll").Single(j => j.Id == held);
        var processed = poll.History.Where(h => h.Name == "Processing").Select(h => JobTables.ServerOf(h.Data)).ToList();
        Assert.Equal(2, processed.Count);
        Assert.Contains($":{holder.Id}:", processed[0], StringComparison.Ordinal);
        Assert.Contains($":{survivor.Id}:", processed[1], StringComparison.Ordinal);
        Assert.Equal("Succeeded", poll.State);
        Assert.Equal(2, http.Requests.Count(r => r.Contains("primary.xml", StringComparison.Ordinal)));
        Assert.Contains($"\"{release}\"", await Http.GetStringAsync($"http://127.0.0.1:{(survivor == a ? ports[0] : ports[1])}/api/v1/kernels"), StringComparison.Ordinal);
    }

    /// <summary>A repository of the old kernel's package.</summary>
    private static string Repository(TempDirectory temp)
    {
        var repo = temp.Combine("repo");
        Directory.CreateDirectory(repo);
        var kernel = Data.RepositoryPackage($"kernel-core-{Support.RealData.RpmRelease(Data.OldRelease)}.x86_64.rpm");
        File.Copy(kernel, Path.Combine(repo, Path.GetFileName(kernel)));
        Tools.RunOk("createrepo_c", "-q", repo);
        return Path.GetFullPath(repo) + "/";
    }

    private static string Config(TempDirectory temp, TestStore store, RepositoryServer http, string every)
    {
        var path = temp.Combine("serve.toml");
        File.WriteAllText(path, $"db = \"{store.Db}\"\nspool = \"{temp.Combine("spool")}\"\nretake_after = \"15s\"\n\n[[watch]]\nname = \"el\"\nsource = \"{http.BaseUrl}\"\nevery = \"{every}\"\nrole = \"kernels\"\n");
        return path;
    }

    private static IReadOnlyList<StoredGateRun> Runs(TestStore store)
    {
        using var stored = AbiStore.Open(StoreLocation.Resolve(store.Db), create: false);
        return stored.GateRuns(100);
    }

    internal static async Task WaitHealthy(int port, ServerProcess server) =>
        await TestService.Eventually(async () =>
        {
            if (server.HasExited)
                throw new InvalidOperationException($"kabigate-server exited: {server.Stderr}");
            try
            {
                return await Http.GetStringAsync($"http://127.0.0.1:{port}/healthz");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return null;
            }
        }, 120, "the instance's /healthz");
}

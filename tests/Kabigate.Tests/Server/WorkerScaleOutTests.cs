using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Kabigate.Abi.Rebuild;
using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.Server;
using Kabigate.Store;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Server;

/// <summary>
/// Two real <c>kabigate-server --worker</c> processes on one PostgreSQL store share the rebuild queue: real kbuild
/// builds against the real headers, each slow enough (a Kbuild that sleeps) to outlast the 15 s retake delay, one
/// worker killed with its build mid-way.
/// </summary>
[Collection("service")]
[Trait("Category", "RealData")]
public class WorkerScaleOutTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [RealDataPostgresFact("make", "gcc")]
    public async Task TwoWorkers_RunEachRebuildOnce_AndAKilledWorkersBuildIsRetakenAndFinished()
    {
        using var temp = new TempDirectory();
        using var store = TestStore.Create(TestStore.Postgres);
        IngestOperation.Run(new IngestRequest(store.Db, [], [Data.HeadersDeb(Data.NewRelease)], []), SilentLog.Instance);
        string release;
        using (var stored = AbiStore.Open(StoreLocation.Resolve(store.Db), create: false))
            release = Assert.Single(stored.Kernels()).Release;

        // Three recipes whose builds take longer than the retake delay: a worker that did not keep its jobs would lose them.
        string[] names = ["kg_slow1", "kg_slow2", "kg_slow3"];
        var recipes = temp.Combine("recipes.toml");
        File.WriteAllText(recipes, string.Concat(names.Select(n => $"[[recipe]]\nname = \"{n}\"\nkind = \"kbuild\"\npath = \"{n}\"\n\n")));
        foreach (var name in names)
        {
            var dir = Directory.CreateDirectory(temp.Combine(name)).FullName;
            File.WriteAllText(Path.Combine(dir, "Kbuild"), $"$(shell sleep 12)\nobj-m += {name}.o\n");
            File.WriteAllText(Path.Combine(dir, name + ".c"), $"#include <linux/module.h>\nstatic int __init {name}_init(void)\n{{\n\treturn 0;\n}}\nmodule_init({name}_init);\nMODULE_LICENSE(\"GPL\");\n");
        }
        var config = temp.Combine("worker.toml");
        File.WriteAllText(config, $"db = \"{store.Db}\"\nrecipes = \"{recipes}\"\nspool = \"{temp.Combine("spool")}\"\n");

        // The queue as the service fills it after a gate run: one Rebuild job per plan item.
        var plan = RebuildPlanOperation.Run(new RebuildPlanRequest([], recipes, [], [release], [], store.Db), SilentLog.Instance);
        var items = plan.Recipes.SelectMany(r => r.Plan.Items).Where(i => i.Action == PlanAction.Build).Select(i => RebuildItemIds.Of(i)!).ToList();
        Assert.Equal(3, items.Count);
        GlobalConfiguration.Configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
        var options = new PostgreSqlStorageOptions { SchemaName = "kabigate_jobs" };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(StoreLocation.Resolve(store.Db).Target, options), options);
        var client = new BackgroundJobClient(storage);
        foreach (var item in items)
            client.Enqueue<ServiceJobs>(j => j.Rebuild(item, release));

        // Two builds at a time each: a worker has a free slot while its own builds outlast the retake delay.
        using var a = ServerProcess.Start("--worker", "--config", config, "--db", store.Db, "--jobs", "2", "--retake-after", "15");
        using var b = ServerProcess.Start("--worker", "--config", config, "--db", store.Db, "--jobs", "2", "--retake-after", "15");
        var jobs = new JobTables(store);
        // Each worker has taken a build; a few seconds in, worker a dies with its builds.
        await TestService.Eventually(() => Task.FromResult(Holders(jobs, a, b) is (true, true) ? "" : null), 120, "both workers building");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var killed = jobs.Jobs("Rebuild").Where(j => j.State == "Processing" && JobTables.ServerOf(j.History[^1].Data).Contains($":{a.Id}:", StringComparison.Ordinal)).Select(j => j.Id).ToList();
        a.KillHard();
        Assert.NotEmpty(killed);

        try
        {
            await TestService.Eventually(() => Task.FromResult(jobs.Jobs("Rebuild").All(j => j.State is "Succeeded" or "Failed") ? "" : null), 15 + 3 * 180, "every rebuild");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}: {jobs.Describe("Rebuild")} {b.Stderr}", e);
        }
        var what = $"killed worker {a.Id} holding jobs {string.Join(", ", killed)}; {jobs.Describe("Rebuild")} {b.Stderr}";
        foreach (var job in jobs.Jobs("Rebuild"))
        {
            Assert.True(job.State == "Succeeded", what);
            var processed = job.History.Where(h => h.Name == "Processing").Select(h => JobTables.ServerOf(h.Data)).ToList();
            // Only the killed worker's jobs ran twice: their builds were cut off, then the other worker's retake built them.
            if (killed.Contains(job.Id))
                Assert.True(processed.Count == 2 && processed[0].Contains($":{a.Id}:", StringComparison.Ordinal) && processed[1].Contains($":{b.Id}:", StringComparison.Ordinal), what);
            else
                Assert.True(processed.Count == 1, what);
        }
        // The store records one build per recipe, each built once: none twice, none lost.
        var rows = RebuildStatusOperation.Run(new RebuildStatusRequest(store.Db, [], AllRuns: true), SilentLog.Instance).Rows;
        Assert.Equal(names, rows.Select(r => r.Record.Recipe).Order());
        Assert.All(rows, r => Assert.Equal((release, RebuildStatuses.Built), (r.Record.Kernel, r.Record.Status)));
    }

    private static (bool A, bool B) Holders(JobTables jobs, ServerProcess a, ServerProcess b)
    {
        if (a.HasExited || b.HasExited)
            throw new InvalidOperationException($"a worker exited: {a.Stderr} {b.Stderr}");
        var servers = jobs.Jobs("Rebuild").Where(j => j.State == "Processing").Select(j => JobTables.ServerOf(j.History[^1].Data)).ToList();
        return (servers.Any(s => s.Contains($":{a.Id}:", StringComparison.Ordinal)), servers.Any(s => s.Contains($":{b.Id}:", StringComparison.Ordinal)));
    }
}

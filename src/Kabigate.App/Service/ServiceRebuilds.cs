using Kabigate.Abi.Rebuild;
using Kabigate.App.Operations;
using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>One build the service queues for a worker: a plan item, and the kernel whose gate run broke the kmod (the plan's target).</summary>
/// <param name="Item">The item's id (<see cref="RebuildItemIds"/>).</param>
/// <param name="Release">The target kernel's stored release (the plan is made again on it, so the id names the same item).</param>
public sealed record QueuedRebuild(string Item, string Release);

/// <summary>
/// The service's rebuilds: after a gate run with new breaks, the plan's build items for every broken kmod that has a
/// registered recipe (the configuration's <c>recipes</c>); a worker runs each item through <see cref="RebuildRunOperation"/>.
/// </summary>
public static class ServiceRebuilds
{
    /// <summary>The build items to queue for gate runs: one per ABI class of each recipe whose modules a run newly broke.</summary>
    /// <exception cref="OperationException">The recipes cannot be read, or a kernel not planned.</exception>
    public static IReadOnlyList<QueuedRebuild> Plan(ServiceConfig config, string? db, IReadOnlyList<GateRunReport> runs, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(log);
        if (config.Recipes is null)
            return [];
        var queued = new List<QueuedRebuild>();
        foreach (var run in runs.Where(r => r.Run.NewBreaks > 0))
        {
            var broken = run.Cases.Where(c => c.Transition == "new-break").Select(c => ModuleNames.Normalize(c.Kmod)).ToHashSet(StringComparer.Ordinal);
            var plan = RebuildPlanOperation.Run(Request(config, db, run.Run.Release), log);
            foreach (var entry in plan.Recipes.Where(r => broken.Contains(ModuleNames.Normalize(r.Recipe.Name)) || r.Recipe.Modules.Any(m => broken.Contains(ModuleNames.Normalize(m)))))
            {
                foreach (var item in entry.Plan.Items.Where(i => i.Action == PlanAction.Build))
                    queued.Add(new QueuedRebuild(RebuildItemIds.Of(item)!, run.Run.Release));
            }
        }
        log.Note($"{queued.Count} rebuild{(queued.Count == 1 ? "" : "s")} to queue");
        return queued;
    }

    /// <summary>Runs one queued build (a worker's job): built, re-verified on every member of its class, recorded.</summary>
    /// <exception cref="OperationException">The recipes cannot be read, or the plan no longer has the item.</exception>
    public static RebuildRunResult Run(ServiceConfig config, string? db, QueuedRebuild rebuild, TimeSpan timeout, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(rebuild);
        return RebuildRunOperation.Run(new RebuildRunRequest(Request(config, db, rebuild.Release), 1, timeout, null, Item: rebuild.Item), log);
    }

    private static RebuildPlanRequest Request(ServiceConfig config, string? db, string release) =>
        new([], config.Recipes ?? throw new OperationException("the configuration registers no recipes"), [], [release], config.Headers ?? [], db ?? config.Db ?? StoreLocation.DefaultPath);
}

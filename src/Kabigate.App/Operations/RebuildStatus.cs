using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Store;

namespace Kabigate.App.Operations;

/// <summary>What <c>rebuild status</c> is asked.</summary>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Recipes">Recipe names or globs; empty: every recipe.</param>
/// <param name="AllRuns">Every recorded result, rather than the latest per recipe and kernel.</param>
public sealed record RebuildStatusRequest(string? Db, IReadOnlyList<string> Recipes, bool AllRuns);

/// <summary>How the recorded rebuilds stand.</summary>
public enum RebuildStatusOutcome
{
    /// <summary>Every recipe's latest result on every kernel is reused or built (or nothing is recorded).</summary>
    Covered,

    /// <summary>Some latest result is build-failed, built-but-refused or blocked.</summary>
    NotCovered,
}

/// <summary>The recorded results.</summary>
/// <param name="Rows">The results, by recipe, then kernel (release order), then time.</param>
/// <param name="Store">The store read.</param>
/// <param name="Outcome">How they stand.</param>
public sealed record RebuildStatusResult(IReadOnlyList<StoredRebuild> Rows, string Store, RebuildStatusOutcome Outcome);

/// <summary><c>rebuild status</c>: what the recorded runs did, per recipe and kernel.</summary>
public static class RebuildStatusOperation
{
    /// <summary>Reads the results.</summary>
    /// <exception cref="StoreException">The store cannot be read.</exception>
    public static RebuildStatusResult Run(RebuildStatusRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        using var store = StoreAccess.OpenForReading(request.Db);
        var all = store.Rebuilds().Where(r => request.Recipes.Count == 0 || request.Recipes.Any(p => Glob.Matches(p, r.Record.Recipe))).ToList();
        var latest = all.GroupBy(r => (r.Record.Recipe, r.Record.Kernel)).Select(g => g.MaxBy(r => r.Id)!).ToList();
        var rows = (request.AllRuns ? all : latest)
            .OrderBy(r => r.Record.Recipe, StringComparer.Ordinal)
            .ThenBy(r => r.Record.Kernel, KernelReleases.Comparer)
            .ThenBy(r => r.Id)
            .ToList();
        var covered = latest.All(r => r.Record.Status is RebuildStatuses.Reused or RebuildStatuses.Built);
        return new RebuildStatusResult(rows, store.Location.Display, covered ? RebuildStatusOutcome.Covered : RebuildStatusOutcome.NotCovered);
    }
}

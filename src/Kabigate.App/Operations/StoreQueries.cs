using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Store;

namespace Kabigate.App.Operations;

/// <summary>What <c>kernels</c> or <c>kmods</c> is asked: list what the store holds.</summary>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Patterns">Names, releases, lines or <c>id:N</c> (globs); all when none.</param>
public sealed record ListRequest(string? Db, IReadOnlyList<string> Patterns);

/// <summary>What <c>history</c> is asked.</summary>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Symbol">The exported symbol.</param>
/// <param name="Lines">Only these kernel lines or releases (globs); all when none.</param>
public sealed record HistoryRequest(string? Db, string Symbol, IReadOnlyList<string> Lines);

/// <summary>A symbol's export in one stored release.</summary>
/// <param name="Kernel">The release.</param>
/// <param name="Export">Its export there, or null when not exported.</param>
/// <param name="Changed">Whether it differs from the previous release of the same line.</param>
public sealed record HistoryRow(StoredKernel Kernel, KernelExport? Export, bool Changed);

/// <summary>How a history came out.</summary>
public enum HistoryOutcome
{
    /// <summary>Some stored release exports the symbol.</summary>
    Exported,

    /// <summary>No stored release exports it.</summary>
    NeverExported,
}

/// <summary>A symbol across every stored release.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Rows">One row per release, line by line.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record HistoryResult(string Symbol, IReadOnlyList<HistoryRow> Rows, HistoryOutcome Outcome)
{
    /// <summary>How many releases differ from the one before them in their line.</summary>
    public int Changes => Rows.Count(r => r.Changed);
}

/// <summary>What <c>greylist</c> is asked.</summary>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Policy">A policy file whose stablelist applies, or null.</param>
/// <param name="Stablelist">A stablelist (wins over the policy's), or null.</param>
/// <param name="Kernels">Count CRC changes over these stored kernels only (globs); all when none.</param>
/// <param name="Limit">Only the first N symbols (0: all).</param>
public sealed record GreylistRequest(string? Db, string? Policy, string? Stablelist, IReadOnlyList<string> Kernels, int Limit = 0);

/// <summary>The greylist.</summary>
/// <param name="Stablelist">The stablelist used, or null.</param>
/// <param name="Kernels">How many stored kernels the changes were counted over.</param>
/// <param name="Kmods">How many stored kmods were read.</param>
/// <param name="Entries">The symbols, ranked.</param>
public sealed record GreylistResult(Stablelist? Stablelist, int Kernels, int Kmods, IReadOnlyList<GreylistEntry> Entries);

/// <summary>The verbs that answer from the store alone: <c>kernels</c>, <c>kmods</c>, <c>history</c>, <c>greylist</c>.</summary>
public static class StoreQueries
{
    /// <summary>The stored kernels the patterns name, by line and version.</summary>
    public static IReadOnlyList<StoredKernel> Kernels(ListRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var store = StoreAccess.OpenForReading(request.Db);
        return StoreAccess.SelectKernels(store.Kernels(), request.Patterns);
    }

    /// <summary>The stored kmods the patterns name.</summary>
    public static IReadOnlyList<StoredKmod> Kmods(ListRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var store = StoreAccess.OpenForReading(request.Db);
        return StoreAccess.SelectKmods(store.Kmods(), request.Patterns);
    }

    /// <summary>A symbol's CRC, kind, namespace and exporter in every stored release, changes marked.</summary>
    public static HistoryResult History(HistoryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var store = StoreAccess.OpenForReading(request.Db);
        var kernels = StoreAccess.SelectKernels(store.Kernels(), request.Lines);
        var only = new HashSet<string>(StringComparer.Ordinal) { request.Symbol };
        var exports = store.LoadKernels(kernels, only).Select(k => k.TryGetExport(request.Symbol, out var e) ? e : null).ToList();
        var rows = kernels.Select((k, i) => new HistoryRow(k, exports[i], i > 0 && kernels[i - 1].Line == k.Line && exports[i - 1] != exports[i])).ToList();
        return new HistoryResult(request.Symbol, rows, rows.Any(r => r.Export is not null) ? HistoryOutcome.Exported : HistoryOutcome.NeverExported);
    }

    /// <summary>The symbols stored kmods import that are not on the stablelist, ranked.</summary>
    public static GreylistResult Greylist(GreylistRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (_, list) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
        using var store = StoreAccess.OpenForReading(request.Db);
        var kmods = store.Kmods().Select(store.LoadKmod).ToList();
        var kernels = StoreAccess.LoadForJudging(store, StoreAccess.SelectKernels(store.Kernels(), request.Kernels), kmods);
        var entries = Abi.Greylist.Compute(kmods, kernels, list);
        if (request.Limit > 0)
            entries = [.. entries.Take(request.Limit)];
        return new GreylistResult(list, kernels.Count, kmods.Count, entries);
    }
}

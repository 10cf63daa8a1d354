using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.App.Inputs;

/// <summary>How operations open the store and find what a user's reference names in it.</summary>
public static class StoreAccess
{
    /// <summary>Opens the store for reading, on one snapshot.</summary>
    /// <param name="db">The store as the user named it (a path or postgres:// URL), or null for the default.</param>
    public static AbiStore OpenForReading(string? db)
    {
        var store = AbiStore.Open(StoreLocation.Resolve(db), create: false);
        store.BeginSnapshot();
        return store;
    }

    /// <summary>The stored kernels a pattern names: <c>id:N</c>, a release, or a glob over releases and lines; all when none.</summary>
    public static List<StoredKernel> SelectKernels(IReadOnlyList<StoredKernel> all, IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Count == 0)
            return [.. all];
        return all.Where(k => patterns.Any(p => Names(p, k.Id) || Glob.Matches(p, k.Release) || Glob.Matches(p, k.Line))).ToList();
    }

    /// <summary>The stored kmods a pattern names: <c>id:N</c>, a name or a glob over names; all when none.</summary>
    public static List<StoredKmod> SelectKmods(IReadOnlyList<StoredKmod> all, IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Count == 0)
            return [.. all];
        return all.Where(k => patterns.Any(p => Names(p, k.Id) || Glob.Matches(ModuleNames.Normalize(p), k.Name))).ToList();
    }

    /// <summary>
    /// One stored kernel by reference: <c>id:N</c>, or a release (the most recently ingested content when the
    /// release was stored with several, with a warning).
    /// </summary>
    /// <exception cref="StoreException">Nothing stored matches.</exception>
    public static StoredKernel ResolveKernel(AbiStore store, string reference, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(log);
        var matches = store.Kernels().Where(k => Names(reference, k.Id) || k.Release == reference).OrderBy(k => k.Id).ToList();
        if (matches.Count == 0)
            throw new StoreException($"{reference}: no such kernel in the store {store.Location.Display}, and no such file or directory");
        if (matches.Count > 1)
            log.Warning($"{reference} is stored with {matches.Count} different contents ({string.Join(", ", matches.Select(m => $"id:{m.Id}"))}); using id:{matches[^1].Id}, the last ingested");
        return matches[^1];
    }

    /// <summary>Whether an argument names something to read rather than something stored.</summary>
    public static bool IsSource(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        return argument.StartsWith(AptCache.Prefix, StringComparison.Ordinal)
            || argument.StartsWith(RepositorySources.FetchPrefix, StringComparison.Ordinal)
            || argument.Contains("://", StringComparison.Ordinal)
            || File.Exists(argument)
            || Directory.Exists(argument)
            || (argument.Contains('#', StringComparison.Ordinal) && Directory.Exists(argument[..argument.IndexOf('#', StringComparison.Ordinal)]));
    }

    /// <summary>Reads the policy (and its stablelist), or the default; an explicit stablelist wins over the policy's.</summary>
    public static (Policy Policy, Stablelist? Stablelist) LoadPolicy(string? policyPath, string? stablelistPath)
    {
        var policy = policyPath is null ? Policy.Default : PolicyReader.Read(policyPath);
        var stablelist = stablelistPath is null ? policy.Stablelist : StablelistReader.Read(stablelistPath);
        if (stablelist is not null && !ReferenceEquals(stablelist, policy.Stablelist))
            policy = new Policy(policy.Rules, policy.Waivers, policy.UnlistedDefault, stablelist, policy.Origin);
        return (policy, stablelist);
    }

    /// <summary>
    /// The stored kernels loaded for judging these kmods: each narrowed to the symbols the loader's rules read for
    /// them (see <see cref="Gate.SymbolsJudged"/>).
    /// </summary>
    public static List<KernelAbi> LoadForJudging(AbiStore store, IReadOnlyList<StoredKernel> kernels, IEnumerable<ModuleImage> kmods)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kernels);
        var projection = Gate.SymbolsJudged(kmods);
        return [.. store.LoadKernels(kernels, projection)];
    }

    private static bool Names(string pattern, long id) =>
        pattern.StartsWith("id:", StringComparison.Ordinal) && long.TryParse(pattern.AsSpan(3), out var wanted) && wanted == id;
}

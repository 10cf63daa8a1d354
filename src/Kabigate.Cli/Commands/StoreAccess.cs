using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.Cli.Commands;

/// <summary>Options and lookups shared by the verbs that read or write the store.</summary>
internal static class StoreAccess
{
    public static Option<string?> Db() => new("--db")
    {
        Description = $"The store: an SQLite file, or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE. Default: ${StoreLocation.EnvironmentVariable}, else {StoreLocation.DefaultPath}.",
        HelpName = "PATH|URL",
    };

    public static Option<string?> Policy() => new("--policy")
    {
        Description = "A policy file (TOML): severity rules, the stablelist, and waivers; see docs/kabigate.md.",
        HelpName = "FILE",
    };

    /// <summary>Opens the store for reading, on one snapshot.</summary>
    public static AbiStore OpenForReading(string? db)
    {
        var store = AbiStore.Open(StoreLocation.Resolve(db), create: false);
        store.BeginSnapshot();
        return store;
    }

    /// <summary>The stored kernels a pattern names: <c>id:N</c>, a release, or a glob over releases and lines.</summary>
    public static List<StoredKernel> SelectKernels(IReadOnlyList<StoredKernel> all, IReadOnlyList<string> patterns)
    {
        if (patterns.Count == 0)
            return [.. all];
        return all.Where(k => patterns.Any(p => Names(p, k.Id) || Glob.Matches(p, k.Release) || Glob.Matches(p, k.Line))).ToList();
    }

    /// <summary>The stored kmods a pattern names: <c>id:N</c>, a name or a glob over names.</summary>
    public static List<StoredKmod> SelectKmods(IReadOnlyList<StoredKmod> all, IReadOnlyList<string> patterns)
    {
        if (patterns.Count == 0)
            return [.. all];
        return all.Where(k => patterns.Any(p => Names(p, k.Id) || Glob.Matches(ModuleNames.Normalize(p), k.Name))).ToList();
    }

    /// <summary>
    /// One stored kernel by reference: <c>id:N</c>, or a release (the most recently ingested content when the
    /// release was stored with several, with a warning).
    /// </summary>
    /// <exception cref="StoreException">Nothing stored matches.</exception>
    public static StoredKernel ResolveKernel(AbiStore store, string reference, TextWriter stderr)
    {
        var all = store.Kernels();
        var matches = all.Where(k => Names(reference, k.Id) || k.Release == reference).OrderBy(k => k.Id).ToList();
        if (matches.Count == 0)
            throw new StoreException($"{reference}: no such kernel in the store {store.Location.Display}, and no such file or directory");
        if (matches.Count > 1)
            stderr.WriteLine($"kabigate: WARNING: {reference} is stored with {matches.Count} different contents ({string.Join(", ", matches.Select(m => $"id:{m.Id}"))}); using id:{matches[^1].Id}, the last ingested");
        return matches[^1];
    }

    /// <summary>Whether an argument names something to read rather than a stored release.</summary>
    public static bool IsSource(string argument) =>
        argument.StartsWith(AptCache.Prefix, StringComparison.Ordinal)
        || argument.Contains("://", StringComparison.Ordinal)
        || File.Exists(argument)
        || Directory.Exists(argument)
        || (argument.Contains('#', StringComparison.Ordinal) && Directory.Exists(argument[..argument.IndexOf('#', StringComparison.Ordinal)]));

    /// <summary>Reads the policy (and its stablelist), or the default; an explicit stablelist wins over the policy's.</summary>
    public static (Policy Policy, Stablelist? Stablelist) LoadPolicy(string? policyPath, string? stablelistPath)
    {
        var policy = policyPath is null ? Abi.Policy.Default : PolicyReader.Read(policyPath);
        var stablelist = stablelistPath is null ? policy.Stablelist : StablelistReader.Read(stablelistPath);
        if (stablelist is not null && !ReferenceEquals(stablelist, policy.Stablelist))
            policy = new Policy(policy.Rules, policy.Waivers, policy.UnlistedDefault, stablelist, policy.Origin);
        return (policy, stablelist);
    }

    /// <summary>A kernel's short label for tables: its release, with <c>id:N</c> when the release has several contents.</summary>
    public static string Label(StoredKernel kernel) => kernel.Conflicting ? $"{kernel.Release} (id:{kernel.Id})" : kernel.Release;

    /// <summary>The kernel a kmod was built for, from its vermagic.</summary>
    public static string BuiltFor(string? vermagic) => vermagic?.Split(' ', 2)[0] is { Length: > 0 } release ? release : "?";

    private static bool Names(string pattern, long id) =>
        pattern.StartsWith("id:", StringComparison.Ordinal) && long.TryParse(pattern.AsSpan(3), out var wanted) && wanted == id;
}

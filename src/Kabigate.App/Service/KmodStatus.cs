using Kabigate.Abi;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>A kmod on one stored kernel: whether some build of it loads, and else the kernel's first words why not.</summary>
/// <param name="Kernel">The kernel.</param>
/// <param name="Loads">Whether some build loads.</param>
/// <param name="Build">The build that loads, or the one with fewest problems.</param>
/// <param name="Reason">The first problem of that build, or null when it loads.</param>
public sealed record KmodOnRelease(StoredKernel Kernel, bool Loads, StoredKmod? Build, string? Reason);

/// <summary>A kmod along one kernel line, oldest release first.</summary>
/// <param name="Line">The line.</param>
/// <param name="Releases">Each stored release of the line.</param>
/// <param name="LastGood">The newest release it loads on before the failures that reach the line's newest release, or null.</param>
/// <param name="FirstBad">The oldest release of those failures, or null when it loads on the newest release.</param>
public sealed record KmodLine(string Line, IReadOnlyList<KmodOnRelease> Releases, StoredKernel? LastGood, StoredKernel? FirstBad);

/// <summary>Where a kmod loads, why not elsewhere, and where it broke on each line.</summary>
/// <param name="Name">The kmod.</param>
/// <param name="Builds">Its stored builds.</param>
/// <param name="Lines">Each kernel line.</param>
public sealed record KmodStatusResult(string Name, IReadOnlyList<StoredKmod> Builds, IReadOnlyList<KmodLine> Lines);

/// <summary>A kmod's page: <c>compatible</c> over the store, read along each kernel line.</summary>
public static class KmodStatusOperation
{
    /// <summary>Judges every stored build of a kmod on every stored kernel.</summary>
    /// <exception cref="OperationException">No stored kmod has that name.</exception>
    public static KmodStatusResult Run(string? db, string name, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('*', StringComparison.Ordinal) || name.Contains('?', StringComparison.Ordinal) || name.StartsWith("id:", StringComparison.Ordinal) || StoreAccess(name))
            throw new OperationException($"'{name}': give a stored kmod's name");
        var result = StoredVerdicts.Compatible(new CompatibleRequest(db, name, []), log);
        var builds = result.Stored.OfType<StoredKmod>().ToList();
        var lines = new List<KmodLine>();
        foreach (var line in result.Kernels.Select((k, i) => (Kernel: k, Index: i)).GroupBy(k => k.Kernel.Line, StringComparer.Ordinal))
        {
            var releases = line.OrderBy(k => k.Kernel.Release, KernelReleases.Comparer).ThenBy(k => k.Kernel.Id)
                .Select(k => OnRelease(result, k.Kernel, k.Index)).ToList();
            int failingFrom = releases.Count;
            while (failingFrom > 0 && !releases[failingFrom - 1].Loads)
                failingFrom--;
            var firstBad = failingFrom < releases.Count ? releases[failingFrom].Kernel : null;
            var lastGood = failingFrom > 0 ? releases[failingFrom - 1].Kernel : null;
            lines.Add(new KmodLine(line.Key, releases, lastGood, firstBad));
        }
        return new KmodStatusResult(name, builds, lines);
    }

    private static KmodOnRelease OnRelease(CompatibleResult result, StoredKernel kernel, int index)
    {
        int best = 0;
        for (int b = 0; b < result.Kmods.Count; b++)
        {
            var verdict = result.Verdicts[b][index];
            if (verdict.Loads)
                return new KmodOnRelease(kernel, true, result.Stored[b], null);
            if (verdict.Problems.Count < result.Verdicts[best][index].Problems.Count)
                best = b;
        }
        var problems = result.Verdicts[best][index].Problems;
        return new KmodOnRelease(kernel, false, result.Stored[best], problems.Count > 0 ? problems[0].Message : null);
    }

    private static bool StoreAccess(string name) => name.Contains('/', StringComparison.Ordinal) || name.Contains("://", StringComparison.Ordinal);
}

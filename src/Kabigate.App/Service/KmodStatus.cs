using Kabigate.Abi;
using Kabigate.App.Inputs;
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
    /// <exception cref="OperationException">No stored kmod has that name (names only: no globs, ids or paths).</exception>
    public static KmodStatusResult Run(string? db, string name, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Judged with the kmods of the same sources, as the gate judges them: a package's modules satisfy each other's imports.
        List<string> related;
        using (var store = StoreAccess.OpenForReading(db))
        {
            var all = store.Kmods();
            var sources = all.Where(k => k.Name == ModuleNames.Normalize(name)).Select(k => k.Source).ToHashSet(StringComparer.Ordinal);
            if (sources.Count == 0)
                throw new OperationException($"{name}: no such kmod in the store {store.Location.Display}");
            related = [.. all.Where(k => sources.Contains(k.Source)).Select(k => $"id:{k.Id}")];
        }
        var matrix = StoredVerdicts.Matrix(new MatrixRequest(db, related, []), log);
        var rows = Enumerable.Range(0, matrix.Kmods.Count).Where(i => matrix.Kmods[i].Name == ModuleNames.Normalize(name)).ToList();
        var builds = rows.Select(i => matrix.Kmods[i]).ToList();
        var verdicts = rows.Select(i => matrix.Verdicts[i]).ToList();
        var lines = new List<KmodLine>();
        foreach (var line in matrix.Kernels.Select((k, i) => (Kernel: k, Index: i)).GroupBy(k => k.Kernel.Line, StringComparer.Ordinal))
        {
            var releases = line.OrderBy(k => k.Kernel.Release, KernelReleases.Comparer).ThenBy(k => k.Kernel.Id)
                .Select(k => OnRelease(builds, verdicts, k.Kernel, k.Index)).ToList();
            int failingFrom = releases.Count;
            while (failingFrom > 0 && !releases[failingFrom - 1].Loads)
                failingFrom--;
            var firstBad = failingFrom < releases.Count ? releases[failingFrom].Kernel : null;
            var lastGood = failingFrom > 0 ? releases[failingFrom - 1].Kernel : null;
            lines.Add(new KmodLine(line.Key, releases, lastGood, firstBad));
        }
        return new KmodStatusResult(name, builds, lines);
    }

    private static KmodOnRelease OnRelease(List<StoredKmod> builds, List<Verdict[]> verdicts, StoredKernel kernel, int index)
    {
        int best = 0;
        for (int b = 0; b < builds.Count; b++)
        {
            var verdict = verdicts[b][index];
            if (verdict.Loads)
                return new KmodOnRelease(kernel, true, builds[b], null);
            if (verdict.Problems.Count < verdicts[best][index].Problems.Count)
                best = b;
        }
        var problems = verdicts[best][index].Problems;
        return new KmodOnRelease(kernel, false, builds[best], problems.Count > 0 ? problems[0].Message : null);
    }
}

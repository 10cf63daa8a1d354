using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.App.Operations;

/// <summary>What <c>ingest</c> is asked.</summary>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Sources">Sources whose kind is found out.</param>
/// <param name="Kernels">Sources to read as kernels.</param>
/// <param name="Kmods">Sources to read as kmods.</param>
/// <param name="Release">The kernel release, when a kernel source does not tell it.</param>
public sealed record IngestRequest(string? Db, IReadOnlyList<string> Sources, IReadOnlyList<string> Kernels, IReadOnlyList<string> Kmods, string? Release = null);

/// <summary>One kernel or kmod written (or found already stored).</summary>
/// <param name="IsKernel">A kernel, else a kmod.</param>
/// <param name="Result">What the store did.</param>
public sealed record IngestedItem(bool IsKernel, IngestResult Result);

/// <summary>What the store says after the ingest about one of the kernels it stored.</summary>
/// <param name="Kernel">The stored kernel.</param>
/// <param name="Loads">How many stored kmods load on it.</param>
/// <param name="Fail">How many do not.</param>
/// <param name="FirstProblems">The kinds of the failing kmods' first problems, most frequent first, with their counts.</param>
public sealed record KernelSummary(StoredKernel Kernel, int Loads, int Fail, IReadOnlyList<(ProblemKind Kind, int Count)> FirstProblems);

/// <summary>What was stored, and the store's verdicts on the kernels it stored.</summary>
/// <param name="Store">Where (for people).</param>
/// <param name="Items">Every kernel and kmod, in the order read.</param>
/// <param name="StoredKernels">How many kernels the store now holds.</param>
/// <param name="StoredKmods">How many kmods the store now holds.</param>
/// <param name="SizeOnDisk">The store's size in bytes.</param>
/// <param name="KmodsJudged">How many stored kmods the summary judged.</param>
/// <param name="Summary">The stored kmods' verdicts per kernel (empty when the store has no kmods or no kernels).</param>
public sealed record IngestSummary(string Store, IReadOnlyList<IngestedItem> Items, int StoredKernels, int StoredKmods, long SizeOnDisk, int KmodsJudged, IReadOnlyList<KernelSummary> Summary);

/// <summary><c>ingest</c>: kernels and kmods into the store, all or nothing.</summary>
public static class IngestOperation
{
    private const int SummaryKernels = 20;

    /// <summary>Reads every source (in parallel), then writes them all in one transaction.</summary>
    /// <exception cref="OperationException">Nothing named, a source cannot be read, or the sources hold nothing: nothing was stored.</exception>
    public static IngestSummary Run(IngestRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        if (request.Sources.Count + request.Kernels.Count + request.Kmods.Count == 0)
            throw new OperationException("nothing to ingest: name kernels and kmods (see 'kabigate ingest --help')");
        var location = StoreLocation.Resolve(request.Db);
        var options = new KernelSourceOptions(request.Release, log.Note);
        var jobs = request.Kernels.Select(s => (Source: s, Role: SourceRole.Kernel))
            .Concat(request.Kmods.Select(s => (Source: s, Role: SourceRole.Kmods)))
            .Concat(request.Sources.Select(s => (Source: s, Role: SourceRole.Any)))
            .ToList();
        var contents = new SourceContents[jobs.Count];
        Parallel.For(0, jobs.Count, i => contents[i] = SourceContentsReader.Read(jobs[i].Source, jobs[i].Role, options));
        log.Phase("read sources");
        foreach (var warning in contents.SelectMany(c => c.Warnings))
            log.Warning(warning);
        var errors = contents.Where(c => c.Error is not null).Select(c => c.Error!).ToList();
        if (errors.Count > 0)
            throw new OperationException([.. errors, "nothing was stored"]);
        var kernels = contents.SelectMany(c => c.Kernels).ToList();
        var kmods = jobs.Zip(contents).SelectMany(j => j.Second.Kmods.Select(k => (j.First.Source, Kmod: k))).ToList();
        if (kernels.Count + kmods.Count == 0)
            throw new OperationException("the sources hold no kernel and no kmod; nothing was stored");

        using var store = AbiStore.Open(location, create: true);
        log.Note($"storing {kernels.Count} kernels and {kmods.Count} kmods in {store.Location.Display}");
        var items = new List<IngestedItem>();
        using (var session = store.BeginIngest())
        {
            using var progress = log.Progress("storing");
            int done = 0, total = kernels.Count + kmods.Count;
            foreach (var kernel in kernels)
            {
                items.Add(new IngestedItem(true, session.AddKernel(kernel)));
                progress.Report((++done, total));
            }
            foreach (var (source, kmod) in kmods)
            {
                items.Add(new IngestedItem(false, session.AddKmod(kmod, source)));
                progress.Report((++done, total));
            }
            session.Commit();
        }
        log.Phase("store");
        foreach (var item in items.Where(i => i.Result.Outcome == IngestOutcome.StoredConflicting))
            log.Warning($"kernel {item.Result.What}: {item.Result.Detail}");
        var (judged, summary) = Summarize(store, [.. items.Where(i => i.IsKernel).Select(i => i.Result.What).Distinct()]);
        log.Phase("summary");
        return new IngestSummary(store.Location.Display, items, store.Kernels().Count, store.Kmods().Count, store.SizeOnDisk(), judged, summary);
    }

    /// <summary>
    /// The verdicts of every stored kmod on the kernels just ingested (or, when only kmods were, on the newest stored
    /// kernels): what the store now says.
    /// </summary>
    private static (int Kmods, List<KernelSummary> Kernels) Summarize(AbiStore store, IReadOnlyList<string> ingestedReleases)
    {
        store.BeginSnapshot();
        var storedKmods = store.Kmods();
        var all = store.Kernels();
        if (storedKmods.Count == 0 || all.Count == 0)
            return (0, []);
        var kernels = (ingestedReleases.Count > 0 ? all.Where(k => ingestedReleases.Contains(k.Release)) : all.OrderByDescending(k => k.Id))
            .Take(SummaryKernels).ToList();
        var modules = storedKmods.Select(store.LoadKmod).ToList();
        var abis = StoreAccess.LoadForJudging(store, kernels, modules);
        var matrix = Gate.CheckBySource(abis, modules, [.. storedKmods.Select(k => k.Source)]);
        var summary = new List<KernelSummary>();
        for (int k = 0; k < kernels.Count; k++)
        {
            var failing = matrix.Select(row => row[k]).Where(v => !v.Loads).ToList();
            var reasons = failing.SelectMany(v => v.Problems.Take(1)).GroupBy(p => p.Kind).OrderByDescending(g => g.Count())
                .Select(g => (g.Key, g.Count())).ToList();
            summary.Add(new KernelSummary(kernels[k], modules.Count - failing.Count, failing.Count, reasons));
        }
        return (modules.Count, summary);
    }
}

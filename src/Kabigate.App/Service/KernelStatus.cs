using Kabigate.App.Inputs;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>A kernel's page: what changed against the previous release of its line, and what its latest gate run says.</summary>
/// <param name="Kernel">The kernel.</param>
/// <param name="Previous">The previous release of its line, or null.</param>
/// <param name="Diff">The diff against it under the service's policy (with the registered kmods), or null.</param>
/// <param name="Run">The kernel's latest gate run, or null before its first.</param>
public sealed record KernelStatusResult(StoredKernel Kernel, StoredKernel? Previous, DiffResult? Diff, GateRunReport? Run);

/// <summary>Reads a kernel's page.</summary>
public static class KernelStatusOperation
{
    /// <summary>The kernel a release (or <c>id:N</c>) names, its diff against the previous release, and its latest gate run.</summary>
    /// <exception cref="OperationException">Nothing stored matches.</exception>
    public static KernelStatusResult Run(GateSettings settings, string reference, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(reference);
        StoredKernel kernel;
        StoredKernel? previous;
        GateRunReport? run = null;
        using (var store = StoreAccess.OpenForReading(settings.Db))
        {
            try
            {
                kernel = StoreAccess.ResolveKernel(store, reference, log);
            }
            catch (StoreException e)
            {
                throw new OperationException(e.Message);
            }
            previous = GateRunOperation.Previous(store.Kernels(), kernel);
            if (store.GateRuns(1, kernel.Id) is [var latest])
                run = new GateRunReport(latest, store.GateRunCases(latest.Id));
        }
        DiffResult? diff = null;
        if (previous is not null)
        {
            var kmods = run?.Cases.Select(c => c.Kmod).Distinct().ToList() ?? [];
            diff = DiffOperation.Run(new DiffRequest($"id:{previous.Id}", $"id:{kernel.Id}", settings.Db, kmods, settings.StablelistFile, settings.PolicyFile), log);
        }
        return new KernelStatusResult(kernel, previous, diff, run);
    }
}

using Kabigate.Abi;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Operations;

/// <summary>What <c>weak-updates plan|apply</c> is asked.</summary>
/// <param name="Root">The system's root.</param>
/// <param name="Rules">What compatible means.</param>
/// <param name="Apply">Make the links, not only plan them.</param>
/// <param name="Depmod">After applying, run depmod for each changed kernel.</param>
public sealed record WeakUpdatesRequest(string Root, WeakUpdatesRules Rules, bool Apply = false, bool Depmod = false);

/// <summary>How weak-updates came out.</summary>
public enum WeakUpdatesOutcome
{
    /// <summary>Nothing to change (plan), or the links are as planned (apply).</summary>
    NothingToChange,

    /// <summary>Links to create or remove (plan only).</summary>
    Changes,

    /// <summary>Some file could not be read (then nothing is applied), or applying failed somewhere.</summary>
    InputError,
}

/// <summary>The plan, and what applying it did.</summary>
/// <param name="Tree">The installed kernels read.</param>
/// <param name="Plan">The decisions.</param>
/// <param name="Applied">What applying did, or null when only planned or not applied.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record WeakUpdatesResult(InstalledTree Tree, WeakUpdatesPlan Plan, AppliedLinks? Applied, WeakUpdatesOutcome Outcome);

/// <summary><c>weak-updates plan|apply</c>: the weak-modules decisions for every installed kernel at once.</summary>
public static class WeakUpdatesOperation
{
    /// <summary>Reads the root, plans, and (when asked and every file was read) applies.</summary>
    /// <exception cref="IOException">The root cannot be read.</exception>
    public static WeakUpdatesResult Run(WeakUpdatesRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        InstalledTree tree;
        using (var progress = log.Progress("reading modules"))
            tree = InstalledKernelsReader.Read(request.Root, progress);
        log.Phase("read tree");
        var plan = WeakUpdates.Plan(tree.Kernels, new WeakUpdatesOptions(request.Rules));
        log.Phase("plan");
        foreach (var warning in plan.Warnings)
            log.Warning(warning);
        if (tree.Errors.Count > 0)
            return new WeakUpdatesResult(tree, plan, null, WeakUpdatesOutcome.InputError);
        if (!request.Apply)
            return new WeakUpdatesResult(tree, plan, null, plan.HasChanges ? WeakUpdatesOutcome.Changes : WeakUpdatesOutcome.NothingToChange);
        var applied = WeakUpdatesApplier.Apply(tree, plan, request.Depmod);
        log.Phase("apply");
        return new WeakUpdatesResult(tree, plan, applied, applied.Errors.Count > 0 ? WeakUpdatesOutcome.InputError : WeakUpdatesOutcome.NothingToChange);
    }
}

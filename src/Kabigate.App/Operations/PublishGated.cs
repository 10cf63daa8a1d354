using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Formats.Repodata;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Operations;

/// <summary>What <c>publish-gated</c> is asked.</summary>
/// <param name="From">The source repository (a local directory holding repodata/).</param>
/// <param name="To">The gated repository to write.</param>
/// <param name="Kmods">Registered kmods; none: the kmod packages of <paramref name="From"/>.</param>
/// <param name="Store">Every stored kmod is registered too.</param>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Policy">A policy file, or null.</param>
/// <param name="Stablelist">A stablelist (wins over the policy's), or null.</param>
public sealed record PublishGatedRequest(string From, string To, IReadOnlyList<string> Kmods, bool Store, string? Db, string? Policy = null, string? Stablelist = null);

/// <summary>A kernel package of the source repository and the gate's word on it.</summary>
/// <param name="Package">The package.</param>
/// <param name="Kernel">Its kernel.</param>
/// <param name="Published">Whether it was published.</param>
/// <param name="Failing">The cases that failed the gate on it (none when published).</param>
public sealed record GatedKernel(RepoPackage Package, KernelAbi Kernel, bool Published, IReadOnlyList<GateCase> Failing);

/// <summary>How publishing came out.</summary>
public enum PublishOutcome
{
    /// <summary>Every kernel was published.</summary>
    AllPublished,

    /// <summary>Some kernels were held back (with their subpackages).</summary>
    SomeHeldBack,
}

/// <summary>What was published.</summary>
/// <param name="From">The source repository.</param>
/// <param name="To">The gated repository (full path).</param>
/// <param name="Published">The repository written.</param>
/// <param name="Kernels">Every kernel package of the source, with the gate's word.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record PublishGatedResult(string From, string To, PublishedRepository Published, IReadOnlyList<GatedKernel> Kernels, PublishOutcome Outcome)
{
    /// <summary>How many kernel packages failed the gate.</summary>
    public int HeldBack => Kernels.Count(k => !k.Published);
}

/// <summary>
/// <c>publish-gated</c>: repository metadata without the kernel packages that fail the gate (and their same-release
/// subpackages of the same flavour), so any yum/dnf/zypper client gets gating without a plugin.
/// </summary>
public static class PublishGatedOperation
{
    /// <summary>Gates every kernel of the source repository and writes the gated repository.</summary>
    /// <exception cref="OperationException">A kmod cannot be read, or none is registered: nothing was published.</exception>
    public static PublishGatedResult Run(PublishGatedRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var (policy, list) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
        var kernelPackages = RepositorySources.KernelPackages(request.From, null, new KernelSourceOptions(null, log.Note));
        using var arguments = new KernelArguments(request.Db, log);
        var selection = request.Kmods.Count > 0 || request.Store ? arguments.Kmods(request.Kmods, request.Store) : arguments.Kmods([request.From]);
        if (selection.Errors.Count > 0)
            throw new OperationException([.. selection.Errors, "nothing was published"]);
        if (selection.Kmods.Count == 0)
            throw new OperationException("no kmods registered (REPO has no kmod packages; give --kmods or --store); nothing was published");
        var evaluation = policy.Evaluate(DateOnly.FromDateTime(DateTime.UtcNow));
        var report = Abi.Gate.Evaluate([.. kernelPackages.Select(k => k.Kernel)], selection.Kmods, selection.Sources, evaluation, list);
        foreach (var warning in evaluation.UnusedWarnings())
            log.Lint(warning);

        var gated = kernelPackages.Select(k => new GatedKernel(k.Package, k.Kernel, report.KernelPasses(k.Kernel),
            [.. report.Cases.Where(c => ReferenceEquals(c.Kernel, k.Kernel) && !c.Passes)])).ToList();
        var heldBack = gated.Where(k => !k.Published).Select(k => k.Package).ToList();
        var published = FilteredRepository.Publish(request.From, request.To, p => !heldBack.Any(k => IsOf(p, k)));
        return new PublishGatedResult(request.From, Path.GetFullPath(request.To), published, gated, heldBack.Count == 0 ? PublishOutcome.AllPublished : PublishOutcome.SomeHeldBack);
    }

    /// <summary>Whether a package is the held-back kernel package or one of its subpackages: a kernel package of the same flavour and the same epoch, version, release and arch.</summary>
    private static bool IsOf(RepoPackage package, RepoPackage kernel) =>
        ReferenceEquals(package, kernel)
        || (KernelPackageNames.SameFlavour(package.Name, kernel.Name) && package.Version == kernel.Version && package.Release == kernel.Release
            && package.Arch == kernel.Arch && package.Epoch == kernel.Epoch);
}

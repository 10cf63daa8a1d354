using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Store;

namespace Kabigate.App.Operations;

/// <summary>What <c>matrix</c> is asked.</summary>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Kmods">Stored kmods (names, globs, <c>id:N</c>); all when none.</param>
/// <param name="Kernels">Stored kernels (releases, lines, globs, <c>id:N</c>); all when none.</param>
public sealed record MatrixRequest(string? Db, IReadOnlyList<string> Kmods, IReadOnlyList<string> Kernels);

/// <summary>Stored kmods × stored kernels.</summary>
/// <param name="Store">The store's location, for people.</param>
/// <param name="Kmods">The kmods (rows).</param>
/// <param name="Kernels">The kernels (columns).</param>
/// <param name="Verdicts">Indexed [kmod][kernel].</param>
/// <param name="Outcome">How it came out.</param>
public sealed record MatrixResult(string Store, IReadOnlyList<StoredKmod> Kmods, IReadOnlyList<StoredKernel> Kernels, Verdict[][] Verdicts, CheckOutcome Outcome);

/// <summary>What <c>compatible</c> is asked.</summary>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Kmod">A stored kmod (name, glob or <c>id:N</c>: every build of that name), or a module source.</param>
/// <param name="Kernels">Only these stored kernels (globs); all when none.</param>
public sealed record CompatibleRequest(string? Db, string Kmod, IReadOnlyList<string> Kernels);

/// <summary>The stored kernels each build of a kmod loads on.</summary>
/// <param name="Kmods">The builds (rows).</param>
/// <param name="Stored">Each build's store record, or null when it was read from a source.</param>
/// <param name="Kernels">The stored kernels (columns).</param>
/// <param name="Verdicts">Indexed [kmod][kernel].</param>
/// <param name="Outcome"><see cref="CheckOutcome.AllLoad"/> when some build loads on some stored release, else <see cref="CheckOutcome.SomeFail"/>.</param>
public sealed record CompatibleResult(IReadOnlyList<ModuleImage> Kmods, IReadOnlyList<StoredKmod?> Stored, IReadOnlyList<StoredKernel> Kernels, Verdict[][] Verdicts, CheckOutcome Outcome);

/// <summary>What <c>kmods-for</c> is asked.</summary>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Kernel">A stored release (or <c>id:N</c>), or a kernel source.</param>
/// <param name="Kmods">Only these stored kmods (globs); all when none.</param>
public sealed record KmodsForRequest(string? Db, string Kernel, IReadOnlyList<string> Kmods);

/// <summary>The stored kmods on one kernel.</summary>
/// <param name="Kernel">The kernel.</param>
/// <param name="Stored">The stored kernel, when it was named from the store.</param>
/// <param name="Kmods">The stored kmods.</param>
/// <param name="Verdicts">Each kmod's verdict, index for index.</param>
public sealed record KmodsForResult(KernelAbi Kernel, StoredKernel? Stored, IReadOnlyList<StoredKmod> Kmods, IReadOnlyList<Verdict> Verdicts);

/// <summary>The verbs that judge stored kmods on stored kernels: <c>matrix</c>, <c>compatible</c>, <c>kmods-for</c>.</summary>
public static class StoredVerdicts
{
    /// <summary>Every chosen stored kmod on every chosen stored kernel.</summary>
    public static MatrixResult Matrix(MatrixRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        using var store = StoreAccess.OpenForReading(request.Db);
        var storedKmods = StoreAccess.SelectKmods(store.Kmods(), request.Kmods);
        var storedKernels = StoreAccess.SelectKernels(store.Kernels(), request.Kernels);
        var modules = storedKmods.Select(store.LoadKmod).ToList();
        var abis = StoreAccess.LoadForJudging(store, storedKernels, modules);
        log.Phase("load from store");
        var verdicts = Gate.CheckBySource(abis, modules, [.. storedKmods.Select(k => k.Source)]);
        log.Phase("check");
        var outcome = verdicts.All(row => row.All(v => v.Loads)) ? CheckOutcome.AllLoad : CheckOutcome.SomeFail;
        return new MatrixResult(store.Location.Display, storedKmods, storedKernels, verdicts, outcome);
    }

    /// <summary>The stored releases a kmod's builds load on, and why they fail on the others.</summary>
    /// <exception cref="OperationException">The kmod names nothing, or cannot be read.</exception>
    public static CompatibleResult Compatible(CompatibleRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var arguments = new KernelArguments(request.Db, log);
        var selection = arguments.Kmods([request.Kmod]);
        if (selection.Errors.Count > 0)
            throw new OperationException(selection.Errors);
        if (selection.Kmods.Count == 0)
            throw new OperationException($"{request.Kmod}: holds no kmods");
        var stored = StoreAccess.SelectKernels(arguments.Store.Kernels(), request.Kernels);
        var kernels = StoreAccess.LoadForJudging(arguments.Store, stored, selection.Kmods);
        var verdicts = Gate.CheckBySource(kernels, selection.Kmods, selection.Sources);
        var outcome = verdicts.Any(row => row.Any(v => v.Loads)) ? CheckOutcome.AllLoad : CheckOutcome.SomeFail;
        return new CompatibleResult(selection.Kmods, selection.Stored, stored, verdicts, outcome);
    }

    /// <summary>The stored kmods that load on a kernel, and why the others do not.</summary>
    public static KmodsForResult KmodsFor(KmodsForRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var arguments = new KernelArguments(request.Db, log);
        var store = arguments.Store;
        var storedKmods = StoreAccess.SelectKmods(store.Kmods(), request.Kmods);
        var modules = storedKmods.Select(store.LoadKmod).ToList();
        StoredKernel? stored = null;
        KernelAbi kernel;
        if (StoreAccess.IsSource(request.Kernel))
        {
            kernel = arguments.Kernel(request.Kernel);
        }
        else
        {
            stored = StoreAccess.ResolveKernel(store, request.Kernel, log);
            kernel = StoreAccess.LoadForJudging(store, [stored], modules)[0];
        }
        var verdicts = Gate.CheckBySource([kernel], modules, [.. storedKmods.Select(k => k.Source)]).Select(row => row[0]).ToList();
        return new KmodsForResult(kernel, stored, storedKmods, verdicts);
    }
}

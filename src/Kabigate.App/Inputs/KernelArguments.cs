using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.App.Inputs;

/// <summary>Kmods named by a request, read or loaded, each with the source it came from (kmods of one source load together).</summary>
/// <param name="Kmods">The kmods.</param>
/// <param name="Sources">Where each came from, index for index.</param>
/// <param name="Errors">One line per argument that named nothing or could not be read.</param>
/// <param name="Stored">For each kmod, its store record when it was named from the store, else null.</param>
public sealed record KmodSelection(IReadOnlyList<ModuleImage> Kmods, IReadOnlyList<string> Sources, IReadOnlyList<string> Errors, IReadOnlyList<StoredKmod?> Stored);

/// <summary>
/// Kernels and kmods named by a request that may be either sources to read or things in the store; the store is
/// opened only when something stored is named.
/// </summary>
/// <param name="db">The store as the user named it, or null for the default.</param>
/// <param name="log">Where notes and warnings go.</param>
public sealed class KernelArguments(string? db, IOperationLog log) : IDisposable
{
    private AbiStore? _store;

    /// <summary>The store, opened for reading on first use.</summary>
    public AbiStore Store => _store ??= StoreAccess.OpenForReading(db);

    /// <summary>Options for reading kernel sources, with notes going to the log.</summary>
    public KernelSourceOptions SourceOptions(string? release = null) => new(release, log.Note);

    /// <summary>A kernel: a source, or a stored release or <c>id:N</c>.</summary>
    /// <param name="argument">What the user named.</param>
    /// <param name="only">For a stored kernel, the symbols to load (null: all).</param>
    public KernelAbi Kernel(string argument, IReadOnlySet<string>? only = null)
    {
        if (StoreAccess.IsSource(argument))
            return KernelSourceReader.Read(argument, SourceOptions());
        return Store.LoadKernel(StoreAccess.ResolveKernel(Store, argument, log), only);
    }

    /// <summary>
    /// Kmods: sources read as modules, or stored kmods by name, glob or <c>id:N</c>; with <paramref name="allStored"/>,
    /// every stored kmod too.
    /// </summary>
    public KmodSelection Kmods(IReadOnlyList<string> arguments, bool allStored = false)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var kmods = new List<ModuleImage>();
        var sources = new List<string>();
        var errors = new List<string>();
        var stored = new List<StoredKmod?>();
        foreach (var source in arguments.Where(StoreAccess.IsSource))
        {
            var set = ModuleSetReader.Read([source], log.Note);
            kmods.AddRange(set.Modules);
            sources.AddRange(set.Modules.Select(_ => source));
            stored.AddRange(set.Modules.Select(_ => (StoredKmod?)null));
            errors.AddRange(set.Errors.Select(e => e.Message));
            foreach (var warning in set.Warnings)
                log.Warning(warning.Message);
        }
        var patterns = arguments.Where(a => !StoreAccess.IsSource(a)).ToList();
        if (patterns.Count > 0 || allStored)
        {
            var all = Store.Kmods();
            var chosen = allStored ? all.ToList() : [];
            foreach (var pattern in patterns)
            {
                var named = StoreAccess.SelectKmods(all, [pattern]);
                if (named.Count == 0)
                    errors.Add($"{pattern}: no such kmod in the store {Store.Location.Display}, and no such file or directory");
                chosen.AddRange(named.Where(s => !chosen.Contains(s)));
            }
            kmods.AddRange(chosen.Select(Store.LoadKmod));
            sources.AddRange(chosen.Select(s => s.Source));
            stored.AddRange(chosen);
        }
        return new KmodSelection(kmods, sources, errors, stored);
    }

    /// <inheritdoc/>
    public void Dispose() => _store?.Dispose();
}

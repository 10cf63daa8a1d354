using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.Cli.Commands;

/// <summary>
/// Kernels and kmods named on the command line that may be either sources to read or things in the store; the store
/// is opened only when something stored is named.
/// </summary>
internal sealed class KernelArguments(string? db, TextWriter stderr) : IDisposable
{
    private AbiStore? _store;

    public AbiStore Store => _store ??= StoreAccess.OpenForReading(db);

    /// <summary>A kernel: a source, or a stored release or id:N.</summary>
    public KernelAbi Kernel(string argument, IReadOnlySet<string>? only = null)
    {
        if (StoreAccess.IsSource(argument))
            return KernelSourceReader.Read(argument, new KernelSourceOptions(null, line => stderr.WriteLine($"kabigate: {line}")));
        return Store.LoadKernel(StoreAccess.ResolveKernel(Store, argument, stderr), only);
    }

    /// <summary>
    /// Kmods: sources read as modules, or stored kmods by name, glob or id:N; with <paramref name="allStored"/>, every
    /// stored kmod too. Each comes with the source it was read or ingested from (kmods of one source load together).
    /// </summary>
    public (List<ModuleImage> Kmods, List<string> Sources, List<string> Errors) Kmods(IReadOnlyList<string> arguments, bool allStored = false)
    {
        var kmods = new List<ModuleImage>();
        var sources = new List<string>();
        var errors = new List<string>();
        foreach (var source in arguments.Where(StoreAccess.IsSource))
        {
            var set = ModuleSetReader.Read([source], line => stderr.WriteLine($"kabigate: {line}"));
            kmods.AddRange(set.Modules);
            sources.AddRange(set.Modules.Select(_ => source));
            errors.AddRange(set.Errors.Select(e => e.Message));
            foreach (var warning in set.Warnings)
                stderr.WriteLine($"kabigate: WARNING: {warning.Message}");
        }
        var patterns = arguments.Where(a => !StoreAccess.IsSource(a)).ToList();
        if (patterns.Count > 0 || allStored)
        {
            var all = Store.Kmods();
            var chosen = allStored ? all.ToList() : [];
            foreach (var pattern in patterns)
            {
                var stored = StoreAccess.SelectKmods(all, [pattern]);
                if (stored.Count == 0)
                    errors.Add($"{pattern}: no such kmod in the store {Store.Location.Display}, and no such file or directory");
                chosen.AddRange(stored.Where(s => !chosen.Contains(s)));
            }
            kmods.AddRange(chosen.Select(Store.LoadKmod));
            sources.AddRange(chosen.Select(s => s.Source));
        }
        return (kmods, sources, errors);
    }

    public void Dispose() => _store?.Dispose();
}

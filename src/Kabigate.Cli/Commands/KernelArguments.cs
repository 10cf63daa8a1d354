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

    /// <summary>Kmods: sources read as modules, or stored kmods by name, glob or id:N. Errors are reported and returned.</summary>
    public (List<ModuleImage> Kmods, List<string> Errors) Kmods(IReadOnlyList<string> arguments)
    {
        var kmods = new List<ModuleImage>();
        var errors = new List<string>();
        var sources = arguments.Where(StoreAccess.IsSource).ToList();
        if (sources.Count > 0)
        {
            var set = ModuleSetReader.Read(sources, line => stderr.WriteLine($"kabigate: {line}"));
            kmods.AddRange(set.Modules);
            errors.AddRange(set.Errors.Select(e => e.Message));
        }
        var patterns = arguments.Where(a => !StoreAccess.IsSource(a)).ToList();
        if (patterns.Count > 0)
        {
            var all = Store.Kmods();
            foreach (var pattern in patterns)
            {
                var stored = StoreAccess.SelectKmods(all, [pattern]);
                if (stored.Count == 0)
                    errors.Add($"{pattern}: no such kmod in the store {Store.Location.Display}, and no such file or directory");
                kmods.AddRange(stored.Select(Store.LoadKmod));
            }
        }
        return (kmods, errors);
    }

    public void Dispose() => _store?.Dispose();
}

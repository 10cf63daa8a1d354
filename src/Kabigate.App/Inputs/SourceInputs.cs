using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Inputs;

/// <summary>Everything a request named and could be read, and the inputs that failed (each a one-line error).</summary>
/// <param name="Kernels">The kernels read, in the order named.</param>
/// <param name="Modules">The modules read.</param>
/// <param name="Stablelist">The stablelist, or null.</param>
/// <param name="Errors">The inputs that could not be read.</param>
public sealed record LoadedInputs(IReadOnlyList<KernelAbi> Kernels, IReadOnlyList<ModuleImage> Modules, Stablelist? Stablelist, IReadOnlyList<SourceError> Errors);

/// <summary>Reads the kernels, modules and stablelist a request names, in parallel, collecting failures.</summary>
public static class SourceInputs
{
    /// <summary>Reads them all; a failing input is an error in the result, the others are still read.</summary>
    /// <param name="kernelSources">Kernel sources.</param>
    /// <param name="moduleSources">Module sources (they load together).</param>
    /// <param name="release">The kernel release, when the (single) kernel source does not tell it.</param>
    /// <param name="stablelistPath">A stablelist, or null.</param>
    /// <param name="log">Notes and warnings (a kmod package's declared requirements that disagree with its modules).</param>
    public static LoadedInputs Load(IReadOnlyList<string> kernelSources, IReadOnlyList<string> moduleSources, string? release, string? stablelistPath, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(kernelSources);
        ArgumentNullException.ThrowIfNull(moduleSources);
        ArgumentNullException.ThrowIfNull(log);
        var errors = new List<SourceError>();
        var kernels = new IReadOnlyList<KernelAbi>?[kernelSources.Count];
        var kernelErrors = new SourceError?[kernelSources.Count];
        ModuleSet? modules = null;
        Stablelist? stablelist = null;
        using (var progress = log.Progress("reading modules"))
        {
            Parallel.Invoke(
                () => Parallel.For(0, kernelSources.Count, i =>
                {
                    try
                    {
                        kernels[i] = KernelSourceReader.ReadAll(kernelSources[i], new KernelSourceOptions(release, log.Note));
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        kernelErrors[i] = new SourceError(kernelSources[i], ModuleSetReader.Describe(kernelSources[i], e));
                    }
                }),
                () => modules = ModuleSetReader.Read(moduleSources, log.Note, progress),
                () =>
                {
                    if (stablelistPath is null)
                        return;
                    try
                    {
                        stablelist = StablelistReader.Read(stablelistPath);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        lock (errors)
                            errors.Add(new SourceError(stablelistPath, ModuleSetReader.Describe(stablelistPath, e)));
                    }
                });
        }
        errors.InsertRange(0, kernelErrors.OfType<SourceError>());
        errors.AddRange(modules!.Errors);
        foreach (var warning in modules.Warnings)
            log.Warning(warning.Message);
        return new LoadedInputs([.. kernels.OfType<IReadOnlyList<KernelAbi>>().SelectMany(k => k)], modules.Modules, stablelist, errors);
    }
}

using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli;

/// <summary>Everything a verb read, and the inputs that failed (reported, then exit 2).</summary>
internal sealed record LoadedInputs(IReadOnlyList<KernelAbi> Kernels, IReadOnlyList<ModuleImage> Modules, Stablelist? Stablelist, IReadOnlyList<SourceError> Errors, IReadOnlyList<SourceError> Warnings);

/// <summary>Reads the kernels, modules and stablelist a verb names, in parallel, collecting failures.</summary>
internal static class Inputs
{
    public static LoadedInputs Load(IReadOnlyList<string> kernelSources, IReadOnlyList<string> moduleSources, string? release, string? stablelistPath, TextWriter stderr)
    {
        var errors = new List<SourceError>();
        var log = (string line) => { lock (stderr) stderr.WriteLine($"kabigate: {line}"); };
        var kernels = new IReadOnlyList<KernelAbi>?[kernelSources.Count];
        var kernelErrors = new SourceError?[kernelSources.Count];
        ModuleSet? modules = null;
        Stablelist? stablelist = null;
        using var progress = new ProgressBar(stderr, "reading modules", ProgressBar.StderrIsTerminal(stderr));
        Parallel.Invoke(
            () => Parallel.For(0, kernelSources.Count, i =>
            {
                try
                {
                    kernels[i] = KernelSourceReader.ReadAll(kernelSources[i], new KernelSourceOptions(release, log));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    kernelErrors[i] = new SourceError(kernelSources[i], ModuleSetReader.Describe(kernelSources[i], e));
                }
            }),
            () => modules = ModuleSetReader.Read(moduleSources, log, progress),
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
        errors.InsertRange(0, kernelErrors.OfType<SourceError>());
        errors.AddRange(modules!.Errors);
        return new LoadedInputs(kernels.OfType<IReadOnlyList<KernelAbi>>().SelectMany(k => k).ToList(), modules.Modules, stablelist, errors, modules.Warnings);
    }

    public static void ReportErrors(LoadedInputs inputs, TextWriter stderr)
    {
        foreach (var error in inputs.Errors)
            stderr.WriteLine($"kabigate: ERROR: {error.Message}");
        foreach (var warning in inputs.Warnings)
            stderr.WriteLine($"kabigate: WARNING: {warning.Message}");
    }
}

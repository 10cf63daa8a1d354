using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Operations;

/// <summary>What <c>why</c> is asked: the whole reasoning behind one module's verdict on each kernel.</summary>
/// <param name="Module">The module file, or the name of a module among <paramref name="With"/>.</param>
/// <param name="Kernels">Kernel sources.</param>
/// <param name="With">Other module sources loaded with it.</param>
/// <param name="Release">The kernel release, when the kernel source does not tell it.</param>
/// <param name="Stablelist">A stablelist, or null.</param>
public sealed record WhyRequest(string Module, IReadOnlyList<string> Kernels, IReadOnlyList<string> With, string? Release = null, string? Stablelist = null);

/// <summary>The module and its explained verdict on each kernel.</summary>
/// <param name="Module">The module, or null when it was not found.</param>
/// <param name="Verdicts">Its verdict on each kernel, with every import explained.</param>
/// <param name="Errors">Inputs that could not be read, and a module that was not found.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record WhyResult(ModuleImage? Module, IReadOnlyList<Verdict> Verdicts, IReadOnlyList<SourceError> Errors, CheckOutcome Outcome);

/// <summary><c>why</c>: one module's verdicts with vermagic, loader options, every problem and every import.</summary>
public static class WhyOperation
{
    /// <summary>Reads the inputs and explains the module's verdict on every kernel.</summary>
    public static WhyResult Run(WhyRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var isFile = File.Exists(request.Module) || request.Module.StartsWith(AptCache.Prefix, StringComparison.Ordinal);
        var sources = isFile ? request.With.Prepend(request.Module).ToList() : request.With.ToList();
        var inputs = SourceInputs.Load(request.Kernels, sources, request.Release, request.Stablelist, log);
        var target = isFile
            ? inputs.Modules.FirstOrDefault(m => m.Path == request.Module || m.Path.StartsWith(request.Module + "!", StringComparison.Ordinal))
            : inputs.Modules.FirstOrDefault(m => m.Name == ModuleNames.Normalize(request.Module));
        if (target is null)
        {
            var errors = inputs.Errors.Count > 0 ? inputs.Errors
                : [new SourceError(request.Module, $"{request.Module}: no such module file, and no module of that name among --with")];
            return new WhyResult(null, [], errors, CheckOutcome.InputError);
        }
        var report = CompatibilityEngine.Check(inputs.Kernels, inputs.Modules, new CheckOptions(inputs.Stablelist, Explain: true));
        var index = inputs.Modules.ToList().IndexOf(target);
        var verdicts = Enumerable.Range(0, inputs.Kernels.Count).Select(k => report[index, k]).ToList();
        var outcome = inputs.Errors.Count > 0 || inputs.Kernels.Count == 0 ? CheckOutcome.InputError
            : verdicts.All(v => v.Loads) ? CheckOutcome.AllLoad : CheckOutcome.SomeFail;
        return new WhyResult(target, verdicts, inputs.Errors, outcome);
    }
}

using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Operations;

/// <summary>What <c>check</c> is asked: do these modules (loaded together) load on each of these kernels?</summary>
/// <param name="Kernels">Kernel sources.</param>
/// <param name="Modules">Module sources.</param>
/// <param name="Release">The kernel release, when a single kernel source does not tell it.</param>
/// <param name="Stablelist">A stablelist marking each problem's symbol, or null.</param>
public sealed record CheckRequest(IReadOnlyList<string> Kernels, IReadOnlyList<string> Modules, string? Release = null, string? Stablelist = null);

/// <summary>How a check (or a why) came out.</summary>
public enum CheckOutcome
{
    /// <summary>Every module loads on every kernel.</summary>
    AllLoad,

    /// <summary>Some module does not load on some kernel.</summary>
    SomeFail,

    /// <summary>An input could not be read (the others still have their verdicts), or nothing was left to judge.</summary>
    InputError,
}

/// <summary>The verdicts, with the inputs that failed.</summary>
/// <param name="Report">The modules × kernels verdicts.</param>
/// <param name="Errors">The inputs that could not be read.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record CheckResult(CheckReport Report, IReadOnlyList<SourceError> Errors, CheckOutcome Outcome);

/// <summary><c>check</c>: decide, as the kernel's module loader would, whether each module loads on each kernel.</summary>
public static class CheckOperation
{
    /// <summary>Reads the inputs and judges every module on every kernel.</summary>
    /// <exception cref="OperationException">The request itself is wrong (<c>--release</c> with several kernels).</exception>
    public static CheckResult Run(CheckRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        if (request.Release is not null && request.Kernels.Count > 1)
            throw new OperationException("--release applies to a single --kernel");
        var inputs = SourceInputs.Load(request.Kernels, request.Modules, request.Release, request.Stablelist, log);
        log.Phase("read inputs");
        var report = CompatibilityEngine.Check(inputs.Kernels, inputs.Modules, new CheckOptions(inputs.Stablelist));
        log.Phase("check");
        var outcome = inputs.Errors.Count > 0 || inputs.Kernels.Count == 0 || inputs.Modules.Count == 0 ? CheckOutcome.InputError
            : report.AllLoad ? CheckOutcome.AllLoad : CheckOutcome.SomeFail;
        return new CheckResult(report, inputs.Errors, outcome);
    }
}

using System.Diagnostics;
using Kabigate.Abi;
using Kabigate.App.Inputs;

namespace Kabigate.App.Operations;

/// <summary>What <c>gate</c> is asked.</summary>
/// <param name="Kernels">The kernel builds under test: sources or stored releases.</param>
/// <param name="Kmods">Registered kmods: sources or stored kmods.</param>
/// <param name="Store">Every stored kmod is registered too.</param>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Policy">A policy file, or null.</param>
/// <param name="Stablelist">A stablelist (wins over the policy's), or null.</param>
public sealed record GateRequest(IReadOnlyList<string> Kernels, IReadOnlyList<string> Kmods, bool Store, string? Db, string? Policy = null, string? Stablelist = null);

/// <summary>How a gate came out.</summary>
public enum GateVerdict
{
    /// <summary>Every registered kmod loads, or has every problem tolerated or waived.</summary>
    Pass,

    /// <summary>Some kmod fails under the policy.</summary>
    Fail,
}

/// <summary>The gate's report.</summary>
/// <param name="Report">Every registered kmod on each kernel, judged.</param>
/// <param name="Policy">The policy.</param>
/// <param name="Stablelist">The stablelist, or null.</param>
/// <param name="Elapsed">How long the gate took (JUnit reports it).</param>
/// <param name="Verdict">How it came out.</param>
public sealed record GateResult(GateReport Report, Policy Policy, Stablelist? Stablelist, TimeSpan Elapsed, GateVerdict Verdict);

/// <summary><c>gate</c>: the CI gate for a kernel build. It fails closed: anything it cannot read is an error, never a pass.</summary>
public static class GateOperation
{
    /// <summary>Reads the kernels and kmods and judges every kmod on every kernel under the policy.</summary>
    /// <exception cref="OperationException">No kmods registered, or an input cannot be read: the gate cannot decide.</exception>
    public static GateResult Run(GateRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        if (request.Kmods.Count == 0 && !request.Store)
            throw new OperationException("no kmods registered: give --kmods, --store, or both");
        var clock = Stopwatch.StartNew();
        var (policy, list) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
        using var arguments = new KernelArguments(request.Db, log);
        var selection = arguments.Kmods(request.Kmods, request.Store);
        var errors = selection.Errors.ToList();
        var kernels = new List<KernelAbi>();
        foreach (var kernel in request.Kernels)
        {
            try
            {
                kernels.Add(arguments.Kernel(kernel));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(e.Message);
            }
        }
        if (errors.Count > 0)
            throw new OperationException([.. errors, "the gate cannot decide; failing closed"]);
        if (selection.Kmods.Count == 0)
            throw new OperationException("the registered sources hold no kmods; failing closed");
        var evaluation = policy.Evaluate(DateOnly.FromDateTime(DateTime.UtcNow));
        var report = Abi.Gate.Evaluate(kernels, selection.Kmods, selection.Sources, evaluation, list);
        foreach (var warning in evaluation.UnusedWarnings())
            log.Lint(warning);
        return new GateResult(report, policy, list, clock.Elapsed, report.Passes ? GateVerdict.Pass : GateVerdict.Fail);
    }
}

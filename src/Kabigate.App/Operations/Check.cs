using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Formats;
using Kabigate.Formats.Signing;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Operations;

/// <summary>What <c>check</c> is asked: do these modules (loaded together) load on each of these kernels?</summary>
/// <param name="Kernels">Kernel sources.</param>
/// <param name="Modules">Module sources.</param>
/// <param name="Release">The kernel release, when a single kernel source does not tell it.</param>
/// <param name="Stablelist">A stablelist marking each problem's symbol, or null.</param>
/// <param name="TrustedCertificates">
/// X.509 certificate files (DER or PEM) holding the keys the kernels trust for module signatures; empty to leave
/// signatures unjudged.
/// </param>
/// <param name="EnforceSignatures">The kernels enforce signatures (module.sig_enforce=1, lockdown): refuse rather than taint.</param>
public sealed record CheckRequest(IReadOnlyList<string> Kernels, IReadOnlyList<string> Modules, string? Release = null, string? Stablelist = null,
    IReadOnlyList<string>? TrustedCertificates = null, bool EnforceSignatures = false);

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
        var trusted = ReadTrustedKeys(request.TrustedCertificates ?? [], request.EnforceSignatures);
        var inputs = SourceInputs.Load(request.Kernels, request.Modules, request.Release, request.Stablelist, log);
        log.Phase("read inputs");
        var signatures = trusted is null ? null : Signatures(trusted, inputs.Modules, request.EnforceSignatures);
        var report = CompatibilityEngine.Check(inputs.Kernels, inputs.Modules, new CheckOptions(inputs.Stablelist, Signatures: signatures));
        log.Phase("check");
        var outcome = inputs.Errors.Count > 0 || inputs.Kernels.Count == 0 || inputs.Modules.Count == 0 ? CheckOutcome.InputError
            : report.AllLoad ? CheckOutcome.AllLoad : CheckOutcome.SomeFail;
        return new CheckResult(report, inputs.Errors, outcome);
    }

    /// <summary>The trusted certificates, read before anything else so that a bad one fails fast; null when none are given.</summary>
    /// <exception cref="OperationException">Enforcement without certificates, or a certificate file that cannot be read.</exception>
    internal static TrustedKeys? ReadTrustedKeys(IReadOnlyList<string> paths, bool enforce)
    {
        if (paths.Count == 0)
            return enforce ? throw new OperationException("--enforce-signatures needs --trusted-cert FILE: the certificates whose keys the kernel trusts") : null;
        try
        {
            return TrustedKeys.Read(paths);
        }
        catch (Exception e) when (e is ModuleFormatException or IOException or UnauthorizedAccessException)
        {
            throw new OperationException($"--trusted-cert: {e.Message}");
        }
    }

    /// <summary>Each module's signature checked against the trusted keys (in parallel: RSA verification is the cost).</summary>
    internal static SignaturePolicy Signatures(TrustedKeys trusted, IReadOnlyList<ModuleImage> modules, bool enforce)
    {
        var verdicts = new SignatureVerdict[modules.Count];
        Parallel.For(0, modules.Count, m => verdicts[m] = trusted.Check(modules[m]));
        var byModule = new Dictionary<ModuleImage, SignatureVerdict>(modules.Count, ReferenceEqualityComparer.Instance);
        for (var m = 0; m < modules.Count; m++)
            byModule[modules[m]] = verdicts[m];
        return new SignaturePolicy(enforce, byModule);
    }
}

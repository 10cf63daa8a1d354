namespace Kabigate.Abi;

/// <summary>Options of a compatibility check.</summary>
/// <param name="Stablelist">Marks each problem's symbol as stablelisted or not; null for no list.</param>
/// <param name="Explain">Keep how every import resolved in <see cref="Verdict.Imports"/> (for <c>why</c>).</param>
/// <param name="Signatures">The signature rules (trusted keys, enforcement), or null to leave signatures unjudged.</param>
public sealed record CheckOptions(Stablelist? Stablelist = null, bool Explain = false, SignaturePolicy? Signatures = null);

/// <summary>The verdicts of a module set on a list of kernels: a modules × kernels matrix.</summary>
public sealed class CheckReport
{
    private readonly Verdict[] _verdicts;

    internal CheckReport(IReadOnlyList<KernelAbi> kernels, IReadOnlyList<ModuleImage> modules, Verdict[] verdicts)
    {
        Kernels = kernels;
        Modules = modules;
        _verdicts = verdicts;
    }

    /// <summary>The kernels, in the order given.</summary>
    public IReadOnlyList<KernelAbi> Kernels { get; }

    /// <summary>The modules, in the order given.</summary>
    public IReadOnlyList<ModuleImage> Modules { get; }

    /// <summary>The verdict of module <paramref name="module"/> on kernel <paramref name="kernel"/> (indices into the lists).</summary>
    public Verdict this[int module, int kernel] => _verdicts[(module * Kernels.Count) + kernel];

    /// <summary>Every verdict, module by module, kernels in order within each.</summary>
    public IReadOnlyList<Verdict> Verdicts => _verdicts;

    /// <summary>Whether every module loads on every kernel.</summary>
    public bool AllLoad => _verdicts.All(v => v.Loads);
}

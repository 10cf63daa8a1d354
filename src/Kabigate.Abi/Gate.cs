namespace Kabigate.Abi;

/// <summary>One problem of a kmod on a kernel, as the policy judged it.</summary>
/// <param name="Problem">The loader's finding.</param>
/// <param name="Judgement">What the policy says.</param>
public sealed record GateProblem(Problem Problem, Judgement Judgement);

/// <summary>How a kmod fares on a kernel under the gate.</summary>
public enum GateOutcome : byte
{
    /// <summary>A build of the kmod loads.</summary>
    Loads,

    /// <summary>No build loads, but the policy tolerates or waives every problem of one of them.</summary>
    Tolerated,

    /// <summary>No build loads, and the policy fails a problem of each.</summary>
    Fails,
}

/// <summary>One gate test case: a kmod (all its builds) on one kernel.</summary>
/// <param name="Kmod">The kmod's name.</param>
/// <param name="Kernel">The kernel.</param>
/// <param name="Outcome">The outcome.</param>
/// <param name="Build">The build the outcome is about: one that loads (or is tolerated), else the one with fewest failing problems.</param>
/// <param name="Builds">How many builds of the kmod were tried.</param>
/// <param name="Problems">The problems of <paramref name="Build"/>, judged.</param>
/// <param name="Warnings">The loader's warnings for <paramref name="Build"/>.</param>
public sealed record GateCase(string Kmod, KernelAbi Kernel, GateOutcome Outcome, ModuleImage Build, int Builds, IReadOnlyList<GateProblem> Problems, IReadOnlyList<Problem> Warnings)
{
    /// <summary>Whether the case passes the gate.</summary>
    public bool Passes => Outcome != GateOutcome.Fails;
}

/// <summary>The gate's verdict on kernels: every registered kmod on each.</summary>
/// <param name="Kernels">The kernels, in the order given.</param>
/// <param name="Cases">One case per kernel and kmod name, kernel-major, kmods by name.</param>
public sealed record GateReport(IReadOnlyList<KernelAbi> Kernels, IReadOnlyList<GateCase> Cases)
{
    /// <summary>Whether every case passes.</summary>
    public bool Passes => Cases.All(c => c.Passes);

    /// <summary>Whether every case on <paramref name="kernel"/> passes.</summary>
    public bool KernelPasses(KernelAbi kernel) => Cases.Where(c => ReferenceEquals(c.Kernel, kernel)).All(c => c.Passes);
}

/// <summary>
/// The CI gate for kernel builds: each registered kmod must load on each kernel, or have every problem tolerated
/// by the policy's severity rules or waived. A kmod is registered by name; several builds of it (for several
/// kernels) may be registered, and it passes when one of them does.
/// </summary>
public static class Gate
{
    /// <summary>Judges every kmod on every kernel.</summary>
    /// <param name="kernels">The kernels under test.</param>
    /// <param name="kmods">The kmods.</param>
    /// <param name="sources">Where each kmod came from: kmods of one source are loaded together and satisfy each other's imports (see <see cref="CheckBySource"/>).</param>
    /// <param name="policy">The policy evaluation (it records which rules and waivers were used).</param>
    /// <param name="stablelist">Marks problems' symbols as stablelisted, or null.</param>
    public static GateReport Evaluate(IReadOnlyList<KernelAbi> kernels, IReadOnlyList<ModuleImage> kmods, IReadOnlyList<string> sources, PolicyEvaluation policy, Stablelist? stablelist)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(kmods);
        ArgumentNullException.ThrowIfNull(policy);
        var rows = CheckBySource(kernels, kmods, sources, new CheckOptions(stablelist));
        var verdicts = kmods.Select((m, i) => (Module: m, PerKernel: rows[i])).ToList();
        var cases = new List<GateCase>();
        for (int k = 0; k < kernels.Count; k++)
        {
            foreach (var builds in verdicts.GroupBy(v => v.Module.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                GateCase? best = null;
                foreach (var (module, perKernel) in builds)
                {
                    var candidate = Judge(builds.Key, kernels[k], module, perKernel[k], builds.Count(), policy);
                    if (best is null || Rank(candidate).CompareTo(Rank(best)) < 0)
                        best = candidate;
                }
                cases.Add(best!);
            }
        }
        return new GateReport(kernels, cases);
    }

    /// <summary>
    /// The verdicts of kmods that came from several sources. Kmods of one source (a package, a driver disk, a build
    /// directory) are loaded together, so they satisfy each other's imports as they would on a machine; kmods from
    /// different sources, often builds of one module for different kernels, are judged apart, and a source is split
    /// wherever two of its kmods share a name (see <see cref="GroupBySource"/>). The kernels' tables are built once
    /// for every group.
    /// </summary>
    /// <param name="kernels">The kernels.</param>
    /// <param name="kmods">The kmods.</param>
    /// <param name="sources">Where each kmod came from, index for index.</param>
    /// <param name="options">The engine's options.</param>
    /// <returns>The verdicts, indexed [kmod][kernel].</returns>
    public static Verdict[][] CheckBySource(IReadOnlyList<KernelAbi> kernels, IReadOnlyList<ModuleImage> kmods, IReadOnlyList<string> sources, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(kmods);
        return CompatibilityEngine.CheckSets(kernels, kmods, GroupBySource(kmods, sources), options);
    }

    /// <summary>
    /// Groups kmods by where they came from, so each group is what one package or directory installs; a group is
    /// split where two kmods share a name (two builds of one module are never loaded together).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> GroupBySource(IReadOnlyList<ModuleImage> kmods, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(kmods);
        ArgumentNullException.ThrowIfNull(sources);
        var groups = new List<IReadOnlyList<int>>();
        foreach (var bySource in Enumerable.Range(0, kmods.Count).GroupBy(i => sources[i], StringComparer.Ordinal))
        {
            var open = new List<(HashSet<string> Names, List<int> Members)>();
            foreach (var i in bySource)
            {
                var slot = open.FirstOrDefault(g => !g.Names.Contains(kmods[i].Name));
                if (slot.Members is null)
                {
                    slot = (new HashSet<string>(StringComparer.Ordinal), new List<int>());
                    open.Add(slot);
                }
                slot.Names.Add(kmods[i].Name);
                slot.Members.Add(i);
            }
            groups.AddRange(open.Select(g => (IReadOnlyList<int>)g.Members));
        }
        return groups;
    }

    /// <summary>
    /// Every kernel symbol the loader's rules read for these modules: what they import, what they export (a duplicate
    /// export is a refusal) and <c>module_layout</c>. A kernel ABI narrowed to these gives the same verdicts.
    /// </summary>
    public static HashSet<string> SymbolsJudged(IEnumerable<ModuleImage> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        var symbols = new HashSet<string>(StringComparer.Ordinal) { "module_layout" };
        foreach (var module in modules)
        {
            foreach (var import in module.Imports)
                symbols.Add(import.Symbol);
            foreach (var export in module.Exports)
                symbols.Add(export.Symbol);
        }
        return symbols;
    }

    private static GateCase Judge(string name, KernelAbi kernel, ModuleImage module, Verdict verdict, int builds, PolicyEvaluation policy)
    {
        if (verdict.Loads)
            return new GateCase(name, kernel, GateOutcome.Loads, module, builds, [], verdict.Warnings);
        var judged = verdict.Problems.Select(p =>
        {
            string? exporter = p.Exporter, ns = null;
            if (p.Symbol is not null && kernel.TryGetExport(p.Symbol, out var export))
            {
                exporter ??= export.Module;
                ns = export.Namespace;
            }
            return new GateProblem(p, policy.Judge(p.Symbol, exporter, ns, p.Stablelisted == true, name));
        }).ToList();
        var outcome = judged.Any(j => j.Judgement.Fails) ? GateOutcome.Fails : GateOutcome.Tolerated;
        return new GateCase(name, kernel, outcome, module, builds, judged, verdict.Warnings);
    }

    private static (int, int) Rank(GateCase c) => ((int)c.Outcome, c.Problems.Count(p => p.Judgement.Fails));
}

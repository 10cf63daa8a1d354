namespace Kabigate.Abi;

/// <summary>
/// Decides which out-of-tree modules each installed kernel may use from other kernels, through symbolic links in
/// its <c>weak-updates/</c> directory, by the rules of RHEL's weak-modules and SUSE's weak-modules2:
/// <list type="bullet">
/// <item>every module below a kernel's <c>extra/</c> or <c>updates/</c> is a candidate for every other kernel of the same flavour that has a symvers;</item>
/// <item>a kernel's own module of that name wins, and among several kernels' builds the newest kernel's compatible one wins;</item>
/// <item>modules of one kernel that need each other (symbols or <c>depends=</c>) form a group that links whole or not at all;</item>
/// <item>compatible means the loader accepts it (<see cref="WeakUpdatesRules.Loader"/>) or depmod -aeE finds nothing (<see cref="WeakUpdatesRules.Depmod"/>); both verdicts are kept.</item>
/// </list>
/// Pure: the tree is read by the caller, and the plan says what to link and unlink.
/// </summary>
public static partial class WeakUpdates
{
    /// <summary>The stable JSON name of an action.</summary>
    public static string ToJsonName(this WeakAction action) => action switch
    {
        WeakAction.Link => "link",
        WeakAction.Keep => "keep",
        WeakAction.Remove => "remove",
        _ => "skip",
    };

    /// <summary>The stable JSON name of a reason.</summary>
    public static string ToJsonName(this WeakReason reason) => reason switch
    {
        WeakReason.Compatible => "compatible",
        WeakReason.Incompatible => "incompatible",
        WeakReason.GroupIncompatible => "group-incompatible",
        WeakReason.OwnModule => "own-module",
        WeakReason.Superseded => "superseded",
        WeakReason.OtherFlavour => "other-flavour",
        WeakReason.Dangling => "dangling",
        WeakReason.Duplicate => "duplicate",
        _ => "foreign",
    };

    /// <summary>The link weak-modules makes for a module: <c>weak-updates/</c> plus its path below <c>extra/</c> or <c>updates/</c>.</summary>
    public static string LinkPathFor(InstalledModule module)
    {
        var slash = module.Path.IndexOf('/', StringComparison.Ordinal);
        return "weak-updates/" + (slash < 0 ? module.Path : module.Path[(slash + 1)..]);
    }

    /// <summary>
    /// What <c>depmod -aeE symvers</c> reports for a module, from a verdict checked with
    /// <see cref="CheckOptions.Explain"/>: every non-weak import nobody exports ("needs unknown symbol"), every
    /// import whose exporter's CRC differs from the module's, a missing CRC counting as 0 ("disagrees about version
    /// of symbol"), and module_layout. depmod looks at neither licences, namespaces nor vermagic.
    /// </summary>
    /// <exception cref="ArgumentException">The verdict was checked without <see cref="CheckOptions.Explain"/>.</exception>
    public static IReadOnlyList<Problem> DepmodFindings(Verdict verdict)
    {
        var imports = verdict.Imports ?? throw new ArgumentException("the verdict was checked without Explain", nameof(verdict));
        List<Problem>? findings = null;
        foreach (var import in imports)
        {
            if (import.Weak)
                continue;
            if (import.ExporterKind == ExporterKind.None)
                (findings ??= []).Add(new Problem(ProblemKind.UnknownSymbol, verdict.Module.Name, import.Symbol, null, import.ModuleCrc));
            else if ((import.ExporterCrc ?? 0) != (import.ModuleCrc ?? 0))
                (findings ??= []).Add(new Problem(ProblemKind.CrcMismatch, verdict.Module.Name, import.Symbol, import.ExporterCrc, import.ModuleCrc, import.Exporter, From: import.ExporterKind));
        }
        foreach (var problem in verdict.Problems)
        {
            if (problem.Kind == ProblemKind.CrcMismatch && problem.Symbol == "module_layout")
                (findings ??= []).Add(problem);
        }
        return findings ?? (IReadOnlyList<Problem>)[];
    }

    /// <summary>Decides, for every kernel that can be a target, which modules of the other kernels to link.</summary>
    /// <param name="kernels">Every installed kernel.</param>
    /// <param name="options">The rule that decides.</param>
    /// <returns>The plan.</returns>
    public static WeakUpdatesPlan Plan(IReadOnlyList<InstalledKernel> kernels, WeakUpdatesOptions? options = null)
    {
        options ??= new WeakUpdatesOptions();
        var warnings = new List<string>();
        var ordered = kernels.OrderBy(k => k.Release, StringComparer.Ordinal).ToList();
        foreach (var kernel in ordered.Where(k => !k.IsTarget))
            warnings.Add($"{kernel.Release}: not a target: {kernel.NotTargetReason}; its weak-updates/ is left alone");

        // One check per kernel that provides modules, over every kernel its modules may go to: the modules of one
        // kernel satisfy each other's imports, the builds of several kernels must not.
        var providers = ordered.Where(k => k.Modules.Count > 0).OrderByDescending(k => k.Release, ReleaseComparer).ToList();
        var checks = new Dictionary<string, ProviderCheck>(StringComparer.Ordinal);
        foreach (var provider in providers)
            checks[provider.Release] = ProviderCheck.Create(provider, ordered, warnings);

        var decisions = new List<WeakDecision>();
        foreach (var target in ordered.Where(k => k.IsTarget))
            decisions.AddRange(new TargetSelection(target, providers, checks, options.Rules).Run());
        var sorted = decisions
            .Select((d, i) => (d, i))
            .OrderBy(x => x.d.Kernel, StringComparer.Ordinal)
            .ThenBy(x => x.d.Module, StringComparer.Ordinal)
            .ThenBy(x => x.i)
            .Select(x => x.d)
            .ToList();
        return new WeakUpdatesPlan(options.Rules, ordered, sorted, warnings);
    }

    /// <summary>Whether a module installed for <paramref name="provider"/> may go to <paramref name="target"/> at all.</summary>
    public static bool SameFlavour(string provider, string target) => Flavour(provider) == Flavour(target);

    /// <summary>One provider's modules checked on every target of its flavour, and how they depend on each other.</summary>
    private sealed class ProviderCheck
    {
        public required InstalledKernel Provider { get; init; }

        /// <summary>Its modules, one per name (updates/ before extra/, as depmod's search order has it).</summary>
        public required IReadOnlyList<InstalledModule> Candidates { get; init; }

        /// <summary>For each candidate, the candidates it needs directly (symbols it imports, depends=).</summary>
        public required HashSet<int>[] Needs { get; init; }

        /// <summary>
        /// The groups, as weak-modules' make_groups forms them from modules.dep: each module that no other needs,
        /// with everything it needs, directly or not (a cycle nobody needs is one group). A module needed by
        /// several is in several groups.
        /// </summary>
        public required IReadOnlyList<int[]> Groups { get; init; }

        public required Dictionary<string, int> TargetIndex { get; init; }
        public required CheckReport? Report { get; init; }

        public static ProviderCheck Create(InstalledKernel provider, IReadOnlyList<InstalledKernel> kernels, List<string> warnings)
        {
            var candidates = new List<InstalledModule>();
            var names = new Dictionary<string, InstalledModule>(StringComparer.Ordinal);
            foreach (var module in provider.Modules.OrderBy(m => m.Path.StartsWith("updates/", StringComparison.Ordinal) ? 0 : 1).ThenBy(m => m.Path, StringComparer.Ordinal))
            {
                if (names.TryGetValue(module.Name, out var first))
                {
                    warnings.Add($"{provider.Release}: module {module.Name} is installed twice ({first.Path}, {module.Path}): {first.Path} is the one linked");
                    continue;
                }
                names[module.Name] = module;
                candidates.Add(module);
            }

            var needs = Dependencies(candidates);
            var targets = kernels.Where(k => k.IsTarget && k.Release != provider.Release && SameFlavour(provider.Release, k.Release)).ToList();
            var report = targets.Count == 0 ? null
                : CompatibilityEngine.Check([.. targets.Select(t => t.Abi!)], [.. candidates.Select(c => c.Image)], new CheckOptions(Explain: true));
            return new ProviderCheck
            {
                Provider = provider,
                Candidates = candidates,
                Needs = needs,
                Groups = MakeGroups(needs),
                TargetIndex = targets.Select((t, i) => (t.Release, i)).ToDictionary(x => x.Release, x => x.i, StringComparer.Ordinal),
                Report = report,
            };
        }

        private static HashSet<int>[] Dependencies(IReadOnlyList<InstalledModule> candidates)
        {
            var exporter = new Dictionary<string, int>(StringComparer.Ordinal);
            var byName = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < candidates.Count; i++)
            {
                byName[candidates[i].Name] = i;
                foreach (var export in candidates[i].Image.Exports)
                    exporter.TryAdd(export.Symbol, i);
            }
            var needs = new HashSet<int>[candidates.Count];
            for (var i = 0; i < candidates.Count; i++)
            {
                needs[i] = [];
                var image = candidates[i].Image;
                foreach (var import in image.Imports)
                {
                    if (!import.Weak && exporter.TryGetValue(import.Symbol, out var j) && j != i)
                        needs[i].Add(j);
                }
                foreach (var name in image.Depends)
                {
                    if (byName.TryGetValue(name, out var j) && j != i)
                        needs[i].Add(j);
                }
            }
            return needs;
        }

        private static List<int[]> MakeGroups(HashSet<int>[] needs)
        {
            var needed = new bool[needs.Length];
            foreach (var set in needs)
            {
                foreach (var j in set)
                    needed[j] = true;
            }
            var groups = new List<int[]>();
            var covered = new bool[needs.Length];
            foreach (var tops in new[] { true, false })
            {
                for (var i = 0; i < needs.Length; i++)
                {
                    if ((tops && needed[i]) || (!tops && covered[i]))
                        continue;
                    var closure = new SortedSet<int> { i };
                    var queue = new Queue<int>([i]);
                    while (queue.TryDequeue(out var m))
                    {
                        foreach (var j in needs[m])
                        {
                            if (closure.Add(j))
                                queue.Enqueue(j);
                        }
                    }
                    foreach (var m in closure)
                        covered[m] = true;
                    groups.Add([.. closure]);
                }
            }
            return groups;
        }
    }
}

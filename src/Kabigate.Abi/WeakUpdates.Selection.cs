namespace Kabigate.Abi;

public static partial class WeakUpdates
{
    /// <summary>A module's judgement on one target: the loader's verdict and depmod's findings.</summary>
    private sealed record Judgement(Verdict Verdict, IReadOnlyList<Problem> Depmod)
    {
        /// <summary>The loader's refusals of the module itself, not those it inherits from modules it needs.</summary>
        public bool LoaderOk => Verdict.Problems.All(p => p.Kind == ProblemKind.DependencyFails);

        public bool DepmodOk => Depmod.Count == 0;

        public bool Ok(WeakUpdatesRules rules) => rules == WeakUpdatesRules.Loader ? LoaderOk : DepmodOk;
    }

    /// <summary>
    /// The decisions for one target kernel, made the way weak-modules --add-kernel walks the other kernels: newest
    /// first, each one's groups in turn, a name taken by the kernel's own module or by an earlier link not offered again.
    /// </summary>
    private sealed class TargetSelection(InstalledKernel target, IReadOnlyList<InstalledKernel> providers, Dictionary<string, ProviderCheck> checks, WeakUpdatesRules rules)
    {
        private readonly List<WeakDecision> _rows = [];
        private readonly Dictionary<string, (WeakReason Reason, string By)> _taken = new(StringComparer.Ordinal);
        private readonly List<InstalledModule> _linked = [];
        private readonly Dictionary<string, InstalledModule> _linkedExports = new(StringComparer.Ordinal);
        private readonly Dictionary<InstalledModule, List<WeakLink>> _existing = [];
        private readonly HashSet<InstalledModule> _decided = [];

        public List<WeakDecision> Run()
        {
            foreach (var module in target.Modules)
                _taken.TryAdd(module.Name, (WeakReason.OwnModule, target.Release));
            foreach (var link in target.Links.OrderBy(l => l.Path, StringComparer.Ordinal))
            {
                switch (link.State)
                {
                    case WeakLinkState.Module:
                        if (!_existing.TryGetValue(link.Module!, out var list))
                            _existing[link.Module!] = list = [];
                        list.Add(link);
                        break;
                    case WeakLinkState.Dangling:
                        _rows.Add(Row(link.Name, WeakAction.Remove, WeakReason.Dangling, null, link.Path, link.Target));
                        break;
                    default:
                        _taken.TryAdd(link.Name, (WeakReason.OwnModule, target.Release));
                        _rows.Add(Row(link.Name, WeakAction.Keep, WeakReason.Foreign, null, link.Path, link.Target));
                        break;
                }
            }

            foreach (var provider in providers)
            {
                if (provider.Release != target.Release)
                    Offer(checks[provider.Release]);
            }

            // Links to modules no provider offered: the target's own, or a second copy of a name.
            foreach (var (module, links) in _existing)
            {
                if (_decided.Contains(module))
                    continue;
                var reason = module.Release == target.Release ? WeakReason.OwnModule : WeakReason.Duplicate;
                foreach (var link in links)
                    _rows.Add(Row(module.Name, WeakAction.Remove, reason, module, link.Path, module.SystemPath, reason == WeakReason.OwnModule ? target.Release : null));
            }
            return _rows;
        }

        private void Offer(ProviderCheck check)
        {
            if (!check.TargetIndex.TryGetValue(target.Release, out var k))
            {
                foreach (var module in check.Candidates)
                    Decide(module, false, WeakReason.OtherFlavour, null, [], null);
                return;
            }
            var pending = new SortedSet<int>();
            for (var i = 0; i < check.Candidates.Count; i++)
            {
                var module = check.Candidates[i];
                if (_taken.TryGetValue(module.Name, out var taken))
                    Decide(module, false, taken.Reason, taken.By, [], null);
                else
                    pending.Add(i);
            }

            // weak-modules' discard_installed: a group is offered without the names already taken. A module links
            // when one of its groups is compatible as a whole; the order of the groups does not change that.
            var shared = new Dictionary<int, Judgement>();
            var outcome = new Dictionary<int, (bool Linked, string? Failing, int[] Group, Judgement Judgement)>();
            foreach (var group in check.Groups.Select(g => g.Where(pending.Contains).ToArray()).Where(g => g.Length > 0).DistinctBy(g => string.Join(',', g)))
            {
                var judgements = NeedsRecheck(check, k, group)
                    ? Recheck(check, group)
                    : [.. group.Select(i => shared.TryGetValue(i, out var j) ? j : shared[i] = Judgement(check.Report![i, k]))];
                var failing = group.Where((_, n) => !judgements[n].Ok(rules)).Select(i => check.Candidates[i].Name).FirstOrDefault();
                for (var n = 0; n < group.Length; n++)
                {
                    if (!outcome.TryGetValue(group[n], out var known) || (!known.Linked && failing is null))
                        outcome[group[n]] = (failing is null, failing, group, judgements[n]);
                }
            }

            foreach (var i in pending)
            {
                var module = check.Candidates[i];
                var (linked, failing, group, judgement) = outcome[i];
                var names = group.Length > 1 ? group.Select(g => check.Candidates[g].Name).ToArray() : [];
                if (linked)
                {
                    _taken[module.Name] = (WeakReason.Superseded, check.Provider.Release);
                    _linked.Add(module);
                    foreach (var export in module.Image.Exports)
                        _linkedExports.TryAdd(export.Symbol, module);
                    Decide(module, true, WeakReason.Compatible, null, names, judgement);
                }
                else
                {
                    var reason = judgement.Ok(rules) ? WeakReason.GroupIncompatible : WeakReason.Incompatible;
                    Decide(module, false, reason, reason == WeakReason.GroupIncompatible ? failing : null, names, judgement);
                }
            }
        }

        /// <summary>
        /// Whether the shared check judged a group against the wrong modules: one of them needs a module of its
        /// kernel whose name this target takes from elsewhere (its own, or a newer kernel's link), or an import is
        /// unknown that a module linked here exports.
        /// </summary>
        private bool NeedsRecheck(ProviderCheck check, int k, int[] group)
        {
            foreach (var i in group)
            {
                if (check.Needs[i].Any(j => Array.BinarySearch(group, j) < 0))
                    return true;
                if (_linkedExports.Count > 0 && check.Report![i, k].Imports!.Any(r => r.ExporterKind == ExporterKind.None && _linkedExports.ContainsKey(r.Symbol)))
                    return true;
            }
            return false;
        }

        /// <summary>Checks the group alone on the target as it stands: its own modules and what is linked so far.</summary>
        private Judgement[] Recheck(ProviderCheck check, int[] group)
        {
            var abi = target.Abi!;
            var linked = _linked.SelectMany(m => m.Image.Exports.Select(e =>
                new KernelExport(e.Symbol, e.Crc, LinkPathFor(m)[..^ModuleSuffix(m.Path).Length], e.Kind, e.Namespace)));
            var view = new KernelAbi(abi.Release, abi.Exports.Values.Concat(linked), abi.Source, abi.Vermagic, abi.VermagicUnknownReason, abi.Loader, abi.ExportKindsUnknownReason);
            var report = CompatibilityEngine.Check([view], [.. group.Select(i => check.Candidates[i].Image)], new CheckOptions(Explain: true));
            return [.. report.Verdicts.Select(Judgement)];
        }

        private static string ModuleSuffix(string path)
        {
            var ko = path.LastIndexOf(".ko", StringComparison.Ordinal);
            return ko < 0 ? "" : path[ko..];
        }

        private static Judgement Judgement(Verdict verdict) => new(verdict, DepmodFindings(verdict));

        /// <summary>Records the decision about a candidate: against its existing links, if any.</summary>
        private void Decide(InstalledModule module, bool linked, WeakReason reason, string? because, IReadOnlyList<string> group, Judgement? judgement)
        {
            _decided.Add(module);
            // The link at the path weak-modules would make is the one kept, if there is one.
            var canonical = LinkPathFor(module);
            var links = _existing.TryGetValue(module, out var found) ? [.. found.OrderBy(l => l.Path == canonical ? 0 : 1)] : new List<WeakLink>();
            if (links.Count == 0)
            {
                _rows.Add(Row(module.Name, linked ? WeakAction.Link : WeakAction.Skip, reason, module, canonical, module.SystemPath, because, group, judgement));
                return;
            }
            for (var n = 0; n < links.Count; n++)
            {
                if (linked && n > 0)
                    _rows.Add(Row(module.Name, WeakAction.Remove, WeakReason.Duplicate, module, links[n].Path, module.SystemPath, links[0].Path, group, judgement));
                else
                    _rows.Add(Row(module.Name, linked ? WeakAction.Keep : WeakAction.Remove, reason, module, links[n].Path, module.SystemPath, because, group, judgement));
            }
        }

        private WeakDecision Row(
            string name, WeakAction action, WeakReason reason, InstalledModule? module, string linkPath, string? linkTarget,
            string? because = null, IReadOnlyList<string>? group = null, Judgement? judgement = null) =>
            new(target.Release, name, action, reason, module, linkPath, linkTarget, because, group ?? [],
                judgement?.LoaderOk, judgement?.DepmodOk,
                judgement?.Verdict.Problems ?? [], judgement?.Verdict.Warnings ?? [], judgement?.Depmod ?? []);
    }
}

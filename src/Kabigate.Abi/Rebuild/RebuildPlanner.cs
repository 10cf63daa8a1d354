namespace Kabigate.Abi.Rebuild;

/// <summary>An existing build of a recipe: modules built together for some kernel (a stored kmod set, a directory of .ko files).</summary>
/// <param name="Label">Where it came from (a path, a store source), shown in the plan.</param>
/// <param name="Modules">Its modules; they load together.</param>
public sealed record ExistingBuild(string Label, IReadOnlyList<ModuleImage> Modules);

/// <summary>A kernel a recipe should cover.</summary>
/// <param name="Kernel">The kernel's ABI.</param>
/// <param name="Headers">The headers directory to build against, or null when none was found for it.</param>
/// <param name="Excluded">Why the recipe excludes this kernel (DKMS <c>BUILD_EXCLUSIVE_*</c>), or null.</param>
public sealed record RebuildTarget(KernelAbi Kernel, string? Headers, string? Excluded);

/// <summary>An earlier failed build of the same recipe (same digest).</summary>
/// <param name="Releases">The kernels the failed build was for.</param>
/// <param name="Log">The full log it left.</param>
/// <param name="FirstError">The compiler's first error line, or null.</param>
public sealed record EarlierFailure(IReadOnlyList<string> Releases, string Log, string? FirstError);

/// <summary>What the planner knows of one recipe.</summary>
/// <param name="Recipe">The recipe's name.</param>
/// <param name="Builds">Its existing builds.</param>
/// <param name="Failures">Its earlier failures (of this digest).</param>
public sealed record RecipeHistory(string Recipe, IReadOnlyList<ExistingBuild> Builds, IReadOnlyList<EarlierFailure> Failures);

/// <summary>What the plan does for some kernels.</summary>
public enum PlanAction : byte
{
    /// <summary>An existing build already loads there by the loader's rules.</summary>
    Reuse,

    /// <summary>One build, against one member's headers, for every kernel of an ABI class.</summary>
    Build,

    /// <summary>Nothing can be built: no headers for any member, excluded by the recipe, or an earlier failure.</summary>
    Blocked,
}

/// <summary>One line of a plan.</summary>
/// <param name="Recipe">The recipe.</param>
/// <param name="Action">What is done.</param>
/// <param name="Kernels">The kernels it covers (a class's members, the kernels a build loads on, or the blocked ones).</param>
/// <param name="ClassKey">The ABI class key (<see cref="AbiClassKey"/>) for builds and blocked classes; null otherwise.</param>
/// <param name="BuildOn">For a build: the member whose headers it is built against.</param>
/// <param name="Headers">For a build: that member's headers directory.</param>
/// <param name="Reused">For a reuse: the build that loads.</param>
/// <param name="Reason">For a blocked item: why.</param>
/// <param name="Log">For a class blocked by an earlier failure: its log.</param>
public sealed record PlanItem(
    string Recipe, PlanAction Action, IReadOnlyList<KernelAbi> Kernels, string? ClassKey = null, KernelAbi? BuildOn = null,
    string? Headers = null, ExistingBuild? Reused = null, string? Reason = null, string? Log = null);

/// <summary>The plan of one recipe over the target kernels.</summary>
/// <param name="Recipe">The recipe.</param>
/// <param name="KeyBasis">What the class keys were computed from (an earlier build's imports, or the whole ABI).</param>
/// <param name="Items">Reuses first, then builds, then blocked items.</param>
public sealed record RecipePlan(string Recipe, string KeyBasis, IReadOnlyList<PlanItem> Items)
{
    /// <summary>How many builds the plan runs.</summary>
    public int Builds => Items.Count(i => i.Action == PlanAction.Build);

    /// <summary>How many target kernels it covers (reused or built for).</summary>
    public int Covered => Items.Where(i => i.Action != PlanAction.Blocked).Sum(i => i.Kernels.Count);

    /// <summary>Whether every target kernel is reused or built for.</summary>
    public bool CoversAll => Items.All(i => i.Action != PlanAction.Blocked);
}

/// <summary>
/// The fewest builds that cover every target kernel: a kernel on which an existing build already loads (the
/// loader's rules, through <see cref="Gate.CheckBySource"/>) is reused; the others are grouped into ABI classes
/// (<see cref="AbiClassKey"/>), one build each, against the headers of the first member that has them.
/// </summary>
public static class RebuildPlanner
{
    /// <summary>Plans one recipe.</summary>
    /// <param name="history">The recipe's existing builds and earlier failures.</param>
    /// <param name="targets">The kernels to cover, in the order given (the first member with headers is built on).</param>
    public static RecipePlan Plan(RecipeHistory history, IReadOnlyList<RebuildTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(targets);
        var items = new List<PlanItem>();
        var open = Reuse(history, targets, items);

        foreach (var excluded in open.Where(t => t.Excluded is not null).GroupBy(t => t.Excluded!, StringComparer.Ordinal))
            items.Add(new PlanItem(history.Recipe, PlanAction.Blocked, [.. excluded.Select(t => t.Kernel)], Reason: excluded.Key));

        var reference = history.Builds.SelectMany(b => b.Modules).ToList();
        var keyBasis = reference.Count > 0
            ? $"the imports of {history.Builds.Count} earlier build{(history.Builds.Count == 1 ? "" : "s")}"
            : "the whole ABI (never built: each distinct vermagic and export table is its own class)";
        var classes = open.Where(t => t.Excluded is null)
            .GroupBy(t => AbiClassKey.Of(t.Kernel, reference), StringComparer.Ordinal);
        var builds = new List<PlanItem>();
        var blocked = new List<PlanItem>();
        foreach (var members in classes)
        {
            var kernels = members.Select(t => t.Kernel).ToList();
            var failure = history.Failures.LastOrDefault(f => kernels.Any(k => f.Releases.Contains(k.Release, StringComparer.Ordinal)));
            if (failure is not null)
            {
                var why = failure.FirstError is null ? "failed before on this class" : $"failed before on this class: {failure.FirstError}";
                blocked.Add(new PlanItem(history.Recipe, PlanAction.Blocked, kernels, members.Key, Reason: why, Log: failure.Log));
                continue;
            }
            var buildOn = members.FirstOrDefault(t => t.Headers is not null);
            if (buildOn is null)
            {
                blocked.Add(new PlanItem(history.Recipe, PlanAction.Blocked, kernels, members.Key, Reason: "no headers for any member of the class"));
                continue;
            }
            builds.Add(new PlanItem(history.Recipe, PlanAction.Build, kernels, members.Key, buildOn.Kernel, buildOn.Headers));
        }
        items.AddRange(builds);
        items.AddRange(blocked);
        return new RecipePlan(history.Recipe, keyBasis, items);
    }

    /// <summary>Adds a reuse item per existing build that loads somewhere; returns the targets no build loads on.</summary>
    private static List<RebuildTarget> Reuse(RecipeHistory history, IReadOnlyList<RebuildTarget> targets, List<PlanItem> items)
    {
        if (history.Builds.Count == 0 || targets.Count == 0)
            return [.. targets];
        var kernels = targets.Select(t => t.Kernel).ToList();
        var modules = new List<ModuleImage>();
        var sources = new List<string>();
        var owner = new List<int>();
        for (int b = 0; b < history.Builds.Count; b++)
        {
            foreach (var module in history.Builds[b].Modules)
            {
                modules.Add(module);
                // One group per build: its modules load together, other builds' never with them.
                sources.Add($"{b}\0{history.Builds[b].Label}");
                owner.Add(b);
            }
        }
        var rows = Gate.CheckBySource(kernels, modules, sources);
        var reusedBy = new int[targets.Count];
        Array.Fill(reusedBy, -1);
        for (int k = 0; k < targets.Count; k++)
        {
            for (int b = 0; b < history.Builds.Count && reusedBy[k] < 0; b++)
            {
                bool any = false, all = true;
                for (int m = 0; m < modules.Count; m++)
                {
                    if (owner[m] != b)
                        continue;
                    any = true;
                    all &= rows[m][k].Loads;
                }
                if (any && all)
                    reusedBy[k] = b;
            }
        }
        for (int b = 0; b < history.Builds.Count; b++)
        {
            var loadsOn = Enumerable.Range(0, targets.Count).Where(k => reusedBy[k] == b).Select(k => kernels[k]).ToList();
            if (loadsOn.Count > 0)
                items.Add(new PlanItem(history.Recipe, PlanAction.Reuse, loadsOn, Reused: history.Builds[b]));
        }
        return [.. Enumerable.Range(0, targets.Count).Where(k => reusedBy[k] < 0).Select(k => targets[k])];
    }
}

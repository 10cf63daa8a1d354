using Kabigate.Abi;
using Kabigate.Abi.Rebuild;
using Kabigate.App.Inputs;
using Kabigate.Build;
using Kabigate.Formats;
using Kabigate.Formats.Recipes;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.App.Operations;

/// <summary>What <c>rebuild plan</c> (and <c>rebuild run</c>) is asked.</summary>
/// <param name="Recipes">Recipes named on the command line: a kbuild directory, a DKMS tree, a *-dkms .deb or apt:NAME.</param>
/// <param name="RecipesFile">A recipes file (TOML, [[recipe]] tables), or null.</param>
/// <param name="Kmods">Existing builds: module files or directories (one build per source), or stored kmods by name or glob.</param>
/// <param name="Kernels">Target kernels: sources (headers .deb or directory, symvers, apt:PACKAGE), or globs over stored releases.</param>
/// <param name="Headers">Headers directories to build against (besides /usr/src/linux-headers-R and /lib/modules/R/build).</param>
/// <param name="Db">The store, or null: then the store is read only when a kernel or kmod is named from it.</param>
public sealed record RebuildPlanRequest(
    IReadOnlyList<string> Recipes, string? RecipesFile, IReadOnlyList<string> Kmods, IReadOnlyList<string> Kernels,
    IReadOnlyList<string> Headers, string? Db);

/// <summary>How a plan came out.</summary>
public enum RebuildPlanOutcome
{
    /// <summary>Every target kernel of every recipe is reused or built for.</summary>
    Covered,

    /// <summary>Some target kernel is blocked.</summary>
    NotCovered,
}

/// <summary>The plan of one recipe, with the recipe as prepared.</summary>
/// <param name="Recipe">The recipe (its sources, digest, modules).</param>
/// <param name="Plan">Its plan.</param>
public sealed record RecipePlanEntry(PreparedRecipe Recipe, RecipePlan Plan);

/// <summary>The plans.</summary>
/// <param name="Recipes">One plan per recipe, in the order registered.</param>
/// <param name="Kernels">The target kernels.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record RebuildPlanResult(IReadOnlyList<RecipePlanEntry> Recipes, IReadOnlyList<KernelAbi> Kernels, RebuildPlanOutcome Outcome)
{
    /// <summary>How many builds the plans run.</summary>
    public int Builds => Recipes.Sum(r => r.Plan.Builds);

    /// <summary>How many (recipe, kernel) pairs they cover.</summary>
    public int Targets => Recipes.Count * Kernels.Count;
}

/// <summary>
/// <c>rebuild plan</c>: for each recipe and target kernel, reuse (an existing build loads there, by the loader's
/// rules), build (one per ABI class, on a member's headers) or blocked (why). See <see cref="RebuildPlanner"/>.
/// </summary>
public static class RebuildPlanOperation
{
    /// <summary>Reads the recipes, kernels and builds, and plans.</summary>
    /// <exception cref="OperationException">A recipe, kernel or build cannot be read, or nothing was named.</exception>
    public static RebuildPlanResult Run(RebuildPlanRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        using var inputs = new KernelArguments(request.Db, log);
        var recipes = Recipes(request, log);
        var headers = Headers(request.Headers, log);
        var kernels = Kernels(request, inputs);
        log.Phase("read inputs");
        var builds = Builds(request, inputs, recipes);
        var failures = request.Db is not null || request.Kernels.Any(k => !StoreAccess.IsSource(k)) ? inputs.Store.Rebuilds() : [];
        var plans = new List<RecipePlanEntry>();
        foreach (var recipe in recipes)
        {
            var targets = kernels.Select(k => Target(recipe, k, headers)).ToList();
            var history = new RecipeHistory(recipe.Name, BuildsOf(recipe, builds), FailuresOf(recipe, failures));
            plans.Add(new RecipePlanEntry(recipe, RebuildPlanner.Plan(history, targets)));
        }
        log.Phase("plan");
        return new RebuildPlanResult(plans, kernels, plans.All(p => p.Plan.CoversAll) ? RebuildPlanOutcome.Covered : RebuildPlanOutcome.NotCovered);
    }

    private static List<PreparedRecipe> Recipes(RebuildPlanRequest request, IOperationLog log)
    {
        var entries = new List<RecipeEntry>();
        if (request.RecipesFile is not null)
            entries.AddRange(RecipesReader.Read(request.RecipesFile));
        entries.AddRange(request.Recipes.Select(r => RecipesReader.FromPath(r)));
        if (entries.Count == 0)
            throw new OperationException("no recipe: name one with --recipe PATH or --recipes FILE");
        var errors = new List<string>();
        var prepared = new List<PreparedRecipe>();
        foreach (var entry in entries)
        {
            try
            {
                prepared.Add(RecipeSources.Prepare(entry, log.Note));
            }
            catch (Exception e) when (InputFailures.Describe(e) is { } line)
            {
                errors.Add(line);
            }
        }
        var twice = prepared.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            errors.Add($"recipe '{twice.Key}' is registered twice ({string.Join(", ", twice.Select(t => t.Entry.Origin))})");
        if (errors.Count > 0)
            throw new OperationException(errors);
        return prepared;
    }

    /// <summary>
    /// The headers to build against, read now so a bad one is an input error: a kernel-devel RPM must hold
    /// /usr/src/kernels/R; Debian headers packages (a .deb or apt:linux-headers-R) are unpacked with their
    /// dependencies into kabigate's cache and stand as that directory.
    /// </summary>
    private static List<string> Headers(IReadOnlyList<string> named, IOperationLog log)
    {
        var errors = new List<string>();
        var headers = new List<string>();
        foreach (var argument in named)
        {
            try
            {
                if (KernelDevel.IsPackage(argument))
                {
                    KernelDevel.ReleaseOf(argument); // reads its file list: a malformed one fails here
                    headers.Add(argument);
                }
                else
                    headers.Add(DebianHeaders.IsSource(argument) ? DebianHeaders.Prepare(argument, log.Note) : argument);
            }
            catch (Exception e) when (InputFailures.Describe(e) is { } line)
            {
                errors.Add("--headers " + line);
            }
        }
        if (errors.Count > 0)
            throw new OperationException(errors);
        return headers;
    }

    private static List<KernelAbi> Kernels(RebuildPlanRequest request, KernelArguments inputs)
    {
        if (request.Kernels.Count == 0)
            throw new OperationException("no target kernel: name them with --kernels (sources, or globs over stored releases)");
        var kernels = new List<KernelAbi>();
        var errors = new List<string>();
        foreach (var argument in request.Kernels)
        {
            try
            {
                if (StoreAccess.IsSource(argument))
                {
                    kernels.AddRange(KernelSourceReader.ReadAll(argument, inputs.SourceOptions()));
                    continue;
                }
                var stored = StoreAccess.SelectKernels(inputs.Store.Kernels(), [argument]);
                if (stored.Count == 0)
                    errors.Add($"{argument}: no such kernel in the store {inputs.Store.Location.Display}, and no such file or directory");
                kernels.AddRange(inputs.Store.LoadKernels(stored));
            }
            catch (Exception e) when (InputFailures.Describe(e) is { } line)
            {
                errors.Add(line);
            }
        }
        var twice = kernels.GroupBy(k => k.Release, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            errors.Add($"kernel {twice.Key} is named twice ({string.Join(", ", twice.Select(k => k.Source))}); name each target once");
        if (errors.Count > 0)
            throw new OperationException(errors);
        return kernels;
    }

    /// <summary>
    /// Existing builds: the named kmods and, with a store, the stored kmods of the recipes' module names (earlier
    /// rebuilds among them), grouped by where each came from (one build per source).
    /// </summary>
    private static List<ExistingBuild> Builds(RebuildPlanRequest request, KernelArguments inputs, List<PreparedRecipe> recipes)
    {
        var kmods = new List<ModuleImage>();
        var sources = new List<string>();
        if (request.Kmods.Count > 0)
        {
            var selection = inputs.Kmods(request.Kmods);
            if (selection.Errors.Count > 0)
                throw new OperationException(selection.Errors);
            kmods.AddRange(selection.Kmods);
            sources.AddRange(selection.Sources);
        }
        if (request.Db is not null)
        {
            var names = recipes.SelectMany(r => r.Modules).Select(ModuleNames.Normalize).ToHashSet(StringComparer.Ordinal);
            foreach (var stored in inputs.Store.Kmods().Where(k => names.Contains(k.Name)))
            {
                kmods.Add(inputs.Store.LoadKmod(stored));
                sources.Add(stored.Source);
            }
        }
        return [.. Enumerable.Range(0, kmods.Count)
            .GroupBy(i => sources[i], StringComparer.Ordinal)
            .Select(g => new ExistingBuild(g.Key, [.. g.Select(i => kmods[i])]))];
    }

    /// <summary>The builds of a recipe: those holding every module it builds (only those modules kept).</summary>
    private static List<ExistingBuild> BuildsOf(PreparedRecipe recipe, List<ExistingBuild> builds)
    {
        var wanted = recipe.Modules.Select(ModuleNames.Normalize).ToHashSet(StringComparer.Ordinal);
        return [.. builds
            .Select(b => b with { Modules = [.. b.Modules.Where(m => wanted.Contains(m.Name))] })
            .Where(b => wanted.All(name => b.Modules.Any(m => m.Name == name)))];
    }

    private static List<EarlierFailure> FailuresOf(PreparedRecipe recipe, IReadOnlyList<StoredRebuild> rebuilds) =>
        [.. rebuilds.Select(r => r.Record)
            .Where(r => r.Recipe == recipe.Name && r.RecipeDigest == recipe.Digest && r.Status == RebuildStatuses.BuildFailed && r.LogPath is not null && !RebuildPackaging.FailedAfterTheBuild(r.Detail))
            .GroupBy(r => r.LogPath!, StringComparer.Ordinal)
            .Select(g => new EarlierFailure([.. g.Select(r => r.Kernel)], g.Key, g.First().Detail))];

    private static RebuildTarget Target(PreparedRecipe recipe, KernelAbi kernel, IReadOnlyList<string> headerDirs)
    {
        var headers = KernelHeaders.Find(kernel.Release, headerDirs);
        var excluded = recipe.Dkms?.Excludes(kernel.Release, KernelHeaders.ArchOf(kernel.Release), headers is null ? null : KernelHeaders.ConfigOptions(headers));
        return new RebuildTarget(kernel, headers, excluded);
    }
}

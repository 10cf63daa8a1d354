using System.Globalization;
using System.Text;
using Kabigate.Abi.Rebuild;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>The text forms of <c>rebuild plan</c>, <c>run</c> and <c>status</c>.</summary>
internal static class RebuildText
{
    public static string Plan(RebuildPlanResult result)
    {
        var text = new StringBuilder();
        foreach (var entry in result.Recipes)
        {
            var recipe = entry.Recipe;
            text.Append(CultureInfo.InvariantCulture, $"{recipe.Name} ({recipe.Entry.Kind.ToString().ToLowerInvariant()} {recipe.Entry.Path}, modules {string.Join(' ', recipe.Modules)}; classes by {entry.Plan.KeyBasis})\n");
            var table = new TextTable("  ACTION", "KERNELS", "DETAIL");
            foreach (var item in entry.Plan.Items)
                table.Add("  " + item.Action.ToString().ToLowerInvariant(), string.Join(' ', item.Kernels.Select(k => k.Release)), Detail(item));
            text.Append(table.Render());
        }
        var reused = result.Recipes.Sum(r => r.Plan.Items.Where(i => i.Action == PlanAction.Reuse).Sum(i => i.Kernels.Count));
        var blocked = result.Recipes.Sum(r => r.Plan.Items.Where(i => i.Action == PlanAction.Blocked).Sum(i => i.Kernels.Count));
        var perKernel = result.Targets - reused - blocked;
        text.Append(CultureInfo.InvariantCulture,
            $"{result.Recipes.Count} recipe{S(result.Recipes.Count)} × {result.Kernels.Count} kernel{S(result.Kernels.Count)}: {reused} reused, {result.Builds} build{S(result.Builds)} serve {perKernel} (one build per kernel: {perKernel}, {perKernel - result.Builds} saved), {blocked} blocked\n");
        return text.ToString();
    }

    /// <summary>ELRepo/kmodtool's inputs: one <c>--define 'kmod_kernel_version R'</c> per build (R without the <c>.ARCH</c> ELRepo's specs append), and the <c>--for-kernels</c> list.</summary>
    public static string Kmodtool(RebuildPlanResult result)
    {
        var text = new StringBuilder();
        foreach (var entry in result.Recipes)
        {
            var builds = entry.Plan.Items.Where(i => i.Action == PlanAction.Build).ToList();
            foreach (var build in builds)
                text.Append(CultureInfo.InvariantCulture, $"{entry.Recipe.Name}\t--define 'kmod_kernel_version {Kabigate.Build.SourceRpm.KmodKernelVersion(build.BuildOn!.Release)}'\t# serves {string.Join(' ', build.Kernels.Select(k => k.Release))}\n");
            if (builds.Count > 0)
                text.Append(CultureInfo.InvariantCulture, $"{entry.Recipe.Name}\t--for-kernels \"{string.Join(' ', builds.Select(b => b.BuildOn!.Release))}\"\n");
        }
        return text.ToString();
    }

    public static string Run(RebuildRunResult result)
    {
        var table = new TextTable("RECIPE", "KERNEL", "STATUS", "DETAIL");
        foreach (var r in result.Results.OrderBy(r => r.Recipe, StringComparer.Ordinal).ThenBy(r => r.Kernel, Abi.KernelReleases.Comparer))
        {
            var detail = r.Status switch
            {
                RebuildStatuses.Reused => $"loads: {r.Detail}",
                RebuildStatuses.Built => $"class {r.ClassKey}, built on {r.BuiltOn}{(r.Detail is null ? "" : ", " + r.Detail)}; log {r.LogPath}"
                    + string.Concat(r.Packages.Select(p => "; " + Path.GetFileName(p))),
                RebuildStatuses.BuildFailed => $"class {r.ClassKey}, built on {r.BuiltOn}: {r.Detail}; log {r.LogPath}",
                RebuildStatuses.BuiltButRefused => $"class {r.ClassKey}, built on {r.BuiltOn}, refused here (class split): {r.Detail}",
                _ => r.Detail ?? "",
            };
            table.Add(r.Recipe, r.Kernel, r.Status, detail);
        }
        var text = new StringBuilder(table.Render());
        foreach (var build in result.Builds.Where(b => b.Packages.Count > 0))
            text.Append(CultureInfo.InvariantCulture, $"{build.Recipe} built on {build.BuiltOn}: {string.Join(' ', build.Packages)}\n");
        foreach (var submission in result.Submissions)
            text.Append(CultureInfo.InvariantCulture, $"submitted {Path.GetFileName(submission.File)}: submission {submission.Id} ({submission.Status}) {submission.StatusUrl}\n");
        var covered = result.Results.Count(r => r.Status is RebuildStatuses.Reused or RebuildStatuses.Built);
        var buildTime = result.Builds.Sum(b => b.Outcome.Duration.TotalSeconds);
        text.Append(CultureInfo.InvariantCulture,
            $"run {result.RunId}: {result.Builds.Count} build{S(result.Builds.Count)} ({buildTime:0.0} s of build time) in {result.Wall.TotalSeconds:0.0} s; {covered} of {result.Plan.Targets} targets covered; compiler {result.Compiler}; recorded in {result.Store}; logs and modules in {result.OutputDirectory}\n");
        return text.ToString();
    }

    public static string Status(RebuildStatusResult result)
    {
        if (result.Rows.Count == 0)
            return $"no rebuild recorded in {result.Store}\n";
        var table = new TextTable("RECIPE", "KERNEL", "STATUS", "RUN", "DETAIL");
        foreach (var row in result.Rows)
        {
            var r = row.Record;
            var detail = string.Join("; ", new[]
            {
                r.ClassKey is null ? null : $"class {r.ClassKey}",
                r.BuiltOn is null ? null : $"built on {r.BuiltOn}",
                r.KmodIds.Count == 0 ? null : "kmods " + string.Join(' ', r.KmodIds.Select(i => $"id:{i}")),
                r.Detail,
                r.LogPath is null ? null : $"log {r.LogPath}",
            }.Where(p => p is not null));
            table.Add(r.Recipe, r.Kernel, r.Status, r.RunId, detail);
        }
        return table.Render();
    }

    private static string Detail(PlanItem item) => item.Action switch
    {
        PlanAction.Reuse => $"loads by the loader's rules: {item.Reused!.Label}",
        PlanAction.Build => $"class {item.ClassKey}: build on {item.BuildOn!.Release} ({item.Headers})",
        _ => (item.ClassKey is null ? "" : $"class {item.ClassKey}: ") + item.Reason + (item.Log is null ? "" : $"; log {item.Log}"),
    };

    private static string S(int count) => count == 1 ? "" : "s";
}

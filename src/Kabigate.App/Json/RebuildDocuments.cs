using Kabigate.Abi.Rebuild;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.App.Json;

/// <summary>One line of a recipe's plan.</summary>
/// <param name="Action"><c>reuse</c>, <c>build</c> or <c>blocked</c>.</param>
/// <param name="Id">The item's stable id (<c>RECIPE@CLASSKEY</c>, what <c>rebuild run --item</c> takes), or null for a reuse.</param>
/// <param name="ClassKey">The ABI class key, or null.</param>
/// <param name="Kernels">The kernels it covers.</param>
/// <param name="BuildOn">For a build: the member whose headers it uses.</param>
/// <param name="Headers">For a build: those headers.</param>
/// <param name="Reused">For a reuse: the build that loads.</param>
/// <param name="Reason">For a blocked item: why.</param>
/// <param name="Log">For a class an earlier failure blocks: its log.</param>
public sealed record JsonPlanItem(string Action, string? Id, string? ClassKey, IReadOnlyList<string> Kernels, string? BuildOn, string? Headers, string? Reused, string? Reason, string? Log);

/// <summary>One recipe's plan.</summary>
/// <param name="Recipe">The kmod's name.</param>
/// <param name="Kind"><c>kbuild</c> or <c>dkms</c>.</param>
/// <param name="Source">The recipe's source as registered.</param>
/// <param name="Digest">SHA-256 of its sources.</param>
/// <param name="Modules">The modules it builds.</param>
/// <param name="KeyBasis">What the class keys were computed from.</param>
/// <param name="Builds">How many builds it needs.</param>
/// <param name="Items">Reuses, builds, then blocked items.</param>
public sealed record JsonRecipePlan(string Recipe, string Kind, string Source, string Digest, IReadOnlyList<string> Modules, string KeyBasis, int Builds, IReadOnlyList<JsonPlanItem> Items);

/// <summary><c>rebuild plan --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Kernels">The target kernels' releases.</param>
/// <param name="Targets">Recipes × kernels.</param>
/// <param name="Builds">How many builds the plans run.</param>
/// <param name="Covered">Whether every target is reused or built for.</param>
/// <param name="Recipes">The plans.</param>
public sealed record RebuildPlanDocument(int Schema, IReadOnlyList<string> Kernels, int Targets, int Builds, bool Covered, IReadOnlyList<JsonRecipePlan> Recipes);

/// <summary>One build of a CI matrix (<c>{"include":[…]}</c>, GitHub Actions' <c>strategy.matrix</c> or GitLab's <c>parallel:matrix</c>).</summary>
/// <param name="Kmod">The recipe.</param>
/// <param name="Kernel">The release to build against.</param>
/// <param name="Headers">Its headers directory on the planning machine.</param>
/// <param name="ClassKey">The ABI class.</param>
/// <param name="Covers">Every kernel the build serves, space-separated.</param>
public sealed record JsonCiEntry(string Kmod, string Kernel, string? Headers, string? ClassKey, string Covers);

/// <summary><c>rebuild plan --format ci-matrix</c>.</summary>
/// <param name="Include">One entry per build.</param>
public sealed record CiMatrixDocument(IReadOnlyList<JsonCiEntry> Include);

/// <summary>One result of a run or of the store.</summary>
/// <param name="Recipe">The recipe.</param>
/// <param name="Kernel">The kernel.</param>
/// <param name="Status">reused, built, build-failed, built-but-refused or blocked.</param>
/// <param name="ClassKey">The ABI class, or null.</param>
/// <param name="BuiltOn">The member whose headers the build used, or null.</param>
/// <param name="Detail">The reused build, the first error, the loader's words, or why blocked.</param>
/// <param name="Log">The build's log, or null.</param>
/// <param name="Artifacts">The module files (a run only; empty from the store).</param>
public sealed record JsonRebuildResult(string Recipe, string Kernel, string Status, string? ClassKey, string? BuiltOn, string? Detail, string? Log, IReadOnlyList<string> Artifacts);

/// <summary>One build of a run.</summary>
/// <param name="Recipe">The recipe.</param>
/// <param name="ClassKey">Its class.</param>
/// <param name="BuiltOn">The member whose headers it used.</param>
/// <param name="Members">The class's kernels.</param>
/// <param name="Status"><c>built</c>, <c>failed</c> or <c>timedout</c>.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Log">The full log.</param>
/// <param name="FirstError">The first error line, or null.</param>
/// <param name="RefusedBy">The members that refuse the build (the class splits there).</param>
/// <param name="Signer">Who signed its modules (verified with --sign-cert), or null.</param>
/// <param name="Packages">The packages made of it.</param>
public sealed record JsonRebuildBuild(string Recipe, string ClassKey, string BuiltOn, IReadOnlyList<string> Members, string Status, double Seconds, string Log, string? FirstError, IReadOnlyList<string> RefusedBy, string? Signer, IReadOnlyList<string> Packages);

/// <summary><c>rebuild run --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="RunId">The run.</param>
/// <param name="Store">Where it was recorded.</param>
/// <param name="Output">Its logs and modules.</param>
/// <param name="Compiler">The compiler.</param>
/// <param name="Seconds">Its wall time.</param>
/// <param name="Targets">Recipes × kernels.</param>
/// <param name="Covered">Whether every target is reused or built and verified.</param>
/// <param name="Builds">The builds.</param>
/// <param name="Results">One per recipe and kernel.</param>
public sealed record RebuildRunDocument(int Schema, string RunId, string Store, string Output, string Compiler, double Seconds, int Targets, bool Covered, IReadOnlyList<JsonRebuildBuild> Builds, IReadOnlyList<JsonRebuildResult> Results)
{
    /// <summary>What the service accepted with <c>--submit</c>: file, id, status, status URL (empty without it).</summary>
    public IReadOnlyList<RebuildSubmission> Submissions { get; init; } = [];
}

/// <summary>A stored result with its provenance.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Result">What it did.</param>
/// <param name="RecipeDigest">The recipe's digest.</param>
/// <param name="Headers">The headers built against, or null.</param>
/// <param name="Compiler">The compiler, or null.</param>
/// <param name="Kmods">The stored kmods (<c>id:N</c>).</param>
/// <param name="Seconds">The build's wall time, or null.</param>
/// <param name="RecordedAt">When.</param>
public sealed record JsonStoredRebuild(string RunId, JsonRebuildResult Result, string RecipeDigest, string? Headers, string? Compiler, IReadOnlyList<string> Kmods, double? Seconds, string RecordedAt);

/// <summary><c>rebuild status --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Store">The store.</param>
/// <param name="Covered">Whether every latest result is reused or built.</param>
/// <param name="Results">The results.</param>
public sealed record RebuildStatusDocument(int Schema, string Store, bool Covered, IReadOnlyList<JsonStoredRebuild> Results);

/// <summary>The rebuild documents, from the operations' results.</summary>
public static class RebuildDocuments
{
    /// <summary>The plan.</summary>
    public static RebuildPlanDocument Plan(RebuildPlanResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new RebuildPlanDocument(JsonShapes.Schema, [.. result.Kernels.Select(k => k.Release)], result.Targets, result.Builds,
            result.Outcome == RebuildPlanOutcome.Covered,
            [.. result.Recipes.Select(r => new JsonRecipePlan(r.Recipe.Name, r.Recipe.Entry.Kind.ToString().ToLowerInvariant(), r.Recipe.Entry.Path, r.Recipe.Digest,
                r.Recipe.Modules, r.Plan.KeyBasis, r.Plan.Builds, [.. r.Plan.Items.Select(Item)]))]);
    }

    /// <summary>The plan's builds as a CI matrix.</summary>
    public static CiMatrixDocument CiMatrix(RebuildPlanResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new CiMatrixDocument([.. result.Recipes.SelectMany(r => r.Plan.Items.Where(i => i.Action == PlanAction.Build)
            .Select(i => new JsonCiEntry(r.Recipe.Name, i.BuildOn!.Release, i.Headers, i.ClassKey, string.Join(' ', i.Kernels.Select(k => k.Release)))))]);
    }

    /// <summary>The run.</summary>
    public static RebuildRunDocument Run(RebuildRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new RebuildRunDocument(JsonShapes.Schema, result.RunId, result.Store, result.OutputDirectory, result.Compiler, Math.Round(result.Wall.TotalSeconds, 1),
            result.Plan.Targets, result.Outcome == RebuildRunOutcome.Covered,
            [.. result.Builds.Select(b => new JsonRebuildBuild(b.Recipe, b.ClassKey, b.BuiltOn, b.Members, b.Outcome.Status.ToString().ToLowerInvariant(),
                Math.Round(b.Outcome.Duration.TotalSeconds, 1), b.Outcome.LogPath, b.Outcome.FirstError, [.. b.Refused.Select(r => r.Kernel.Release)], b.Signer, b.Packages))],
            [.. result.Results.Select(r => new JsonRebuildResult(r.Recipe, r.Kernel, r.Status, r.ClassKey, r.BuiltOn, r.Detail, r.LogPath, r.Artifacts))])
        { Submissions = result.Submissions };
    }

    /// <summary>The stored results.</summary>
    public static RebuildStatusDocument Status(RebuildStatusResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new RebuildStatusDocument(JsonShapes.Schema, result.Store, result.Outcome == RebuildStatusOutcome.Covered, [.. result.Rows.Select(Stored)]);
    }

    private static JsonStoredRebuild Stored(StoredRebuild row)
    {
        var r = row.Record;
        return new JsonStoredRebuild(r.RunId, new JsonRebuildResult(r.Recipe, r.Kernel, r.Status, r.ClassKey, r.BuiltOn, r.Detail, r.LogPath, []),
            r.RecipeDigest, r.Headers, r.Compiler, [.. r.KmodIds.Select(i => $"id:{i}")], r.Duration is TimeSpan d ? Math.Round(d.TotalSeconds, 1) : null,
            row.RecordedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static JsonPlanItem Item(PlanItem item) => new(item.Action.ToString().ToLowerInvariant(), RebuildItemIds.Of(item), item.ClassKey, [.. item.Kernels.Select(k => k.Release)],
        item.BuildOn?.Release, item.Headers, item.Reused?.Label, item.Reason, item.Log);
}

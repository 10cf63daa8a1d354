using System.Globalization;
using Kabigate.Abi;
using Kabigate.Abi.Rebuild;
using Kabigate.Build;
using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.App.Operations;

/// <summary>The statuses a rebuild reports per recipe and kernel (a public contract: JSON and the store use them).</summary>
public static class RebuildStatuses
{
    /// <summary>An existing build loads there by the loader's rules.</summary>
    public const string Reused = "reused";

    /// <summary>Built for its class and re-verified: it loads there.</summary>
    public const string Built = "built";

    /// <summary>The build of its class failed (or timed out).</summary>
    public const string BuildFailed = "build-failed";

    /// <summary>The build of its class compiled, but the loader would refuse it there: never published.</summary>
    public const string BuiltButRefused = "built-but-refused";

    /// <summary>Nothing could be built (no headers, excluded, an earlier failure).</summary>
    public const string Blocked = "blocked";
}

/// <summary>What <c>rebuild run</c> is asked.</summary>
/// <param name="Plan">What to plan (the store in <see cref="RebuildPlanRequest.Db"/>, default the default store, receives the results).</param>
/// <param name="Jobs">How many builds run at once; null: the number of cores.</param>
/// <param name="Timeout">How long one build may run.</param>
/// <param name="OutputDirectory">Where the run's logs and modules go; null: the cache folder's rebuild/RUN-ID.</param>
/// <param name="Package">The packages made of each verified build (RPM, .deb, both, none).</param>
/// <param name="Signing">The key and certificate the built modules are signed with (the headers' scripts/sign-file), or null.</param>
/// <param name="Item">Run only this build item of the plan (its <see cref="RebuildItemIds"/> id: a worker's job, a farm's <c>--item</c>), or null for the whole plan.</param>
/// <param name="Submit">Send the verified artifacts to this service's submissions API afterwards, or null.</param>
public sealed record RebuildRunRequest(RebuildPlanRequest Plan, int? Jobs, TimeSpan Timeout, string? OutputDirectory, PackageFormats Package = PackageFormats.None, ModuleSigning? Signing = null, string? Item = null,
    RebuildSubmitTarget? Submit = null);

/// <summary>The stable id of a plan's build item: <c>RECIPE@CLASSKEY</c> (the class key is a digest of what the kmod imports, so a re-plan over the same inputs names the same item).</summary>
public static class RebuildItemIds
{
    /// <summary>The id of a build or blocked item, or null for a reuse.</summary>
    public static string? Of(PlanItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.ClassKey is null ? null : $"{item.Recipe}@{item.ClassKey}";
    }
}

/// <summary>What the run did for one recipe on one target kernel.</summary>
/// <param name="Recipe">The recipe.</param>
/// <param name="Kernel">The kernel's release.</param>
/// <param name="Status">One of <see cref="RebuildStatuses"/>.</param>
/// <param name="ClassKey">The ABI class, or null for a reuse or an excluded kernel.</param>
/// <param name="BuiltOn">The member whose headers the build used, or null.</param>
/// <param name="Detail">The reused build, the first error, the loader's words, or why it is blocked.</param>
/// <param name="LogPath">The build's log, or null.</param>
/// <param name="Artifacts">The module files that serve this kernel (built or reused).</param>
public sealed record RebuildKernelResult(string Recipe, string Kernel, string Status, string? ClassKey, string? BuiltOn, string? Detail, string? LogPath, IReadOnlyList<string> Artifacts)
{
    /// <summary>The packages that serve this kernel: the build's kmod RPM, and the .deb made for this kernel.</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];
}

/// <summary>One build the run made.</summary>
/// <param name="Recipe">The recipe.</param>
/// <param name="ClassKey">Its ABI class.</param>
/// <param name="BuiltOn">The member whose headers it used.</param>
/// <param name="Members">The class's kernels.</param>
/// <param name="Outcome">The executor's result.</param>
/// <param name="Refused">The members that refuse it (the class splits there), with the loader's words.</param>
public sealed record RebuildBuildResult(string Recipe, string ClassKey, string BuiltOn, IReadOnlyList<string> Members, BuildOutcome Outcome, IReadOnlyList<MemberVerdict> Refused)
{
    /// <summary>The packages made of the build (none when no member loads it, or none was asked for).</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];

    /// <summary>Who signed its modules, as kabigate reads and verifies their signatures (modinfo's signer), or null when unsigned.</summary>
    public string? Signer { get; init; }
}

/// <summary>How a run came out.</summary>
public enum RebuildRunOutcome
{
    /// <summary>Every target kernel is covered: reused or built and verified.</summary>
    Covered,

    /// <summary>Some target kernel is not.</summary>
    NotCovered,
}

/// <summary>The run's results.</summary>
/// <param name="Plan">The plan it ran.</param>
/// <param name="RunId">The run's id (in the store and the output folder).</param>
/// <param name="OutputDirectory">Where its logs and modules are.</param>
/// <param name="Results">One result per recipe and kernel.</param>
/// <param name="Builds">The builds it made.</param>
/// <param name="Store">The store the results were recorded in.</param>
/// <param name="Compiler">The compiler the builds ran.</param>
/// <param name="Wall">The run's wall time.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record RebuildRunResult(
    RebuildPlanResult Plan, string RunId, string OutputDirectory, IReadOnlyList<RebuildKernelResult> Results, IReadOnlyList<RebuildBuildResult> Builds,
    string Store, string Compiler, TimeSpan Wall, RebuildRunOutcome Outcome)
{
    /// <summary>What the service accepted with <c>--submit</c> (empty without it, or when no build loads anywhere).</summary>
    public IReadOnlyList<RebuildSubmission> Submissions { get; init; } = [];
}

/// <summary>
/// <c>rebuild run</c>: plans, runs the builds on this machine (in parallel, each in its own scratch directory, with a
/// timeout and a kept log), re-verifies every built module on every kernel of its class by the loader's rules, and
/// records every result in the store (the built modules as kmods, their provenance in the rebuilds table).
/// </summary>
public static class RebuildRunOperation
{
    /// <summary>The packages <c>--package rpm|deb|both|none</c> names.</summary>
    /// <exception cref="OperationException">Another word.</exception>
    public static PackageFormats PackageFormatsOf(string? word) => word switch
    {
        null or "none" => PackageFormats.None,
        "rpm" => PackageFormats.Rpm,
        "deb" => PackageFormats.Deb,
        "both" => PackageFormats.Rpm | PackageFormats.Deb,
        _ => throw new OperationException($"--package '{word}': rpm, deb, both or none"),
    };

    /// <summary>The signing <c>--sign-key</c> and <c>--sign-cert</c> ask for, or null when neither is given.</summary>
    /// <exception cref="OperationException">Only one is given.</exception>
    public static ModuleSigning? SigningOf(string? key, string? certificate) => (key, certificate) switch
    {
        (null, null) => null,
        ({ } k, { } c) => new ModuleSigning(k, c),
        _ => throw new OperationException("--sign-key and --sign-cert go together"),
    };

    /// <summary>Runs the plan (and, with <see cref="RebuildRunRequest.Submit"/>, sends the verified artifacts to the service).</summary>
    /// <exception cref="OperationException">An input cannot be read (see <see cref="RebuildPlanOperation"/>), the options are wrong, or the service refused a submission.</exception>
    public static RebuildRunResult Run(RebuildRunRequest request, IOperationLog log, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        if (request.Jobs is <= 0)
            throw new OperationException("--jobs must be at least 1");
        if (request.Timeout <= TimeSpan.Zero)
            throw new OperationException("--timeout must be positive");
        var trusted = request.Signing is null ? null : RebuildPackaging.CheckSigning(request.Signing);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var db = request.Plan.Db ?? (Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : StoreLocation.DefaultPath);
        // Created (or migrated) first, so that the plan reads the earlier results from it.
        using (AbiStore.Open(StoreLocation.Resolve(db), create: true))
        {
        }
        var plan = Only(RebuildPlanOperation.Run(request.Plan with { Db = db }, log), request.Item);
        var runId = DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..6];
        var output = Path.GetFullPath(request.OutputDirectory ?? Path.Combine(CacheDirectory.Root(), "rebuild", runId));
        var scratch = Path.Combine(Path.GetTempPath(), "kabigate-rebuild");
        var work = plan.Recipes.SelectMany(r => r.Plan.Items.Where(i => i.Action == PlanAction.Build).Select(i => (r.Recipe, Item: i))).ToList();
        var outcomes = new BuildOutcome[work.Count];
        log.Note($"{work.Count} build{(work.Count == 1 ? "" : "s")} for {plan.Targets} recipe × kernel targets, {request.Jobs ?? Environment.ProcessorCount} at a time; logs in {output}");
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = request.Jobs ?? Environment.ProcessorCount, CancellationToken = cancel }, w =>
        {
            var (recipe, item) = work[w];
            var release = item.BuildOn!.Release;
            var stem = $"{recipe.Name}/{release}-{item.ClassKey}";
            var job = new BuildJob(recipe, release, item.Headers!, scratch, Path.Combine(output, stem + ".log"), Path.Combine(output, stem), request.Timeout, request.Signing);
            log.Note($"building {recipe.Name} for {item.Kernels.Count} kernel{(item.Kernels.Count == 1 ? "" : "s")} against {release}");
            try
            {
                outcomes[w] = BuildExecutor.Run(job, cancel);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The machine, not the recipe, failed (a full disk, a scratch folder not writable): said as the build's error.
                outcomes[w] = new BuildOutcome(BuildStatus.Failed, [], job.LogPath, $"kabigate could not run the build: {e.Message}", TimeSpan.Zero);
            }
            log.Note($"{recipe.Name} on {release}: {outcomes[w].Status.ToString().ToLowerInvariant()} in {outcomes[w].Duration.TotalSeconds:0.0} s");
        });
        log.Phase("build");

        var results = new List<RebuildKernelResult>();
        var builds = new List<RebuildBuildResult>();
        var built = new List<(RebuildBuildResult Build, IReadOnlyList<ModuleImage> Modules)>();
        foreach (var entry in plan.Recipes)
        {
            foreach (var item in entry.Plan.Items)
            {
                if (item.Action == PlanAction.Reuse)
                {
                    var files = item.Reused!.Modules.Select(m => m.Path).ToList();
                    results.AddRange(item.Kernels.Select(k => new RebuildKernelResult(entry.Recipe.Name, k.Release, RebuildStatuses.Reused, null, null, item.Reused.Label, null, files)));
                }
                else if (item.Action == PlanAction.Blocked)
                {
                    results.AddRange(item.Kernels.Select(k => new RebuildKernelResult(entry.Recipe.Name, k.Release, RebuildStatuses.Blocked, item.ClassKey, null, item.Reason, item.Log, [])));
                }
                else
                {
                    var outcome = outcomes[work.FindIndex(w => ReferenceEquals(w.Item, item))];
                    var (result, modules) = Verify(entry.Recipe, item, outcome, results);
                    (result, modules) = RebuildPackaging.SignedAndPackaged(entry.Recipe, item, result, modules, results, trusted, request.Package,
                        Path.Combine(output, entry.Recipe.Name, "packages"), request.Timeout);
                    builds.Add(result);
                    if (modules.Count > 0)
                        built.Add((result, modules));
                }
            }
        }
        log.Phase("verify");
        Record(db, runId, plan, results, builds, built, log);
        log.Phase("record");
        IReadOnlyList<RebuildSubmission> submissions = [];
        if (request.Submit is { } target)
        {
            var artifacts = RebuildSubmit.Artifacts(builds, results);
            if (artifacts.Count == 0)
                log.Note($"nothing to submit to {target.Url}: no build of this run loads anywhere");
            submissions = RebuildSubmit.Send(target, artifacts, log, cancel);
            log.Phase("submit");
        }
        var covered = results.All(r => r.Status is RebuildStatuses.Reused or RebuildStatuses.Built);
        return new RebuildRunResult(plan, runId, output, results, builds, StoreLocation.Resolve(db).Display, BuildExecutor.Compiler, clock.Elapsed,
            covered ? RebuildRunOutcome.Covered : RebuildRunOutcome.NotCovered)
        { Submissions = submissions };
    }

    /// <summary>The plan cut down to one build item (and its recipe), or the plan itself without an item.</summary>
    private static RebuildPlanResult Only(RebuildPlanResult plan, string? item)
    {
        if (item is null)
            return plan;
        foreach (var entry in plan.Recipes)
        {
            var match = entry.Plan.Items.FirstOrDefault(i => i.Action == PlanAction.Build && RebuildItemIds.Of(i) == item);
            if (match is not null)
                return plan with { Recipes = [entry with { Plan = entry.Plan with { Items = [match] } }], Kernels = match.Kernels };
        }
        var known = plan.Recipes.SelectMany(r => r.Plan.Items).Where(i => i.Action == PlanAction.Build).Select(i => RebuildItemIds.Of(i)!).ToList();
        throw new OperationException($"the plan has no build item '{item}' ({(known.Count == 0 ? "it has no builds" : "its builds: " + string.Join(", ", known))})");
    }

    /// <summary>The build on each member of its class, by the loader's rules; the modules kept only where one member loads them.</summary>
    private static (RebuildBuildResult Result, IReadOnlyList<ModuleImage> Modules) Verify(PreparedRecipe recipe, PlanItem item, BuildOutcome outcome, List<RebuildKernelResult> results)
    {
        var members = item.Kernels.Select(k => k.Release).ToList();
        var buildOn = item.BuildOn!.Release;
        if (outcome.Status != BuildStatus.Built)
        {
            var why = outcome.FirstError ?? "the build failed; see its log";
            results.AddRange(members.Select(k => new RebuildKernelResult(recipe.Name, k, RebuildStatuses.BuildFailed, item.ClassKey, buildOn, why, outcome.LogPath, [])));
            return (new RebuildBuildResult(recipe.Name, item.ClassKey!, buildOn, members, outcome, []), []);
        }
        var set = ModuleSetReader.Read(outcome.ModuleFiles);
        if (set.Errors.Count > 0)
        {
            var why = "the built modules cannot be read: " + set.Errors[0].Message;
            results.AddRange(members.Select(k => new RebuildKernelResult(recipe.Name, k, RebuildStatuses.BuildFailed, item.ClassKey, buildOn, why, outcome.LogPath, [])));
            return (new RebuildBuildResult(recipe.Name, item.ClassKey!, buildOn, members, outcome, []), []);
        }
        var verdicts = RebuildVerification.Verify(item.Kernels, set.Modules);
        foreach (var verdict in verdicts)
        {
            results.Add(verdict.Loads
                ? new RebuildKernelResult(recipe.Name, verdict.Kernel.Release, RebuildStatuses.Built, item.ClassKey, buildOn, null, outcome.LogPath, outcome.ModuleFiles)
                : new RebuildKernelResult(recipe.Name, verdict.Kernel.Release, RebuildStatuses.BuiltButRefused, item.ClassKey, buildOn, string.Join("; ", verdict.Refusals), outcome.LogPath, []));
        }
        var refused = verdicts.Where(v => !v.Loads).ToList();
        var result = new RebuildBuildResult(recipe.Name, item.ClassKey!, buildOn, members, outcome, refused);
        return (result, verdicts.Any(v => v.Loads) ? set.Modules : []);
    }

    /// <summary>Records the run in one transaction: the target kernels, the built modules that load somewhere as kmods, every result as a rebuild row.</summary>
    private static void Record(string db, string runId, RebuildPlanResult plan, List<RebuildKernelResult> results, List<RebuildBuildResult> builds,
        List<(RebuildBuildResult Build, IReadOnlyList<ModuleImage> Modules)> built, IOperationLog log)
    {
        using var store = AbiStore.Open(StoreLocation.Resolve(db), create: true);
        using var session = store.BeginIngest();
        // The target kernels too (once per content), so that compatible and matrix count the rebuilt kmods on them.
        foreach (var kernel in plan.Kernels)
            session.AddKernel(kernel);
        var kmodIds = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var (build, modules) in built)
        {
            var source = $"rebuild:{build.Recipe}@{build.BuiltOn}#{build.ClassKey}";
            var ids = new List<long>();
            foreach (var module in modules)
            {
                session.AddKmod(module, source);
                if (session.KmodId(module) is long id)
                    ids.Add(id);
            }
            kmodIds[$"{build.Recipe}\0{build.ClassKey}"] = ids;
        }
        var digests = plan.Recipes.ToDictionary(r => r.Recipe.Name, r => r.Recipe.Digest, StringComparer.Ordinal);
        var headers = plan.Recipes.SelectMany(r => r.Plan.Items.Where(i => i.Action == PlanAction.Build).Select(i => (r.Recipe.Name, i.ClassKey, i.Headers)))
            .ToDictionary(h => $"{h.Name}\0{h.ClassKey}", h => h.Headers, StringComparer.Ordinal);
        var durations = builds.ToDictionary(b => $"{b.Recipe}\0{b.ClassKey}", b => b.Outcome.Duration, StringComparer.Ordinal);
        foreach (var result in results)
        {
            var key = $"{result.Recipe}\0{result.ClassKey}";
            bool wasBuilt = result.Status is RebuildStatuses.Built or RebuildStatuses.BuildFailed or RebuildStatuses.BuiltButRefused;
            session.AddRebuild(new RebuildRecord(runId, result.Recipe, digests[result.Recipe], result.ClassKey, result.Kernel, result.Status, result.BuiltOn,
                wasBuilt ? headers.GetValueOrDefault(key) : null, wasBuilt ? BuildExecutor.Compiler : null,
                result.Status == RebuildStatuses.Built ? kmodIds.GetValueOrDefault(key) ?? [] : [],
                result.Detail, result.LogPath, wasBuilt && durations.TryGetValue(key, out var d) ? d : null));
        }
        session.Commit();
        log.Note($"recorded {results.Count} result{(results.Count == 1 ? "" : "s")} of run {runId} in {store.Location.Display}");
    }
}

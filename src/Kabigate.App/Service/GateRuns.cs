using System.Security.Cryptography;
using System.Text;
using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.App.Operations;
using Kabigate.Formats;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>What the service judges every new kernel under: the registered kmods and the policy.</summary>
/// <param name="Db">The store.</param>
/// <param name="Kmods">Globs over stored kmod names; every stored kmod when empty.</param>
/// <param name="Policy">The policy.</param>
/// <param name="Stablelist">The stablelist, or null.</param>
/// <param name="PolicyDigest">SHA-256 of the policy's and the stablelist's files (<c>default</c> for the default policy).</param>
/// <param name="PolicyFile">The policy file, or null.</param>
/// <param name="StablelistFile">The stablelist file, or null.</param>
public sealed record GateSettings(string? Db, IReadOnlyList<string> Kmods, Policy Policy, Stablelist? Stablelist, string PolicyDigest, string? PolicyFile = null, string? StablelistFile = null)
{
    /// <summary>The settings a service configuration names.</summary>
    /// <exception cref="ModuleFormatException">The policy or stablelist is malformed.</exception>
    /// <exception cref="IOException">They cannot be read.</exception>
    public static GateSettings From(ServiceConfig config, string? db)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (policy, list) = StoreAccess.LoadPolicy(config.Policy, config.Stablelist);
        var files = new[] { config.Policy, config.Stablelist }.OfType<string>().ToList();
        string digest = "default";
        if (files.Count > 0)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var file in files)
                hash.AppendData(InputFiles.ReadAllBytes(file, InputLimits.MaxTextFileBytes));
            digest = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        return new GateSettings(db ?? config.Db, config.Kmods, policy, list, digest, config.Policy, config.Stablelist);
    }
}

/// <summary>A recorded gate run with its cases.</summary>
/// <param name="Run">The run.</param>
/// <param name="Cases">Its cases, by kmod.</param>
public sealed record GateRunReport(StoredGateRun Run, IReadOnlyList<GateRunCase> Cases);

/// <summary>
/// A gate run: a stored kernel judged against every registered kmod under the policy, compared with the previous
/// release of its line (new break, fixed, still broken, still loads), and recorded.
/// </summary>
public static class GateRunOperation
{
    /// <summary>
    /// Gates every stored kernel that no run has judged yet (after an ingest, or on start after a crash between the
    /// two); when <paramref name="kmodsChanged"/> (new kmods were stored), also the newest release of every line again,
    /// so that what a new kmod build fixes or breaks is a run of its own.
    /// </summary>
    public static IReadOnlyList<GateRunReport> GateNew(GateSettings settings, string trigger, IOperationLog log, bool kmodsChanged = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var store = AbiStore.Open(Store.StoreLocation.Resolve(settings.Db), create: true);
        var ids = store.KernelsNeverGated().ToList();
        if (kmodsChanged)
        {
            var newest = store.Kernels().GroupBy(k => k.Line, StringComparer.Ordinal)
                .Select(line => line.OrderBy(k => k.Release, KernelReleases.Comparer).ThenBy(k => k.Id).Last().Id);
            ids.AddRange(newest.Where(id => !ids.Contains(id)));
        }
        return [.. ids.Select(id => Run(store, id, settings, trigger, log))];
    }

    /// <summary>Whether an ingest stored kmods the store did not hold.</summary>
    public static bool StoredNewKmods(IngestSummary? summary) =>
        summary?.Items.Any(i => !i.IsKernel && i.Result.Outcome != IngestOutcome.AlreadyStored) == true;

    /// <summary>Gates one stored kernel and records the run.</summary>
    /// <exception cref="OperationException">No stored kernel has that id.</exception>
    public static GateRunReport Run(AbiStore store, long kernelId, GateSettings settings, string trigger, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        var kernels = store.Kernels();
        var kernel = kernels.FirstOrDefault(k => k.Id == kernelId) ?? throw new OperationException($"id:{kernelId}: no such kernel in the store");
        var previous = Previous(kernels, kernel);
        var storedKmods = StoreAccess.SelectKmods(store.Kmods(), settings.Kmods);
        var judged = previous is null ? [kernel] : new List<StoredKernel> { previous, kernel };
        var (report, modules) = StoredGateOperation.Judge(store, settings, judged, storedKmods);
        var builds = new Dictionary<ModuleImage, long>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < modules.Count; i++)
            builds[modules[i]] = storedKmods[i].Id;
        var now = report.Cases.Where(c => ReferenceEquals(c.Kernel, report.Kernels[^1])).ToList();
        var before = previous is null ? [] : report.Cases.Where(c => ReferenceEquals(c.Kernel, report.Kernels[0])).ToDictionary(c => c.Kmod, StringComparer.Ordinal);
        var cases = now.Select(c => new GateRunCase(c.Kmod, Outcome(c.Outcome), Transition(before.GetValueOrDefault(c.Kmod), c),
            builds.TryGetValue(c.Build, out var id) ? id : null, [.. c.Problems.Select(p => p.Problem.Message)])).ToList();
        var runId = store.RecordGateRun(new NewGateRun(kernel.Id, previous?.Id, settings.PolicyDigest, trigger, now.All(c => c.Passes), cases));
        var run = store.GateRun(runId)!;
        log.Note($"gate run {runId}: {kernel.Release}: {run.Kmods} kmods, {run.NewBreaks} new breaks, {run.Fixed} fixed, {run.StillBroken} still broken");
        return new GateRunReport(run, cases);
    }

    /// <summary>The previous release of a kernel's line: the newest stored release of the line older than it.</summary>
    public static StoredKernel? Previous(IReadOnlyList<StoredKernel> kernels, StoredKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(kernel);
        return kernels.Where(k => k.Line == kernel.Line && KernelReleases.Comparer.Compare(k.Release, kernel.Release) < 0)
            .OrderBy(k => k.Release, KernelReleases.Comparer).ThenBy(k => k.Id).LastOrDefault();
    }

    /// <summary>The outcome's name in runs, the API and the dashboard.</summary>
    public static string Outcome(GateOutcome outcome) => outcome switch
    {
        GateOutcome.Loads => "loads",
        GateOutcome.Tolerated => "tolerated",
        _ => "fails",
    };

    private static string Transition(GateCase? before, GateCase now) => (before?.Passes, now.Passes) switch
    {
        (null, _) => "first",
        (true, false) => "new-break",
        (false, true) => "fixed",
        (false, false) => "still-broken",
        _ => "still-loads",
    };

    /// <summary>The HMAC-SHA256 signature header value of a webhook body: <c>sha256=HEX</c>.</summary>
    public static string Signature(string secret, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }
}

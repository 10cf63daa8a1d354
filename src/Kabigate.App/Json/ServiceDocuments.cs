using System.Globalization;
using Kabigate.App.Service;
using Kabigate.Formats;
using Kabigate.Store;

namespace Kabigate.App.Json;

/// <summary>One kmod in a gate run.</summary>
/// <param name="Kmod">Its name.</param>
/// <param name="Outcome"><c>loads</c>, <c>tolerated</c> or <c>fails</c>.</param>
/// <param name="Transition"><c>new-break</c>, <c>fixed</c>, <c>still-broken</c>, <c>still-loads</c> or <c>first</c>.</param>
/// <param name="BuildId">The stored build judged, or null.</param>
/// <param name="Reasons">The kernel's words for each problem.</param>
public sealed record JsonRunCase(string Kmod, string Outcome, string Transition, long? BuildId, IReadOnlyList<string> Reasons);

/// <summary>A gate run.</summary>
/// <param name="Id">Its id.</param>
/// <param name="KernelId">The kernel's id.</param>
/// <param name="Release">The kernel's release.</param>
/// <param name="Line">Its line.</param>
/// <param name="Previous">The previous release of the line, or null.</param>
/// <param name="PolicyDigest">The policy's digest.</param>
/// <param name="Trigger">What started it.</param>
/// <param name="Passed">Whether every registered kmod passed.</param>
/// <param name="Kmods">How many kmods were judged.</param>
/// <param name="NewBreaks">New breaks.</param>
/// <param name="Fixed">Fixes.</param>
/// <param name="StillBroken">Still broken.</param>
/// <param name="StartedAt">When.</param>
/// <param name="Cases">Its cases (null in lists).</param>
public sealed record JsonGateRun(long Id, long KernelId, string Release, string Line, string? Previous, string PolicyDigest, string Trigger, bool Passed, int Kmods,
    int NewBreaks, int Fixed, int StillBroken, string StartedAt, IReadOnlyList<JsonRunCase>? Cases);

/// <summary><c>GET /api/v1/gate-runs</c>, and the webhook's body (<c>event</c> is <c>gate-run</c>).</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Event">The event, or null outside webhooks.</param>
/// <param name="Runs">The runs, newest first.</param>
public sealed record GateRunsDocument(int Schema, string? Event, IReadOnlyList<JsonGateRun> Runs);

/// <summary>A watched source and its state.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Source">What is watched.</param>
/// <param name="Role">What it holds.</param>
/// <param name="EverySeconds">The poll interval.</param>
/// <param name="PolledAt">The last poll, or null.</param>
/// <param name="ChangedAt">The last change seen, or null.</param>
/// <param name="LastError">The last poll's error, or null.</param>
/// <param name="Failures">Failed polls since the last success.</param>
public sealed record JsonWatch(string Name, string Source, string Role, long EverySeconds, string? PolledAt, string? ChangedAt, string? LastError, int Failures);

/// <summary><c>GET /api/v1/sources</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Sources">The watched sources.</param>
public sealed record SourcesDocument(int Schema, IReadOnlyList<JsonWatch> Sources);

/// <summary>A submission and how far it got.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Id">Its id.</param>
/// <param name="FileName">The uploaded name.</param>
/// <param name="Role">How it is read.</param>
/// <param name="Status"><c>queued</c>, <c>ingested</c> or <c>rejected</c>.</param>
/// <param name="Message">What the ingest said.</param>
/// <param name="CreatedAt">When it was uploaded.</param>
/// <param name="FinishedAt">When it ended, or null.</param>
public sealed record SubmissionDocument(int Schema, long Id, string FileName, string Role, string Status, string? Message, string CreatedAt, string? FinishedAt);

/// <summary>A kmod on one release.</summary>
/// <param name="Kernel">The kernel.</param>
/// <param name="Loads">Whether some build loads.</param>
/// <param name="BuildId">The build, or null.</param>
/// <param name="Reason">The first problem, or null.</param>
public sealed record JsonKmodRelease(JsonKernel Kernel, bool Loads, long? BuildId, string? Reason);

/// <summary>A kmod along one line.</summary>
/// <param name="Line">The line.</param>
/// <param name="LastGood">The last good release, or null.</param>
/// <param name="FirstBad">The first bad release, or null.</param>
/// <param name="Releases">Each release, oldest first.</param>
public sealed record JsonKmodLine(string Line, string? LastGood, string? FirstBad, IReadOnlyList<JsonKmodRelease> Releases);

/// <summary><c>GET /api/v1/kmods/{name}</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Name">The kmod.</param>
/// <param name="Builds">Its stored builds.</param>
/// <param name="Lines">Each kernel line.</param>
public sealed record KmodStatusDocument(int Schema, string Name, IReadOnlyList<JsonKmod> Builds, IReadOnlyList<JsonKmodLine> Lines);

/// <summary><c>GET /api/v1/kernels/{release}</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Kernel">The kernel.</param>
/// <param name="Previous">The previous release of its line, or null.</param>
/// <param name="Diff">The diff against it, or null.</param>
/// <param name="Run">The latest gate run, or null.</param>
public sealed record KernelStatusDocument(int Schema, JsonKernel Kernel, JsonKernel? Previous, DiffDocument? Diff, JsonGateRun? Run);

/// <summary>An error: one line.</summary>
/// <param name="Error">What went wrong.</param>
public sealed record ErrorDocument(string Error);

/// <summary>Maps the service's results to their documents.</summary>
public static class ServiceDocuments
{
    /// <summary>A gate run, with its cases when given.</summary>
    public static JsonGateRun Run(StoredGateRun run, IReadOnlyList<GateRunCase>? cases)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new JsonGateRun(run.Id, run.KernelId, run.Release, run.Line, run.PreviousRelease, run.PolicyDigest, run.Trigger, run.Passed, run.Kmods, run.NewBreaks,
            run.Fixed, run.StillBroken, Time(run.StartedAt), cases?.Select(c => new JsonRunCase(c.Kmod, c.Outcome, c.Transition, c.BuildId, c.Reasons)).ToList());
    }

    /// <summary>The webhook's body for gate runs.</summary>
    public static GateRunsDocument Event(IEnumerable<GateRunReport> runs) => new(JsonShapes.Schema, "gate-run", [.. runs.Select(r => Run(r.Run, r.Cases))]);

    /// <summary>Watched sources with their state.</summary>
    public static SourcesDocument Sources(IEnumerable<WatchConfig> watches, IReadOnlyList<WatchState> states) =>
        new(JsonShapes.Schema, [.. watches.Select(w =>
        {
            var state = states.FirstOrDefault(s => s.Name == w.Name && s.Source == w.Source);
            return new JsonWatch(w.Name, w.Source, w.Role, (long)w.Every.TotalSeconds, Time(state?.PolledAt), Time(state?.ChangedAt), state?.LastError, state?.Failures ?? 0);
        })]);

    /// <summary>A submission.</summary>
    public static SubmissionDocument Submission(Submission s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new SubmissionDocument(JsonShapes.Schema, s.Id, s.FileName, s.Role, s.Status, s.Message, Time(s.CreatedAt), Time(s.FinishedAt));
    }

    /// <summary>A kmod's page.</summary>
    public static KmodStatusDocument Kmod(KmodStatusResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new KmodStatusDocument(JsonShapes.Schema, result.Name, [.. result.Builds.Select(JsonShapes.Kmod)],
            [.. result.Lines.Select(l => new JsonKmodLine(l.Line, l.LastGood?.Release, l.FirstBad?.Release,
                [.. l.Releases.Select(r => new JsonKmodRelease(JsonShapes.Kernel(r.Kernel), r.Loads, r.Build?.Id, r.Reason))]))]);
    }

    /// <summary>A kernel's page.</summary>
    public static KernelStatusDocument Kernel(KernelStatusResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new KernelStatusDocument(JsonShapes.Schema, JsonShapes.Kernel(result.Kernel), result.Previous is { } p ? JsonShapes.Kernel(p) : null,
            result.Diff is { } d ? GateDocuments.Diff(d) : null, result.Run is { } r ? Run(r.Run, r.Cases) : null);
    }

    /// <summary>A time as the documents write it.</summary>
    public static string Time(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    private static string? Time(DateTimeOffset? time) => time is { } t ? Time(t) : null;
}

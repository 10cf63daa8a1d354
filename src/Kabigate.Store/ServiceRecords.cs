namespace Kabigate.Store;

/// <summary>One registered kmod in a gate run.</summary>
/// <param name="Kmod">The kmod's name.</param>
/// <param name="Outcome">How it fares on the run's kernel: <c>loads</c>, <c>tolerated</c> or <c>fails</c>.</param>
/// <param name="Transition">Against the previous release of the line: <c>new-break</c>, <c>fixed</c>, <c>still-broken</c>, <c>still-loads</c>, or <c>first</c> (no previous release).</param>
/// <param name="BuildId">The stored build the outcome is about, or null.</param>
/// <param name="Reasons">The kernel's words for each problem (empty when it loads).</param>
public sealed record GateRunCase(string Kmod, string Outcome, string Transition, long? BuildId, IReadOnlyList<string> Reasons);

/// <summary>A gate run to record.</summary>
/// <param name="KernelId">The kernel gated.</param>
/// <param name="PreviousKernelId">The previous release of its line, or null.</param>
/// <param name="PolicyDigest">SHA-256 of the policy (and stablelist) the run judged under.</param>
/// <param name="Trigger">What started it (a watched source's name, <c>api</c>, <c>submission N</c>).</param>
/// <param name="Passed">Whether every registered kmod passes.</param>
/// <param name="Cases">One per registered kmod.</param>
public sealed record NewGateRun(long KernelId, long? PreviousKernelId, string PolicyDigest, string Trigger, bool Passed, IReadOnlyList<GateRunCase> Cases);

/// <summary>A recorded gate run.</summary>
/// <param name="Id">Its id.</param>
/// <param name="KernelId">The kernel gated.</param>
/// <param name="Release">Its release.</param>
/// <param name="Line">Its line.</param>
/// <param name="PreviousKernelId">The previous release of the line, or null.</param>
/// <param name="PreviousRelease">Its release, or null.</param>
/// <param name="PolicyDigest">The policy's digest.</param>
/// <param name="Trigger">What started it.</param>
/// <param name="Passed">Whether every registered kmod passed.</param>
/// <param name="Kmods">How many kmods were judged.</param>
/// <param name="NewBreaks">How many load on the previous release and not on this one.</param>
/// <param name="Fixed">How many fail on the previous release and load on this one.</param>
/// <param name="StillBroken">How many fail on both.</param>
/// <param name="StartedAt">When (UTC).</param>
public sealed record StoredGateRun(long Id, long KernelId, string Release, string Line, long? PreviousKernelId, string? PreviousRelease, string PolicyDigest, string Trigger,
    bool Passed, int Kmods, int NewBreaks, int Fixed, int StillBroken, DateTimeOffset StartedAt);

/// <summary>What the service knows of a watched source.</summary>
/// <param name="Name">The name the configuration gives it.</param>
/// <param name="Source">What is watched.</param>
/// <param name="Fingerprint">What the last successful poll saw (a checksum, a listing digest), or null before the first.</param>
/// <param name="PolledAt">When it was last polled, or null.</param>
/// <param name="ChangedAt">When a poll last found it changed, or null.</param>
/// <param name="LastError">The last poll's error, or null when it succeeded.</param>
/// <param name="Failures">Failed polls since the last success.</param>
public sealed record WatchState(string Name, string Source, string? Fingerprint, DateTimeOffset? PolledAt, DateTimeOffset? ChangedAt, string? LastError, int Failures);

/// <summary>An API token (only its hash is stored).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Who or what holds it.</param>
/// <param name="Scope">What it may do: <c>read</c>, <c>submit</c>, <c>gate</c> or <c>admin</c>.</param>
/// <param name="CreatedAt">When it was made.</param>
public sealed record StoredToken(long Id, string Name, string Scope, DateTimeOffset CreatedAt);

/// <summary>A webhook delivery and how it went.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Url">Where it is posted.</param>
/// <param name="Event">The event (<c>gate-run</c>).</param>
/// <param name="RunId">The gate run it reports, or null.</param>
/// <param name="Payload">The JSON body.</param>
/// <param name="Status"><c>pending</c>, <c>delivered</c> or <c>failed</c>.</param>
/// <param name="Attempts">Attempts so far.</param>
/// <param name="LastStatus">The receiver's last HTTP status, or null.</param>
/// <param name="LastError">The last attempt's error, or null.</param>
/// <param name="CreatedAt">When it was queued.</param>
/// <param name="DeliveredAt">When it was delivered, or null.</param>
public sealed record WebhookDelivery(long Id, string Url, string Event, long? RunId, string Payload, string Status, int Attempts, int? LastStatus, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt);

/// <summary>An uploaded kernel or kmod waiting in the spool, or ingested.</summary>
/// <param name="Id">Its id.</param>
/// <param name="FileName">The name it was uploaded with.</param>
/// <param name="Role"><c>kernel</c>, <c>kmods</c> or <c>any</c>.</param>
/// <param name="Spool">The spooled file.</param>
/// <param name="Status"><c>queued</c>, <c>ingested</c> or <c>rejected</c>.</param>
/// <param name="Message">What the ingest said, or why it was rejected.</param>
/// <param name="CreatedAt">When it was uploaded.</param>
/// <param name="FinishedAt">When it was ingested or rejected, or null.</param>
public sealed record Submission(long Id, string FileName, string Role, string Spool, string Status, string? Message, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

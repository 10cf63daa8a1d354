using System.Data.Common;

namespace Kabigate.Store;

/// <summary>The service's records: gate runs, watched sources, tokens, webhook deliveries and submissions.</summary>
public sealed partial class AbiStore
{
    private const string RunColumns =
        "r.id, r.kernel_id, k.release, k.line, r.previous_kernel_id, p.release, r.policy_digest, r.trigger, r.passed, r.kmods, r.new_breaks, r.fixed, r.still_broken, r.started_at";

    /// <summary>Records a gate run and its cases in one write; returns its id.</summary>
    public long RecordGateRun(NewGateRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Write(() =>
        {
            long id = NextId("gate_runs");
            Execute(
                "INSERT INTO gate_runs (id, kernel_id, previous_kernel_id, policy_digest, trigger, passed, kmods, new_breaks, fixed, still_broken, started_at) " +
                "VALUES (@id, @k, @p, @d, @t, @ok, @n, @nb, @f, @sb, @at)",
                ("id", id), ("k", run.KernelId), ("p", run.PreviousKernelId), ("d", run.PolicyDigest), ("t", run.Trigger), ("ok", run.Passed ? 1L : 0L),
                ("n", (long)run.Cases.Count), ("nb", Count(run, "new-break")), ("f", Count(run, "fixed")), ("sb", Count(run, "still-broken")), ("at", Now()));
            InsertMany("gate_run_cases", ["run_id", "kmod", "outcome", "transition", "build_id", "reasons"],
                [.. run.Cases.Select(c => new object?[] { id, c.Kmod, c.Outcome, c.Transition, c.BuildId, string.Join('\n', c.Reasons) })]);
            return id;
        });
    }

    /// <summary>The newest gate runs first; of one kernel when <paramref name="kernelId"/> is given.</summary>
    public IReadOnlyList<StoredGateRun> GateRuns(int limit, long? kernelId = null) =>
        Query($"SELECT {RunColumns} FROM gate_runs r JOIN kernels k ON k.id = r.kernel_id LEFT JOIN kernels p ON p.id = r.previous_kernel_id " +
            (kernelId is null ? "" : "WHERE r.kernel_id = @k ") + "ORDER BY r.id DESC LIMIT @n",
            kernelId is { } kid ? [("k", kid), ("n", (long)limit)] : [("n", (long)limit)], ReadRun);

    /// <summary>One gate run, or null.</summary>
    public StoredGateRun? GateRun(long id) =>
        Query($"SELECT {RunColumns} FROM gate_runs r JOIN kernels k ON k.id = r.kernel_id LEFT JOIN kernels p ON p.id = r.previous_kernel_id WHERE r.id = @id",
            [("id", id)], ReadRun).SingleOrDefault();

    /// <summary>A gate run's cases, by kmod name.</summary>
    public IReadOnlyList<GateRunCase> GateRunCases(long runId) =>
        Query("SELECT kmod, outcome, transition, build_id, reasons FROM gate_run_cases WHERE run_id = @id ORDER BY kmod", [("id", runId)],
            r => new GateRunCase(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetInt64(3),
                r.GetString(4).Length == 0 ? [] : r.GetString(4).Split('\n')));

    /// <summary>The ids of stored kernels no gate run has judged yet.</summary>
    public IReadOnlyList<long> KernelsNeverGated() =>
        Query("SELECT id FROM kernels WHERE id NOT IN (SELECT kernel_id FROM gate_runs) ORDER BY id", [], r => r.GetInt64(0));

    /// <summary>What the service knows of every watched source.</summary>
    public IReadOnlyList<WatchState> Watches() =>
        Query("SELECT name, source, fingerprint, polled_at, changed_at, last_error, failures FROM watched_sources ORDER BY name", [],
            r => new WatchState(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), OptionalTime(r, 3), OptionalTime(r, 4),
                r.IsDBNull(5) ? null : r.GetString(5), (int)r.GetInt64(6)));

    /// <summary>Saves what a poll found (replacing the source's earlier state).</summary>
    public void SaveWatch(WatchState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Write(() =>
        {
            Execute("DELETE FROM watched_sources WHERE name = @n", ("n", state.Name));
            Execute("INSERT INTO watched_sources (name, source, fingerprint, polled_at, changed_at, last_error, failures) VALUES (@n, @s, @f, @p, @c, @e, @x)",
                ("n", state.Name), ("s", state.Source), ("f", state.Fingerprint), ("p", Time(state.PolledAt)), ("c", Time(state.ChangedAt)),
                ("e", state.LastError), ("x", (long)state.Failures));
            return 0;
        });
    }

    /// <summary>Stores a token's hash under a name.</summary>
    /// <exception cref="StoreException">A token of that name exists.</exception>
    public StoredToken AddToken(string name, string scope, string tokenHash)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Write(() =>
        {
            if (Query("SELECT 1 FROM api_tokens WHERE name = @n", [("n", name)], r => 1).Count > 0)
                throw new StoreException($"a token named '{name}' exists already; revoke it first or choose another name");
            long id = NextId("api_tokens");
            var at = Now();
            Execute("INSERT INTO api_tokens (id, name, scope, token_hash, created_at) VALUES (@id, @n, @s, @h, @at)",
                ("id", id), ("n", name), ("s", scope), ("h", tokenHash), ("at", at));
            return new StoredToken(id, name, scope, ParseTime(at));
        });
    }

    /// <summary>The token with this hash, or null.</summary>
    public StoredToken? TokenByHash(string tokenHash) =>
        Query("SELECT id, name, scope, created_at FROM api_tokens WHERE token_hash = @h", [("h", tokenHash)], ReadToken).SingleOrDefault();

    /// <summary>Every token, by name (hashes are not returned).</summary>
    public IReadOnlyList<StoredToken> Tokens() => Query("SELECT id, name, scope, created_at FROM api_tokens ORDER BY name", [], ReadToken);

    /// <summary>Deletes a token; false when none has that name.</summary>
    public bool RevokeToken(string name) =>
        Write(() =>
        {
            bool found = Query("SELECT 1 FROM api_tokens WHERE name = @n", [("n", name)], r => 1).Count > 0;
            Execute("DELETE FROM api_tokens WHERE name = @n", ("n", name));
            return found;
        });

    /// <summary>Queues a webhook delivery; returns its id.</summary>
    public long AddDelivery(string url, string eventName, long? runId, string payload) =>
        Write(() =>
        {
            long id = NextId("webhook_deliveries");
            Execute("INSERT INTO webhook_deliveries (id, url, event, run_id, payload, status, attempts, created_at) VALUES (@id, @u, @e, @r, @p, 'pending', 0, @at)",
                ("id", id), ("u", url), ("e", eventName), ("r", runId), ("p", payload), ("at", Now()));
            return id;
        });

    /// <summary>Records an attempt at a delivery.</summary>
    public void RecordDeliveryAttempt(long id, string status, int? httpStatus, string? error) =>
        Write(() =>
        {
            Execute("UPDATE webhook_deliveries SET status = @s, attempts = attempts + 1, last_status = @h, last_error = @e, delivered_at = @d WHERE id = @id",
                ("id", id), ("s", status), ("h", httpStatus is { } h ? (long)h : null), ("e", error), ("d", status == "delivered" ? Now() : null));
            return 0;
        });

    /// <summary>The newest deliveries first.</summary>
    public IReadOnlyList<WebhookDelivery> Deliveries(int limit) =>
        Query("SELECT id, url, event, run_id, payload, status, attempts, last_status, last_error, created_at, delivered_at FROM webhook_deliveries ORDER BY id DESC LIMIT @n",
            [("n", (long)limit)], ReadDelivery);

    /// <summary>One delivery, or null.</summary>
    public WebhookDelivery? Delivery(long id) =>
        Query("SELECT id, url, event, run_id, payload, status, attempts, last_status, last_error, created_at, delivered_at FROM webhook_deliveries WHERE id = @id",
            [("id", id)], ReadDelivery).SingleOrDefault();

    /// <summary>Records an upload waiting in the spool; returns its id.</summary>
    public long AddSubmission(string fileName, string role, string spool) =>
        Write(() =>
        {
            long id = NextId("submissions");
            Execute("INSERT INTO submissions (id, file_name, role, spool, status, created_at) VALUES (@id, @f, @r, @s, 'queued', @at)",
                ("id", id), ("f", fileName), ("r", role), ("s", spool), ("at", Now()));
            return id;
        });

    /// <summary>Records how a submission ended.</summary>
    public void FinishSubmission(long id, string status, string message) =>
        Write(() =>
        {
            Execute("UPDATE submissions SET status = @s, message = @m, finished_at = @at WHERE id = @id", ("id", id), ("s", status), ("m", message), ("at", Now()));
            return 0;
        });

    /// <summary>One submission, or null.</summary>
    public Submission? Submission(long id) =>
        Query("SELECT id, file_name, role, spool, status, message, created_at, finished_at FROM submissions WHERE id = @id", [("id", id)],
            r => new Submission(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
                ParseTime(r.GetString(6)), OptionalTime(r, 7))).SingleOrDefault();

    /// <summary>One short write transaction, serialized with every other writer; no checkpoint (these writes are small).</summary>
    private T Write<T>(Func<T> action)
    {
        if (IsReadOnly)
            throw new StoreException($"{Location.Display}: opened read-only (this user cannot write it or its directory)");
        BeginWrite();
        try
        {
            var result = action();
            CommitWrite(checkpoint: false);
            return result;
        }
        catch
        {
            RollbackWrite();
            throw;
        }
    }

    private long NextId(string table) => Query($"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}", [], r => r.GetInt64(0)).Single();

    private static long Count(NewGateRun run, string transition) => run.Cases.Count(c => c.Transition == transition);

    private static StoredGateRun ReadRun(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5),
            r.GetString(6), r.GetString(7), r.GetInt64(8) != 0, (int)r.GetInt64(9), (int)r.GetInt64(10), (int)r.GetInt64(11), (int)r.GetInt64(12), ParseTime(r.GetString(13)));

    private static StoredToken ReadToken(DbDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2), ParseTime(r.GetString(3)));

    private static WebhookDelivery ReadDelivery(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.GetString(4), r.GetString(5), (int)r.GetInt64(6),
            r.IsDBNull(7) ? null : (int)r.GetInt64(7), r.IsDBNull(8) ? null : r.GetString(8), ParseTime(r.GetString(9)), OptionalTime(r, 10));

    private static DateTimeOffset? OptionalTime(DbDataReader r, int column) => r.IsDBNull(column) ? null : ParseTime(r.GetString(column));

    private static string? Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
}

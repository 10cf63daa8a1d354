using Kabigate.App.Operations;
using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>What one poll of a watched source did.</summary>
/// <param name="State">The source's state after the poll.</param>
/// <param name="Ingested">What was read and stored, or null when nothing changed.</param>
/// <param name="Runs">The gate runs of the kernels the poll stored (and of any kernel an earlier poll stored but did not gate).</param>
public sealed record PollResult(WatchState State, IngestSummary? Ingested, IReadOnlyList<GateRunReport> Runs);

/// <summary>
/// A poll of one watched source: find out cheaply whether it changed (<see cref="WatchProbe"/>); if it did, ingest what
/// is new in one transaction, then gate every kernel not gated yet. The fingerprint is saved only once the ingest is
/// committed, so a poll that fails (or a service killed during it) is redone whole by the next one.
/// </summary>
public static class WatchOperation
{
    /// <summary>Polls a watched source.</summary>
    /// <exception cref="OperationException">The source cannot be read, or what it holds cannot be stored; the source's state records the error.</exception>
    public static PollResult Poll(WatchConfig watch, GateSettings settings, IOperationLog log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(watch);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        var location = StoreLocation.Resolve(settings.Db);
        WatchState before;
        using (var store = AbiStore.Open(location, create: true))
            before = store.Watches().FirstOrDefault(w => w.Name == watch.Name && w.Source == watch.Source) ?? new WatchState(watch.Name, watch.Source, null, null, null, null, 0);
        WatchProbeResult probe;
        IngestSummary? ingested = null;
        try
        {
            probe = WatchProbe.Probe(watch.Source, before.Fingerprint, cancellationToken);
            if (probe.Changed.Count > 0)
            {
                log.Note($"{watch.Name}: {probe.Changed.Count} new or changed: {string.Join(", ", probe.Changed.Take(5))}{(probe.Changed.Count > 5 ? ", …" : "")}");
                IReadOnlyList<string> none = [];
                var request = watch.Role switch
                {
                    "kernels" => new IngestRequest(settings.Db, none, probe.Changed, none),
                    "kmods" => new IngestRequest(settings.Db, none, none, probe.Changed),
                    _ => new IngestRequest(settings.Db, probe.Changed, none, none),
                };
                ingested = IngestOperation.Run(request, log);
            }
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            using var store = AbiStore.Open(location, create: true);
            store.SaveWatch(before with { PolledAt = DateTimeOffset.UtcNow, LastError = message, Failures = before.Failures + 1 });
            throw new OperationException($"{watch.Name}: {message}");
        }
        var now = DateTimeOffset.UtcNow;
        var state = before with { Fingerprint = probe.Fingerprint, PolledAt = now, ChangedAt = probe.Changed.Count > 0 ? now : before.ChangedAt, LastError = null, Failures = 0 };
        using (var store = AbiStore.Open(location, create: true))
            store.SaveWatch(state);
        var runs = GateRunOperation.GateNew(settings, watch.Name, log, GateRunOperation.StoredNewKmods(ingested));
        return new PollResult(state, ingested, runs);
    }

    /// <summary>The one line a poll's failure is recorded and reported with, or null for a fault of kabigate itself.</summary>
    public static string? Describe(Exception e) => e switch
    {
        OperationException o => string.Join("; ", o.Messages),
        StoreException or ModuleFormatException or IOException or UnauthorizedAccessException => e.Message,
        _ => InputFailures.Describe(e),
    };
}

using System.Text;
using Hangfire;
using Hangfire.Storage;
using Kabigate.App;
using Kabigate.App.Json;
using Kabigate.App.Operations;
using Kabigate.App.Service;
using Prometheus;

namespace Kabigate.Server;

/// <summary>
/// The service's work, as Hangfire jobs: each watched source is a recurring job (run once across every instance that
/// shares the job store), and each gate run fans out into webhook deliveries and re-publications, retried with backoff.
/// </summary>
public sealed class ServiceJobs(ServiceContext context, IHttpClientFactory http, IBackgroundJobClient jobs, IRecurringJobManager recurring, JobStorage storage, ILogger<ServiceJobs> logger)
{
    /// <summary>The HTTP client webhooks are posted with.</summary>
    public const string WebhookClient = "webhooks";

    private static readonly Counter Polls = Metrics.CreateCounter("kabigate_polls_total", "Polls of watched sources.", "source", "result");
    private static readonly Counter Runs = Metrics.CreateCounter("kabigate_gate_runs_total", "Gate runs recorded.", "passed");
    private static readonly Counter Deliveries = Metrics.CreateCounter("kabigate_webhook_attempts_total", "Webhook delivery attempts.", "result");

    private readonly ServerLog _log = new(logger);

    /// <summary>Registers each watched source's recurring poll (and removes those no longer configured), and gates what a stopped instance left ungated.</summary>
    public void Schedule()
    {
        foreach (var watch in context.Config.Watches)
            recurring.AddOrUpdate<ServiceJobs>(JobId(watch.Name), j => j.Poll(watch.Name), Cron(watch.Every));
        using (var connection = storage.GetConnection())
        {
            foreach (var job in connection.GetRecurringJobs().Where(j => j.Id.StartsWith("poll:", StringComparison.Ordinal)))
            {
                if (context.Watch(job.Id["poll:".Length..]) is null)
                    recurring.RemoveIfExists(job.Id);
            }
        }
        jobs.Enqueue<ServiceJobs>(j => j.GateUngated());
    }

    /// <summary>Polls a watched source now (the recurring job; also what <c>POST /api/v1/sources/{name}/poll</c> enqueues).</summary>
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 120, 600, 1800])]
    public void Poll(string name)
    {
        using var exclusive = Exclusive(nameof(Poll));
        var watch = context.Watch(name);
        if (watch is null)
        {
            logger.LogWarning("source {Name} is no longer configured; poll skipped", name);
            return;
        }
        PollResult result;
        try
        {
            result = WatchOperation.Poll(watch, context.Settings, _log);
        }
        catch (OperationException e)
        {
            Polls.WithLabels(name, "error").Inc();
            logger.LogWarning("poll of {Name} failed: {Error}", name, e.Message);
            throw;
        }
        Polls.WithLabels(name, result.Ingested is null ? "unchanged" : "changed").Inc();
        After(result.Runs);
    }

    /// <summary>Gates every stored kernel no run has judged (on start: what a killed instance stored but did not gate).</summary>
    public void GateUngated()
    {
        using var exclusive = Exclusive(nameof(GateUngated));
        After(GateRunOperation.GateNew(context.Settings, "resume", _log));
    }

    /// <summary>Ingests a queued submission and gates what it brought.</summary>
    [AutomaticRetry(Attempts = 3)]
    public void IngestSubmission(long id) => After(SubmissionOperation.Ingest(id, context.Settings, _log).Runs);

    /// <summary>Posts one delivery; a failure (no answer, or not 2xx) is recorded and retried with backoff.</summary>
    [AutomaticRetry(Attempts = 8, DelaysInSeconds = [5, 15, 60, 300, 900, 1800, 3600, 7200])]
    public void Deliver(long id)
    {
        using var store = context.OpenWrite();
        var delivery = store.Delivery(id);
        var hook = context.Config.Webhooks.FirstOrDefault(w => w.Url == delivery?.Url);
        if (delivery is null || delivery.Status == "delivered" || hook is null)
            return;
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Kabigate-Event", delivery.Event);
        request.Headers.Add("X-Kabigate-Delivery", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Kabigate-Signature-256", GateRunOperation.Signature(hook.Secret, body));
        try
        {
            using var response = http.CreateClient(WebhookClient).Send(request);
            if (response.IsSuccessStatusCode)
            {
                store.RecordDeliveryAttempt(id, "delivered", (int)response.StatusCode, null);
                Deliveries.WithLabels("delivered").Inc();
                return;
            }
            store.RecordDeliveryAttempt(id, "pending", (int)response.StatusCode, $"the receiver answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            store.RecordDeliveryAttempt(id, "pending", null, e.Message.ReplaceLineEndings(" "));
        }
        Deliveries.WithLabels("failed").Inc();
        throw new InvalidOperationException($"webhook delivery {id} to {delivery.Url} failed; retrying");
    }

    /// <summary>Re-publishes one configured gated repository.</summary>
    [AutomaticRetry(Attempts = 3)]
    public void Publish(int index)
    {
        using var exclusive = Exclusive(nameof(Publish));
        var publish = context.Config.Publish[index];
        var config = context.Config;
        var result = PublishGatedOperation.Run(new PublishGatedRequest(publish.From, publish.To, config.Kmods, config.Kmods.Count == 0, context.Db, config.Policy, config.Stablelist), _log);
        logger.LogInformation("published {To}: {Outcome}", publish.To, result.Outcome);
    }

    /// <summary>The queue build jobs wait in: only <c>kabigate worker</c> processes it, never a <c>serve</c> instance.</summary>
    public const string RebuildQueue = "rebuild";

    /// <summary>Builds one plan item (a worker's job), re-verifies and records it; re-publishes the gated repositories when it covers its class.</summary>
    [Queue(RebuildQueue)]
    [AutomaticRetry(Attempts = 2)]
    public void Rebuild(string item, string release)
    {
        var result = ServiceRebuilds.Run(context.Config, context.Db, new QueuedRebuild(item, release), TimeSpan.FromMinutes(30), _log);
        logger.LogInformation("rebuild {Item}: {Outcome}", item, result.Outcome);
        if (result.Outcome == RebuildRunOutcome.Covered)
            EnqueuePublish();
    }

    /// <summary>What follows gate runs: metrics, a delivery per webhook, every gated repository re-published, and the rebuilds new breaks call for.</summary>
    private void After(IReadOnlyList<GateRunReport> runs)
    {
        if (runs.Count == 0)
            return;
        foreach (var run in runs)
            Runs.WithLabels(run.Run.Passed ? "true" : "false").Inc();
        using (var store = context.OpenWrite())
        {
            foreach (var hook in context.Config.Webhooks)
            {
                var chosen = runs.Where(r => !hook.OnlyTransitions || r.Run.NewBreaks + r.Run.Fixed > 0).ToList();
                if (chosen.Count == 0)
                    continue;
                var id = store.AddDelivery(hook.Url, "gate-run", chosen[^1].Run.Id, KabigateJson.ToString(ServiceDocuments.Event(chosen), indented: false));
                jobs.Enqueue<ServiceJobs>(j => j.Deliver(id));
            }
        }
        EnqueuePublish();
        foreach (var rebuild in ServiceRebuilds.Plan(context.Config, context.Db, runs, _log))
            jobs.Enqueue<ServiceJobs>(j => j.Rebuild(rebuild.Item, rebuild.Release));
    }

    /// <summary>One job of this kind at a time across every instance (what DisableConcurrentExecution did, without its lock outliving a killed holder).</summary>
    private ExclusiveRun Exclusive(string kind) => ExclusiveRun.Acquire(context.Location, storage, kind, TimeSpan.FromHours(1));

    private void EnqueuePublish()
    {
        for (int i = 0; i < context.Config.Publish.Count; i++)
        {
            int index = i;
            jobs.Enqueue<ServiceJobs>(j => j.Publish(index));
        }
    }

    /// <summary>The recurring job of a watched source.</summary>
    public static string JobId(string name) => "poll:" + name;

    /// <summary>A poll interval as a cron schedule (Hangfire's recurring jobs are cron): rounded to what cron can say.</summary>
    internal static string Cron(TimeSpan every) => every switch
    {
        { TotalSeconds: < 60 } => $"*/{(int)every.TotalSeconds} * * * * *",
        { TotalMinutes: < 60 } => $"*/{(int)every.TotalMinutes} * * * *",
        { TotalHours: < 24 } => $"0 */{(int)every.TotalHours} * * *",
        _ => $"0 0 */{Math.Min((int)every.TotalDays, 31)} * *",
    };
}

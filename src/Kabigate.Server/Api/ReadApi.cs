using Kabigate.App.Json;
using Kabigate.App.Operations;
using Kabigate.App.Service;

namespace Kabigate.Server.Api;

/// <summary>The read side of <c>/api/v1</c>: what the CLI's store verbs answer, as the same JSON documents.</summary>
internal static class ReadApi
{
    public const int MaxPage = 1000;

    public static void MapReadApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization("read");
        api.MapGet("/kernels", (ServiceContext s) => ApiResults.Try(() =>
            ApiResults.Json(SourceDocuments.Kernels(StoreQueries.Kernels(new ListRequest(s.Db, []))))))
            .WithSummary("Every stored kernel release, by line and version.");
        api.MapGet("/kernels/{release}", (string release, ServiceContext s, ILogger<ServiceJobs> log) => ApiResults.Try(() =>
            ApiResults.Json(ServiceDocuments.Kernel(KernelStatusOperation.Run(s.Settings, release, new ServerLog(log)))), StatusCodes.Status404NotFound))
            .WithSummary("A kernel: its diff against the previous release of its line and its latest gate run (the kmods it breaks).");
        api.MapGet("/kmods", (ServiceContext s) => ApiResults.Try(() =>
            ApiResults.Json(SourceDocuments.Kmods(StoreQueries.Kmods(new ListRequest(s.Db, []))))))
            .WithSummary("Every stored kmod build.");
        api.MapGet("/kmods/{name}", (string name, ServiceContext s, ILogger<ServiceJobs> log) => ApiResults.Try(() =>
            ApiResults.Json(ServiceDocuments.Kmod(KmodStatusOperation.Run(s.Db, name, new ServerLog(log)))), StatusCodes.Status404NotFound))
            .WithSummary("A kmod: the releases it loads on, the first reason on the others, first bad and last good per line.");
        api.MapGet("/matrix", (HttpContext http, ServiceContext s, AnswerCache answers, ILogger<ServiceJobs> log) => ApiResults.Try(() =>
        {
            var query = MatrixQuery.From(http.Request.Query);
            var page = query.Run(s, answers, new ServerLog(log));
            http.Response.Headers["X-Total-Count"] = page.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiResults.Json(VerdictDocuments.Matrix(page.Result));
        }))
            .WithSummary("Stored kmods × stored kernels: ?kmods=GLOB,… &kernels=GLOB,… &failing=true &transitions=true &page=N &per_page=N (rows paged).");
        api.MapGet("/diff", (string from, string to, ServiceContext s, ILogger<ServiceJobs> log) => ApiResults.Try(() =>
            ApiResults.Json(GateDocuments.Diff(DiffOperation.Run(new DiffRequest(from, to, s.Db, [], s.Settings.StablelistFile, s.Settings.PolicyFile), new ServerLog(log))))))
            .WithSummary("What changed between two stored releases (?from=&to=), judged under the service's policy.");
        api.MapGet("/history", (string symbol, string? lines, ServiceContext s) => ApiResults.Try(() =>
            ApiResults.Json(SourceDocuments.History(StoreQueries.History(new HistoryRequest(s.Db, symbol, MatrixQuery.List(lines)))))))
            .WithSummary("A symbol across every stored release (?symbol=&lines=).");
        api.MapGet("/greylist", (ServiceContext s) => ApiResults.Try(() =>
            ApiResults.Json(SourceDocuments.Greylist(StoreQueries.Greylist(new GreylistRequest(s.Db, s.Settings.PolicyFile, s.Settings.StablelistFile, []))))))
            .WithSummary("Symbols the stored kmods use that the stablelist does not promise.");
        api.MapGet("/gate-runs", (int? limit, ServiceContext s) => ApiResults.Try(() =>
        {
            using var store = s.OpenRead();
            var runs = store.GateRuns(Math.Clamp(limit ?? 100, 1, MaxPage));
            return ApiResults.Json(new GateRunsDocument(JsonShapes.Schema, null, [.. runs.Select(r => ServiceDocuments.Run(r, null))]));
        }))
            .WithSummary("Gate runs, newest first (?limit=N).");
        api.MapGet("/gate-runs/kcidb", (int? limit, ServiceContext s) => ApiResults.Try(() =>
        {
            using var store = s.OpenRead();
            var runs = store.GateRuns(Math.Clamp(limit ?? 100, 1, MaxPage)).Select(r => new GateRunReport(r, store.GateRunCases(r.Id))).ToList();
            return ApiResults.Json(KcidbDocument.From(runs));
        }))
            .WithSummary("Gate runs as a KCIDB v5 submission (one test per kmod and kernel, path kabi.load.KMOD).");
        api.MapGet("/gate-runs/{id:long}", (long id, ServiceContext s) => ApiResults.Try(() =>
        {
            using var store = s.OpenRead();
            return store.GateRun(id) is { } run
                ? ApiResults.Json(ServiceDocuments.Run(run, store.GateRunCases(id)))
                : ApiResults.Error(StatusCodes.Status404NotFound, $"no gate run {id}");
        }))
            .WithSummary("A gate run with each kmod's outcome, transition and the kernel's words.");
        api.MapGet("/sources", (ServiceContext s) => ApiResults.Try(() =>
        {
            using var store = s.OpenRead();
            return ApiResults.Json(ServiceDocuments.Sources(s.Config.Watches, store.Watches()));
        }))
            .WithSummary("The watched sources: last poll, last change, last error.");
        api.MapGet("/submissions/{id:long}", (long id, ServiceContext s) => ApiResults.Try(() =>
        {
            using var store = s.OpenRead();
            return store.Submission(id) is { } submission
                ? ApiResults.Json(ServiceDocuments.Submission(submission))
                : ApiResults.Error(StatusCodes.Status404NotFound, $"no submission {id}");
        }))
            .WithSummary("How far a submission got: queued, ingested or rejected.");
    }
}

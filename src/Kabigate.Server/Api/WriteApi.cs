using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hangfire;
using Kabigate.App.Inputs;
using Kabigate.App.Json;
using Kabigate.App.Operations;
using Kabigate.App.Reports;
using Kabigate.App.Service;

namespace Kabigate.Server.Api;

/// <summary>The write side of <c>/api/v1</c>: gate a kernel (what a CI job calls), submit kernels and kmods, poll a source now.</summary>
internal static partial class WriteApi
{
    [GeneratedRegex("[^A-Za-z0-9._+-]")]
    private static partial Regex UnsafeNameCharacters();

    public static void MapWriteApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapPost("/gate", Gate).RequireAuthorization("gate")
            .WithSummary("Gates a kernel against the registered kmods: a JSON body {\"kernel\": \"RELEASE\"} names a stored release; any other body is an upload (a package, Module.symvers, ...; ?name=FILE&release=R). ?format=junit for JUnit XML.");
        api.MapPost("/hold", Hold).RequireAuthorization("read")
            .WithSummary("Which kernels would strand one machine's installed kmods (for fleets): a JSON body {\"installed\": [packages as rpm lists them], \"kernels\": [stored releases], \"candidates\": [kernel packages], \"loaded\": [modules]}; the answer is the CLI's hold document.");
        api.MapPost("/submissions", Submit).RequireAuthorization("submit")
            .WithSummary("Uploads a kernel or kmod (?name=FILE&role=kernel|kmods|any): checked at once (400 if it cannot be read), then ingested asynchronously; 202 with its status URL.");
        api.MapPost("/sources/{name}/poll", (string name, ServiceContext s, IBackgroundJobClient jobs) => s.Watch(name) is null
                ? ApiResults.Error(StatusCodes.Status404NotFound, $"no watched source named '{name}'")
                : ApiResults.Accepted(jobs.Enqueue<ServiceJobs>(j => j.Poll(name))))
            .RequireAuthorization("admin")
            .WithSummary("Polls a watched source now.");
    }

    private static async Task<IResult> Gate(HttpContext http, ServiceContext s, AnswerCache answers, ILogger<ServiceJobs> log)
    {
        string? upload = null;
        var junit = http.Request.Query["format"] == "junit";
        try
        {
            if (http.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
            {
                using var body = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 4 });
                if (body.RootElement.ValueKind != JsonValueKind.Object || !body.RootElement.TryGetProperty("kernel", out var named) || named.ValueKind != JsonValueKind.String)
                    return ApiResults.Error(StatusCodes.Status400BadRequest, "the body must be {\"kernel\": \"RELEASE\"}");
                var kernel = named.GetString()!;
                if (StoreAccess.IsSource(kernel))
                    return ApiResults.Error(StatusCodes.Status400BadRequest, $"'{kernel}': name a stored release or id:N, or upload the kernel");
                return ApiResults.Try(() =>
                {
                    using var store = s.OpenRead();
                    var key = StoredAnswers.Key(store, s.Settings, "gate", kernel, junit ? "junit" : "json");
                    var answer = answers.GetOrAdd(key, () => Render(StoredGateOperation.Run(store, s.Settings, StoredGateOperation.Resolve(store, s.Settings, kernel, new ServerLog(log))), junit),
                        a => a.Body.Length);
                    return Answer(http, answer);
                });
            }
            upload = await Spool(http, Path.Combine(s.Spool, "gate"));
            var source = http.Request.Query["release"] is { Count: > 0 } release ? $"{upload}#{release}" : upload;
            var config = s.Config;
            var request = new GateRequest([source], config.Kmods, config.Kmods.Count == 0, s.Db, config.Policy, config.Stablelist);
            return ApiResults.Try(() => Answer(http, Render(GateOperation.Run(request, new ServerLog(log)), junit)));
        }
        catch (JsonException e)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, $"the body is not JSON: {e.Message}");
        }
        finally
        {
            if (upload is not null)
                Directory.Delete(Path.GetDirectoryName(upload)!, recursive: true);
        }
    }

    /// <summary>The largest hold question: a machine's whole package list with its relations.</summary>
    internal const int MaxHoldQueryBytes = 64 << 20;

    private static async Task<IResult> Hold(HttpContext http, ServiceContext s, ILogger<ServiceJobs> log)
    {
        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
            return ApiResults.Error(StatusCodes.Status415UnsupportedMediaType, "the body must be JSON (Content-Type: application/json)");
        using var body = new MemoryStream();
        var buffer = new byte[1 << 16];
        for (int read; (read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0;)
        {
            if (body.Length + read > MaxHoldQueryBytes)
                return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"the hold question is larger than {MaxHoldQueryBytes >> 20} MiB");
            body.Write(buffer, 0, read);
        }
        return ApiResults.Try(() =>
        {
            var query = KabigateRequestJson.ReadHoldQuery(body.GetBuffer().AsSpan(0, (int)body.Length));
            using var store = s.OpenRead();
            var result = MachineHoldOperation.Run(store, s.Settings, query, new ServerLog(log));
            return ApiResults.Json(PackageDocuments.Hold(result));
        });
    }

    private static CachedAnswer Render(GateResult result, bool junit) => junit
        ? new CachedAnswer(Encoding.UTF8.GetBytes(GateReportRenderer.JUnit(result)), "application/xml; charset=utf-8", result.Verdict == GateVerdict.Pass)
        : new CachedAnswer(KabigateJson.ToUtf8Bytes(GateDocuments.Gate(result), indented: false), "application/json; charset=utf-8", result.Verdict == GateVerdict.Pass);

    private static IResult Answer(HttpContext http, CachedAnswer answer)
    {
        http.Response.Headers["X-Kabigate-Passed"] = answer.Passed ? "true" : "false";
        return Results.Bytes(answer.Body, answer.ContentType);
    }

    private static async Task<IResult> Submit(HttpContext http, ServiceContext s, IBackgroundJobClient jobs, ILogger<ServiceJobs> log)
    {
        var role = http.Request.Query["role"].FirstOrDefault() ?? "any";
        if (!SubmissionOperation.Roles.Contains(role))
            return ApiResults.Error(StatusCodes.Status400BadRequest, $"'{role}': the role is one of {string.Join(", ", SubmissionOperation.Roles)}");
        var spooled = await Spool(http, s.Spool);
        var name = Path.GetFileName(spooled);
        var result = ApiResults.Try(() =>
        {
            var submission = SubmissionOperation.Accept(s.Db, name, role, spooled, new ServerLog(log));
            jobs.Enqueue<ServiceJobs>(j => j.IngestSubmission(submission.Id));
            return Results.Text(KabigateJson.ToString(ServiceDocuments.Submission(submission)), "application/json; charset=utf-8", statusCode: StatusCodes.Status202Accepted);
        });
        if (result is not IStatusCodeHttpResult { StatusCode: StatusCodes.Status202Accepted })
            Directory.Delete(Path.GetDirectoryName(spooled)!, recursive: true); // nothing is kept from a bad upload
        return result;
    }

    /// <summary>Copies the request body into a folder of its own under the spool, named as the client says (made safe).</summary>
    private static async Task<string> Spool(HttpContext http, string spool)
    {
        var given = http.Request.Query["name"].FirstOrDefault() ?? "upload";
        var name = UnsafeNameCharacters().Replace(Path.GetFileName(given), "_").TrimStart('.');
        if (name.Length == 0 || name.Length > 200)
            name = "upload";
        var folder = Path.Combine(spool, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await http.Request.Body.CopyToAsync(file, http.RequestAborted);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
        return path;
    }

}

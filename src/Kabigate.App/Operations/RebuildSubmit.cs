using System.Net.Http.Headers;
using System.Text.Json;

namespace Kabigate.App.Operations;

/// <summary>Where <c>rebuild run --submit</c> sends the verified artifacts: a kabigate service and a token of scope <c>submit</c>.</summary>
/// <param name="Url">The service's base URL (<c>http://</c> or <c>https://</c>); the artifacts go to <c>URL/api/v1/submissions</c>.</param>
/// <param name="Token">The bearer token; never printed, logged or put in an error.</param>
public sealed record RebuildSubmitTarget(string Url, string Token)
{
    /// <summary>The environment variable a token is read from when <c>--token</c> is not given (so that it stays out of <c>ps</c>).</summary>
    public const string TokenVariable = "KABIGATE_TOKEN";

    /// <summary>The target <c>--submit URL</c> and <c>--token T</c> (or <see cref="TokenVariable"/>) name, or null without <c>--submit</c>.</summary>
    /// <exception cref="OperationException">The URL is not an http(s) URL, or there is no token; or a token is given without --submit.</exception>
    public static RebuildSubmitTarget? Of(string? url, string? token)
    {
        if (url is null)
            return token is null ? null : throw new OperationException("--token goes with --submit URL");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw new OperationException($"--submit '{url}': the service's base URL, http:// or https://");
        token ??= Environment.GetEnvironmentVariable(TokenVariable);
        if (string.IsNullOrEmpty(token))
            throw new OperationException($"--submit needs a token of scope 'submit': --token T, or ${TokenVariable}");
        if (token.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            throw new OperationException("the token has spaces or control characters (a kabigate token has none)");
        return new RebuildSubmitTarget(uri.AbsoluteUri.TrimEnd('/'), token);
    }

    /// <summary>Redacted: a record's generated ToString would print the token.</summary>
    public override string ToString() => $"RebuildSubmitTarget {{ Url = {Url}, Token = (hidden) }}";
}

/// <summary>One artifact the service accepted.</summary>
/// <param name="File">The artifact sent.</param>
/// <param name="Id">The submission's id at the service.</param>
/// <param name="Status">Its status there (<c>queued</c>: it is ingested in the background).</param>
/// <param name="StatusUrl">Where its status is read (<c>URL/api/v1/submissions/ID</c>).</param>
public sealed record RebuildSubmission(string File, long Id, string Status, string StatusUrl);

/// <summary>
/// Sends a run's verified artifacts to a kabigate service's submissions API: for each build that loads on some
/// member of its class, its packages when it was packaged (the kmod RPM, the .debs), else its .ko files, one
/// <c>POST URL/api/v1/submissions?name=FILE&amp;role=kmods</c> each with <c>Authorization: Bearer T</c>. The API
/// takes kernels and kmods only: the build's log is not sent (it stays in the run's output directory).
/// </summary>
internal static class RebuildSubmit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>The files to send: each verified build's packages, else its modules.</summary>
    public static IReadOnlyList<string> Artifacts(IReadOnlyList<RebuildBuildResult> builds, IReadOnlyList<RebuildKernelResult> results) =>
        [.. builds
            .Where(b => results.Any(r => r.Recipe == b.Recipe && r.ClassKey == b.ClassKey && r.Status == RebuildStatuses.Built))
            .SelectMany(b => b.Packages.Count > 0 ? b.Packages : b.Outcome.ModuleFiles)
            .Distinct(StringComparer.Ordinal)];

    /// <summary>Posts each artifact; returns what the service accepted.</summary>
    /// <exception cref="OperationException">The service cannot be reached or refused an artifact (one line: the status and the service's error).</exception>
    public static IReadOnlyList<RebuildSubmission> Send(RebuildSubmitTarget target, IReadOnlyList<string> artifacts, IOperationLog log, CancellationToken cancel)
    {
        using var http = new HttpClient { Timeout = Timeout };
        var accepted = new List<RebuildSubmission>();
        foreach (var file in artifacts)
        {
            var name = Path.GetFileName(file);
            var url = $"{target.Url}/api/v1/submissions?name={Uri.EscapeDataString(name)}&role=kmods";
            using var request = new HttpRequestMessage(HttpMethod.Post, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Token);
            using var body = File.OpenRead(file);
            request.Content = new StreamContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            string text;
            int status;
            try
            {
                using var response = http.Send(request, cancel);
                status = (int)response.StatusCode;
                using var reader = new StreamReader(response.Content.ReadAsStream(cancel));
                text = Bounded(reader);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !cancel.IsCancellationRequested)
            {
                throw new OperationException($"{target.Url}: cannot submit {name}: {OneLine(e.Message)}");
            }
            if (status is < 200 or > 299)
                throw new OperationException($"{target.Url}: submitting {name}: HTTP {status}: {ErrorOf(text)}");
            var (id, state) = Accepted(text) ?? throw new OperationException($"{target.Url}: submitting {name}: HTTP {status} without a submission id");
            accepted.Add(new RebuildSubmission(file, id, state, $"{target.Url}/api/v1/submissions/{id}"));
            log.Note($"submitted {name} to {target.Url}: submission {id} ({state})");
        }
        return accepted;
    }

    private static string Bounded(StreamReader reader)
    {
        var buffer = new char[64 << 10];
        int read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read);
    }

    private static string ErrorOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                return OneLine(error.GetString()!);
        }
        catch (JsonException)
        {
            // Not the service's JSON: said as it came, cut to a line.
        }
        return body.Length == 0 ? "(no body)" : OneLine(body.Length > 200 ? body[..200] : body);
    }

    private static (long Id, string Status)? Accepted(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var id) && id.TryGetInt64(out var value)
                ? (value, root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "?")
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}

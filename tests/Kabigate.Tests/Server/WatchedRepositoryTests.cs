using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kabigate.App.Service;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Server;

/// <summary>
/// The service's main job on real parts: a real HTTP repository on 127.0.0.1 (createrepo_c over the real kernel and
/// kmod RPMs) gains a kernel during the test; the watcher ingests it, gates it, the API, the dashboard and KCIDB show
/// the new breaks, and a webhook receiver on 127.0.0.1 gets the signed event.
/// </summary>
[Collection("service")]
[Trait("Category", "RealData")]
public class WatchedRepositoryTests
{
    private const string Secret = "a-webhook-secret-of-some-length";
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [RealDataFact("createrepo_c", "python3", "rpm")]
    public async Task ANewKernelInAWatchedRepository_IsIngestedGatedShownAndPosted()
    {
        using var temp = new TempDirectory();
        var repo = temp.Combine("repo");
        Directory.CreateDirectory(repo);
        var oldKernel = Data.RepositoryPackage($"kernel-core-{Support.RealData.RpmRelease(Data.OldRelease)}.x86_64.rpm");
        var newKernel = Data.RepositoryPackage($"kernel-core-{Support.RealData.RpmRelease(Data.NewRelease)}.x86_64.rpm");
        var kmodPackage = Data.RepositoryPackage("kmod-kabigate-test-1.0-1.k47.x86_64.rpm");
        File.Copy(oldKernel, Path.Combine(repo, Path.GetFileName(oldKernel)));
        Tools.RunOk("createrepo_c", "-q", repo);
        using var http = new PythonHttpServer(repo);
        using var receiver = new WebhookReceiver();

        await using var service = await TestService.Start(temp.Path,
            $"[[watch]]\nname = \"el\"\nsource = \"{http.BaseUrl}\"\nevery = \"1h\"\nrole = \"kernels\"\n\n[[webhook]]\nurl = \"{receiver.Url}\"\nsecret = \"{Secret}\"\n");
        var admin = service.WithToken(ApiTokens.Create(service.Db, "admin", "admin").Secret);
        var submitter = service.WithToken(ApiTokens.Create(service.Db, "packager", "submit").Secret);

        // The first poll stores the old kernel; with no kmod registered yet its run judges nothing.
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/v1/sources/el/poll", null)).StatusCode);
        var first = await Runs(service, 1);
        var oldRelease = first[0].GetProperty("release").GetString()!;
        Assert.Equal(0, first[0].GetProperty("kmods").GetInt32());

        // A packager submits the kmod package: accepted at once, ingested in the background, then the newest kernel is gated again.
        var accepted = await submitter.PostAsync($"/api/v1/submissions?name={Path.GetFileName(kmodPackage)}&role=kmods", new ByteArrayContent(File.ReadAllBytes(kmodPackage)));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await TestService.Json(accepted)).GetProperty("id").GetInt64();
        var submission = await TestService.EventuallyValue(async () =>
        {
            var s = await TestService.Json(await service.Client.GetAsync($"/api/v1/submissions/{id}"));
            return s.GetProperty("status").GetString() == "queued" ? (JsonElement?)null : s;
        }, what: "the submission");
        Assert.Equal("ingested", submission.GetProperty("status").GetString());
        var second = await Runs(service, 2);
        Assert.Equal(oldRelease, second[0].GetProperty("release").GetString());
        Assert.Equal(4, second[0].GetProperty("kmods").GetInt32());

        // An unchanged repository costs one conditional request for repomd.xml and nothing else.
        int repomds = http.Count("repomd.xml"), primaries = http.Count("primary.xml.gz");
        await admin.PostAsync("/api/v1/sources/el/poll", null);
        await TestService.Eventually(async () =>
            http.Count("repomd.xml") > repomds && (await TestService.Json(await service.Client.GetAsync("/api/v1/sources"))).GetProperty("sources")[0].GetProperty("polled_at").GetString() is { } p ? p : null,
            what: "the unchanged poll");
        Assert.Equal(repomds + 1, http.Count("repomd.xml"));
        Assert.Equal(primaries, http.Count("primary.xml.gz"));

        // The repository gains the new kernel.
        File.Copy(newKernel, Path.Combine(repo, Path.GetFileName(newKernel)));
        Thread.Sleep(1100); // repomd.xml's time must move on for If-Modified-Since
        Tools.RunOk("createrepo_c", "-q", "--update", repo);
        await admin.PostAsync("/api/v1/sources/el/poll", null);
        var third = (await Runs(service, 3))[0];
        var newRelease = third.GetProperty("release").GetString()!;
        Assert.NotEqual(oldRelease, newRelease);
        Assert.Equal(oldRelease, third.GetProperty("previous").GetString());

        // The transitions against an independent check of the same package on the same kernel package.
        var run = await TestService.Json(await service.Client.GetAsync($"/api/v1/gate-runs/{third.GetProperty("id").GetInt64()}"));
        var cases = run.GetProperty("cases").EnumerateArray().ToList();
        var (exit, stdout, _) = CliRunner.Run("check", "--kernel", newKernel, kmodPackage, "--format", "json");
        Assert.True(exit is 0 or 1);
        var failing = JsonDocument.Parse(stdout).RootElement.GetProperty("results").EnumerateArray()
            .Where(r => !r.GetProperty("loads").GetBoolean()).Select(r => r.GetProperty("kmod").GetProperty("name").GetString()).Order().ToList();
        Assert.NotEmpty(failing);
        var breaks = cases.Where(c => c.GetProperty("transition").GetString() == "new-break").Select(c => c.GetProperty("kmod").GetString()).Order().ToList();
        Assert.Equal(failing, breaks);
        Assert.Equal(breaks.Count, third.GetProperty("new_breaks").GetInt32());
        Assert.All(cases.Where(c => c.GetProperty("transition").GetString() == "new-break"),
            c => Assert.Contains(c.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("disagrees about version of symbol", StringComparison.Ordinal)));
        var broken = breaks[0]!;

        // The signed webhook event.
        var delivery = await TestService.EventuallyValue(() => Task.FromResult(receiver.Received.Where(d => d.Body.Contains(newRelease, StringComparison.Ordinal)).Select(d => ((string Body, string? Signature)?)d).FirstOrDefault()), what: "the webhook");
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(delivery.Body)));
        Assert.Equal(expected, delivery.Signature);
        Assert.Equal("gate-run", JsonDocument.Parse(delivery.Body).RootElement.GetProperty("event").GetString());

        // The kmod's page: first bad and last good on the line; the dashboard says the same in HTML.
        var kmod = await TestService.Json(await service.Client.GetAsync($"/api/v1/kmods/{broken}"));
        var line = kmod.GetProperty("lines")[0];
        Assert.Equal((oldRelease, newRelease), (line.GetProperty("last_good").GetString(), line.GetProperty("first_bad").GetString()));
        var home = await service.Client.GetStringAsync("/");
        Assert.Contains("badge new-break", home, StringComparison.Ordinal);
        Assert.Contains($"href=\"/kmods/{broken}\"", home, StringComparison.Ordinal);
        Assert.Contains("disagrees about version of symbol", home, StringComparison.Ordinal);
        Assert.Contains($"Last good: {oldRelease}; first bad: {newRelease}.", await service.Client.GetStringAsync($"/kmods/{broken}"), StringComparison.Ordinal);

        // KCIDB: one test per kmod and run, path kabi.load.KMOD.
        var kcidb = await TestService.Json(await service.Client.GetAsync("/api/v1/gate-runs/kcidb"));
        Assert.Equal(5, kcidb.GetProperty("version").GetProperty("major").GetInt32());
        Assert.Contains(kcidb.GetProperty("tests").EnumerateArray(), t => t.GetProperty("path").GetString() == $"kabi.load.{broken}" && t.GetProperty("status").GetString() == "FAIL");

        // What a CI job calls: the gate for a stored release, as JSON and as JUnit.
        var gate = service.WithToken(ApiTokens.Create(service.Db, "ci", "gate").Secret);
        var verdict = await gate.PostAsJsonAsync("/api/v1/gate", new { kernel = newRelease });
        Assert.False((await TestService.Json(verdict)).GetProperty("passed").GetBoolean());
        Assert.Equal("false", verdict.Headers.GetValues("X-Kabigate-Passed").Single());
        var junit = await (await gate.PostAsJsonAsync("/api/v1/gate?format=junit", new { kernel = oldRelease })).Content.ReadAsStringAsync();
        Assert.StartsWith("<?xml", junit, StringComparison.Ordinal);
        Assert.DoesNotContain("<failure", junit, StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> Runs(TestService service, int count) =>
        await TestService.Eventually(async () =>
        {
            var runs = (await TestService.Json(await service.Client.GetAsync("/api/v1/gate-runs"))).GetProperty("runs").EnumerateArray().ToList();
            return runs.Count >= count ? runs : null;
        }, what: $"gate run {count}");
}

/// <summary>A webhook receiver on 127.0.0.1 that records what it is posted.</summary>
internal sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Body, string? Signature)> _received = new();

    public WebhookReceiver()
    {
        var port = LoopbackPorts.Free();
        Url = $"http://127.0.0.1:{port}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(Serve);
    }

    public string Url { get; }

    public IReadOnlyList<(string Body, string? Signature)> Received => [.. _received];

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            _received.Enqueue((await reader.ReadToEndAsync(), context.Request.Headers["X-Kabigate-Signature-256"]));
            context.Response.StatusCode = 204;
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}

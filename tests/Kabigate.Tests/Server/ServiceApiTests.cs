using System.Net;
using System.Net.Http.Json;
using System.Text;
using Kabigate.App.Service;
using Kabigate.Store;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Server;

/// <summary>The API's contract on an empty store: tokens and scopes, rate limits, one-line JSON errors, bad uploads.</summary>
[Collection("service")]
public class ServiceApiTests
{
    [Fact]
    public async Task Writes_NeedATokenOfTheRightScope_AndAWrongTokenIsRefusedEvenForReads()
    {
        using var temp = new TempDirectory();
        await using var service = await TestService.Start(temp.Path);
        var anonymous = await service.Client.GetAsync("/api/v1/kernels");
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);

        var noToken = await service.Client.PostAsJsonAsync("/api/v1/gate", new { kernel = "6.1.0-47-amd64" });
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.StartsWith("{\"error\":\"a bearer token is needed", await noToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The CLI makes the token; the store keeps only its hash.
        var (exit, stdout, stderr) = CliRunner.Run("token", "create", "reader", "--scope", "read", "--db", service.Db);
        Assert.Equal(0, exit);
        var reader = stdout.Trim();
        Assert.StartsWith("kg_", reader, StringComparison.Ordinal);
        Assert.Contains("it is not shown again", stderr, StringComparison.Ordinal);
        using (var store = AbiStore.Open(StoreLocation.Resolve(service.Db), create: false))
            Assert.Equal(("reader", "read"), (store.Tokens().Single().Name, store.Tokens().Single().Scope));
        // The service's small writes stay in the write-ahead log until a checkpoint: look in both files.
        foreach (var file in new[] { service.Db, service.Db + "-wal" }.Where(File.Exists))
            Assert.DoesNotContain(reader, File.ReadAllText(file, Encoding.Latin1), StringComparison.Ordinal);
        Assert.Contains(ApiTokens.Hash(reader), string.Concat(new[] { service.Db, service.Db + "-wal" }.Where(File.Exists).Select(f => File.ReadAllText(f, Encoding.Latin1))), StringComparison.Ordinal);

        var forbidden = await service.WithToken(reader).PostAsJsonAsync("/api/v1/gate", new { kernel = "6.1.0-47-amd64" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("{\"error\":\"this token's scope 'read' does not allow this request\"}\n", await forbidden.Content.ReadAsStringAsync());

        var wrong = await service.WithToken("kg_not-a-token").GetAsync("/api/v1/kernels");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("{\"error\":\"unknown or revoked token\"}\n", await wrong.Content.ReadAsStringAsync());

        var gate = ApiTokens.Create(service.Db, "ci", "gate").Secret;
        var nothingRegistered = await service.WithToken(gate).PostAsJsonAsync("/api/v1/gate", new { kernel = "6.1.0-47-amd64" });
        Assert.Equal(HttpStatusCode.BadRequest, nothingRegistered.StatusCode);
        var error = (await nothingRegistered.Content.ReadAsStringAsync()).Trim();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith("{\"error\":", error, StringComparison.Ordinal);

        Assert.Equal(0, CliRunner.Run("token", "revoke", "ci", "--db", service.Db).Exit);
        Assert.Equal(HttpStatusCode.Unauthorized, (await service.WithToken(gate).PostAsJsonAsync("/api/v1/gate", new { kernel = "x" })).StatusCode);
        var (badExit, _, badError) = CliRunner.Run("token", "create", "no spaces", "--db", service.Db);
        Assert.Equal(2, badExit);
        Assert.Equal("kabigate: ERROR: 'no spaces': a token name is 1 to 64 letters, digits and . _ @ -, starting with a letter or digit\n", badError);
    }

    [Fact]
    public async Task EachClient_IsRateLimited_With429AndAOneLineError()
    {
        using var temp = new TempDirectory();
        await using var service = await TestService.Start(temp.Path, "rate_limit = 5\n");
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 7; i++)
            statuses.Add((await service.Client.GetAsync("/api/v1/kernels")).StatusCode);
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)), statuses);
        var limited = await service.Client.GetAsync("/api/v1/kmods");
        Assert.Equal("{\"error\":\"rate limit: more than 5 requests a minute; retry later\"}\n", await limited.Content.ReadAsStringAsync());

        // Another token is another client.
        var token = ApiTokens.Create(service.Db, "other", "read").Secret;
        Assert.Equal(HttpStatusCode.OK, (await service.WithToken(token).GetAsync("/api/v1/kernels")).StatusCode);
    }

    [Fact]
    public async Task ABadUpload_Is400_AndNothingIsStoredOrSpooled()
    {
        using var temp = new TempDirectory();
        await using var service = await TestService.Start(temp.Path);
        var submit = service.WithToken(ApiTokens.Create(service.Db, "uploader", "submit").Secret);
        var bad = await submit.PostAsync("/api/v1/submissions?name=kmod-evil.rpm&role=kmods", new ByteArrayContent([0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 1, 0xff, 0xff]));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var body = await bad.Content.ReadAsStringAsync();
        Assert.StartsWith("{\"error\":\"kmod-evil.rpm: ", body, StringComparison.Ordinal);
        Assert.DoesNotContain(temp.Path, body, StringComparison.Ordinal);

        var badRole = await submit.PostAsync("/api/v1/submissions?role=firmware", new ByteArrayContent([1]));
        Assert.Equal("{\"error\":\"'firmware': the role is one of kernel, kmods, any\"}\n", await badRole.Content.ReadAsStringAsync());

        using var store = AbiStore.Open(StoreLocation.Resolve(service.Db), create: false);
        Assert.Empty(store.Kernels());
        Assert.Empty(store.Kmods());
        Assert.Null(store.Submission(1));
        Assert.Empty(Directory.EnumerateFileSystemEntries(service.Db + ".spool"));
        Assert.Equal(HttpStatusCode.NotFound, (await service.Client.GetAsync("/api/v1/submissions/1")).StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocument_AndHealthAndMetrics_AreServed()
    {
        using var temp = new TempDirectory();
        await using var service = await TestService.Start(temp.Path);
        var openapi = await TestService.Json(await service.Client.GetAsync("/api/v1/openapi.json"));
        var paths = openapi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[] { "/api/v1/gate", "/api/v1/hold", "/api/v1/submissions", "/api/v1/kernels/{release}", "/api/v1/kmods/{name}", "/api/v1/matrix", "/api/v1/gate-runs/kcidb" })
            Assert.Contains(path, paths);
        Assert.Equal("ok\n", await service.Client.GetStringAsync("/healthz"));
        using (var store = AbiStore.Open(StoreLocation.Resolve(service.Db), create: false))
            Assert.Equal($"ready: schema {store.SchemaVersion}, version {Kabigate.Server.ServerHost.Version}\n", await service.Client.GetStringAsync("/readyz"));
        Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+[^+]*\+[0-9]+\.", Kabigate.Server.ServerHost.Version); // packaging/version.sh's, not the SDK's 1.0.0
        var metrics = await service.Client.GetStringAsync("/metrics");
        Assert.Contains("http_requests_received_total", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadConfiguration_IsOneLine_BeforeAnythingListens()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("serve.toml");
        File.WriteAllText(path, "[[watch]]\nname = \"x\"\nsource = \"/nowhere\"\nevery = \"1 hour\"\n");
        var error = Assert.Throws<Kabigate.Formats.ModuleFormatException>(() => Kabigate.Server.ServerHost.Build(["--config", path], null));
        Assert.Equal($"{path}:1: 'every' must be a number and a unit (30s, 15m, 1h, 1d), not '1 hour'", error.Message);
    }
}

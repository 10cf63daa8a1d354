using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Kabigate.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace Kabigate.Tests.Server;

/// <summary>Server tests share Hangfire's process-wide defaults, so they run one at a time.</summary>
[CollectionDefinition("service", DisableParallelization = true)]
public sealed class ServiceCollection;

/// <summary>
/// The real service (ServerHost.Build: the same host, API, jobs and dashboard) on ASP.NET Core's test server from
/// Microsoft.AspNetCore.Mvc.Testing, with its store and job store in a temporary folder.
/// </summary>
internal sealed class TestService : IAsyncDisposable
{
    private TestService(WebApplication app, string db, string? baseUrl)
    {
        App = app;
        Db = db;
        BaseUrl = baseUrl;
        Client = baseUrl is null ? app.GetTestClient() : new HttpClient { BaseAddress = new Uri(baseUrl) };
    }

    /// <summary>Where a service on a real socket listens (<see cref="StartListening"/>), else null.</summary>
    public string? BaseUrl { get; }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public string Db { get; }

    /// <summary>Starts the service on a configuration (its <c>db</c> line is added: a store in <paramref name="folder"/>).</summary>
    public static Task<TestService> Start(string folder, string config = "") => Start(folder, config, port: null);

    /// <summary>Starts the service on Kestrel on a free loopback port (for a browser).</summary>
    public static Task<TestService> StartListening(string folder, string config = "") => Start(folder, config, Formats.Repodata.LoopbackPorts.Free());

    private static async Task<TestService> Start(string folder, string config, int? port)
    {
        var db = Path.Combine(folder, "kabigate.db");
        var path = Path.Combine(folder, "serve.toml");
        File.WriteAllText(path, $"db = \"{db}\"\nlisten = \"127.0.0.1:{port ?? 1}\"\n{config}");
        var app = ServerHost.Build(["--config", path], b =>
        {
            if (port is null)
                b.WebHost.UseTestServer();
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new TestService(app, db, port is { } p ? $"http://127.0.0.1:{p}" : null);
    }

    public HttpClient WithToken(string token)
    {
        var client = App.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Polls until <paramref name="done"/> gives a value (jobs run in the background), for at most <paramref name="seconds"/>.</summary>
    public static async Task<T> Eventually<T>(Func<Task<T?>> done, int seconds = 120, string what = "the service")
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await done() is { } value)
                return value;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{what} did not get there within {seconds} s");
    }

    /// <summary><see cref="Eventually{T}"/> for values.</summary>
    public static async Task<T> EventuallyValue<T>(Func<Task<T?>> done, int seconds = 120, string what = "the service")
        where T : struct =>
        (await Eventually(async () => await done() is { } value ? new Box<T>(value) : null, seconds, what)).Value;

    private sealed record Box<T>(T Value);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

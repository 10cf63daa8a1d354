using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Tests.Server;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Packaging;

/// <summary>
/// The service as the packages install it: <c>ROOT/usr/bin/kabigate serve</c>, with no <c>KABIGATE_SERVER</c>, finds
/// the server the package put in <c>ROOT/usr/lib/kabigate/server</c>, answers on 127.0.0.1, reports the CLI's version,
/// honours a token the packaged CLI made in the same store, and stops with 0 on SIGTERM.
/// </summary>
[Collection("service")]
public class PackagedServiceTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static SelfPackages Packages => SelfPackages.Instance;

    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "rpm", "dnf")]
    public async Task Rpm_InstalledWithRpmRoot_RunsThePackagedService()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        Directory.CreateDirectory(root);
        PackageTests.Install(root);
        await ServesFrom(root, temp);
    }

    [ToolFact("git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum", "dpkg")]
    public async Task Deb_InstalledWithDpkgRoot_RunsThePackagedService()
    {
        using var temp = new TempDirectory();
        await ServesFrom(PackageTests.DebRoot(temp), temp);
    }

    private static async Task ServesFrom(string root, TempDirectory temp)
    {
        var cli = Path.Combine(root, "usr", "bin", "kabigate");
        var version = Tools.RunOk(cli, "--version").Trim();
        Assert.Equal(Packages.Versions["VERSION"], version);
        var db = temp.Combine("k.db");
        int port = LoopbackPorts.Free();
        using var serve = Start(cli, "serve", "--db", db, "--listen", $"127.0.0.1:{port}");
        try
        {
            var url = $"http://127.0.0.1:{port}";
            Assert.Equal("ok\n", await WaitHealthy(url, serve));
            // execv: the process is the packaged server now, found beside the packaged CLI.
            var server = Path.Combine(root, "usr", "lib", "kabigate", "server", "kabigate-server");
            Assert.StartsWith(server + "\0", File.ReadAllText($"/proc/{serve.Id}/cmdline"), StringComparison.Ordinal);
            var ready = Regex.Match(await Http.GetStringAsync($"{url}/readyz"), @"^ready: schema [0-9]+, version (\S+)\n$");
            Assert.True(ready.Success, ready.Value);
            Assert.Equal(version, ready.Groups[1].Value);
            var openapi = await TestService.Json(await Http.GetAsync($"{url}/api/v1/openapi.json"));
            Assert.StartsWith("3.", openapi.GetProperty("openapi").GetString(), StringComparison.Ordinal);
            Assert.Contains(openapi.GetProperty("paths").EnumerateObject(), p => p.Name == "/api/v1/gate");

            // A token the packaged CLI makes in the same store opens the gate: an unknown kernel (400, one line) instead of 401.
            var (exit, stdout, stderr) = Tools.Run(cli, "token", "create", "ci", "--scope", "gate", "--db", db);
            Assert.True(exit == 0, $"{exit}: {stdout}{stderr}");
            Assert.Equal("kabigate: token 'ci' (scope gate) created; it is not shown again: keep it now\n", stderr);
            var token = stdout.Trim();
            Assert.StartsWith("kg_", token, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Gate(url, null)).StatusCode);
            using var gated = await Gate(url, token);
            var body = await gated.Content.ReadAsStringAsync();
            Assert.True(gated.StatusCode == HttpStatusCode.BadRequest, $"{(int)gated.StatusCode}: {body}");
            Assert.Contains("no such kernel in the store", body, StringComparison.Ordinal);
            Assert.StartsWith("{\"error\":", body.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.StartsWith("ci\tgate\t", Tools.RunOk(cli, "token", "list", "--db", db), StringComparison.Ordinal);

            Assert.Equal(0, Tools.Run("kill", "-TERM", serve.Id.ToString(CultureInfo.InvariantCulture)).ExitCode);
            Assert.True(serve.WaitForExit(30_000), "the packaged service did not stop on SIGTERM");
            Assert.Equal(0, serve.ExitCode);
        }
        finally
        {
            if (!serve.HasExited)
                serve.Kill();
        }
    }

    private static async Task<HttpResponseMessage> Gate(string url, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{url}/api/v1/gate")
        {
            Content = new StringContent("{\"kernel\": \"0.0.0-none\"}", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Http.SendAsync(request);
    }

    /// <summary>The packaged CLI as a child process, with no KABIGATE_SERVER: it must find the packaged server itself.</summary>
    private static Process Start(string cli, params string[] args)
    {
        var info = new ProcessStartInfo(cli) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment.Remove("KABIGATE_SERVER");
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static Task<string> WaitHealthy(string url, Process serve) => TestService.Eventually(async () =>
    {
        if (serve.HasExited)
            throw new InvalidOperationException($"the packaged service exited with {serve.ExitCode}: {await serve.StandardError.ReadToEndAsync()}");
        try
        {
            return await Http.GetStringAsync($"{url}/healthz");
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }, 90, "the packaged service's /healthz");
}

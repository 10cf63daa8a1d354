using System.Diagnostics;
using System.Globalization;
using Kabigate.Cli;
using Kabigate.Store;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Server;

/// <summary>A real <c>kabigate serve</c> process on 127.0.0.1: the CLI replaced by the server, signals, a bad configuration, a kill during an ingest.</summary>
[Collection("service")]
public class ServeProcessTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task TheCliBecomesTheServer_AnswersOnLoopback_AndStopsCleanlyOnSigterm()
    {
        using var temp = new TempDirectory();
        int port = LoopbackPorts.Free();
        var config = Config(temp, port, "");
        using var serve = Start("--config", config);
        await WaitHealthy(port, serve);
        // execv: the process the CLI started as is the server now.
        Assert.Contains("kabigate-server", File.ReadAllText($"/proc/{serve.Id}/cmdline"), StringComparison.Ordinal);
        Assert.Equal(0, Tools.Run("kill", "-TERM", serve.Id.ToString(CultureInfo.InvariantCulture)).ExitCode);
        Assert.True(serve.WaitForExit(30_000), "the service did not stop on SIGTERM");
        Assert.Equal(0, serve.ExitCode);
    }

    [Fact]
    public void ABadConfiguration_IsOneLineAndExitStatus2()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("serve.toml");
        File.WriteAllText(config, "colour = \"blue\"\n");
        using var serve = Start("--config", config);
        Assert.True(serve.WaitForExit(60_000));
        var stderr = serve.StandardError.ReadToEnd();
        Assert.Equal(2, serve.ExitCode);
        Assert.Equal($"kabigate: ERROR: {config}:1: unknown key 'colour' (known: db, listen, policy, stablelist, kmods, anonymous_read, rate_limit, max_upload_mb, spool, recipes, headers, retake_after, and [tls], [[watch]], [[webhook]], [[publish]] tables)\n", stderr);
    }

    [RealDataFact]
    public async Task KilledDuringAnIngest_TheStoreIsAllOrNothing_AndTheRestartResumes()
    {
        using var temp = new TempDirectory();
        var drop = temp.Combine("drop");
        Directory.CreateDirectory(drop);
        var deb = Support.RealData.Instance.HeadersDeb(Support.RealData.Instance.OldRelease);
        File.Copy(deb, Path.Combine(drop, Path.GetFileName(deb)));
        int port = LoopbackPorts.Free();
        var config = Config(temp, port, $"[[watch]]\nname = \"drop\"\nsource = \"{drop}\"\nevery = \"5s\"\nrole = \"kernels\"\n");
        var db = temp.Combine("kabigate.db");

        using (var first = Start("--config", config))
        {
            await WaitHealthy(port, first);
            await Task.Delay(TimeSpan.FromSeconds(4)); // the first poll is reading or storing the package now
            first.Kill();
            first.WaitForExit();
        }
        using (var store = AbiStore.Open(StoreLocation.Resolve(db), create: false))
        {
            var kernels = store.Kernels();
            Assert.True(kernels.Count == 0 || (kernels.Count == 1 && kernels[0].ExportCount > 20_000), $"{kernels.Count} kernels stored");
        }

        using var second = Start("--config", config);
        await WaitHealthy(port, second);
        var runs = await TestService.Eventually(async () =>
        {
            var text = await Http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/gate-runs");
            return text.Contains(Support.RealData.Instance.OldRelease, StringComparison.Ordinal) ? text : null;
        }, 180, "the gate run after the restart");
        Assert.Contains("\"trigger\":\"", runs, StringComparison.Ordinal);
        Assert.Equal(0, Tools.Run("kill", "-TERM", second.Id.ToString(CultureInfo.InvariantCulture)).ExitCode);
        second.WaitForExit(30_000);
        using var after = AbiStore.Open(StoreLocation.Resolve(db), create: false);
        Assert.Single(after.Kernels());
        Assert.Single(after.GateRuns(10));
    }

    internal static string Config(TempDirectory temp, int port, string more)
    {
        var path = temp.Combine("serve.toml");
        File.WriteAllText(path, $"db = \"{temp.Combine("kabigate.db")}\"\nlisten = \"127.0.0.1:{port}\"\n{more}");
        return path;
    }

    /// <summary>The CLI as a child process (<c>dotnet kabigate.dll serve …</c>), pointed at the server built beside the tests.</summary>
    internal static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(KabigateApp).Assembly.Location);
        info.ArgumentList.Add("serve");
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["KABIGATE_SERVER"] = Path.Combine(AppContext.BaseDirectory, "kabigate-server");
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    internal static async Task WaitHealthy(int port, Process serve)
    {
        await TestService.Eventually(async () =>
        {
            if (serve.HasExited)
                throw new InvalidOperationException($"the service exited with {serve.ExitCode}: {await serve.StandardError.ReadToEndAsync()}");
            try
            {
                return await Http.GetStringAsync($"http://127.0.0.1:{port}/healthz");
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, 90, "the service's /healthz");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Tests.Support;
using Npgsql;

namespace Kabigate.Tests.Server;

/// <summary>A real <c>kabigate-server</c> process (a service instance or a worker) the scale-out tests start and kill.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();

    private ServerProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                _stderr.Enqueue(e.Data);
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public bool WaitForExit(int milliseconds) => _process.WaitForExit(milliseconds);

    /// <summary>What it wrote to stderr so far (for a failing assertion's message).</summary>
    public string Stderr => string.Join('\n', _stderr);

    /// <summary>Starts the server built beside the tests with <paramref name="args"/>.</summary>
    public static ServerProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "kabigate-server")) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        return new ServerProcess(Process.Start(info) ?? throw new InvalidOperationException("kabigate-server did not start"));
    }

    /// <summary>kill -9, with every process it started (a build's make and compilers), as a machine that dies takes them.</summary>
    public void KillHard()
    {
        var all = Descendants(_process.Id).Prepend(_process.Id).ToList();
        foreach (var pid in all)
            Tools.Run("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
        _process.WaitForExit(30_000);
    }

    /// <summary>The processes below <paramref name="pid"/>, from /proc's parent links.</summary>
    private static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[child] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
        }
        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.Count > 0)
        {
            var parent = frontier.Dequeue();
            foreach (var (child, of) in parents)
            {
                if (of == parent && !found.Contains(child))
                {
                    found.Add(child);
                    frontier.Enqueue(child);
                }
            }
        }
        return found;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            KillHard();
        _process.Dispose();
    }
}

/// <summary>
/// A static RPM repository served over HTTP on 127.0.0.1 (HttpListener over a createrepo_c folder), with
/// <c>Last-Modified</c>/<c>If-Modified-Since</c> as a mirror answers; it counts requests per path and can hold the
/// first request for a path until released, so that a poll is in progress for as long as a test needs.
/// </summary>
internal sealed class RepositoryServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _root;
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _hold;
    private int _holding;

    public RepositoryServer(string root, string? holdFirst = null)
    {
        _root = root;
        _hold = holdFirst;
        BaseUrl = $"http://127.0.0.1:{LoopbackPorts.Free()}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _ = Task.Run(Serve);
    }

    public string BaseUrl { get; }

    /// <summary>Completes when the first request for the held path has arrived (and is being held).</summary>
    public Task Held => _held.Task;

    /// <summary>How many requests asked for a path ending in <paramref name="suffix"/>.</summary>
    public int Count(string suffix) => _requests.Count(p => p.EndsWith(suffix, StringComparison.Ordinal));

    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>Lets the held request go on (it is answered; its client may be gone).</summary>
    public void Release() => _release.TrySetResult();

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => Answer(context));
        }
    }

    private async Task Answer(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        _requests.Enqueue(path);
        try
        {
            if (_hold is not null && path.Contains(_hold, StringComparison.Ordinal) && Interlocked.Exchange(ref _holding, 1) == 0)
            {
                _held.TrySetResult();
                await _release.Task.WaitAsync(TimeSpan.FromMinutes(5));
            }
            var file = Path.GetFullPath(Path.Combine(_root, Uri.UnescapeDataString(path.TrimStart('/'))));
            if (!file.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(file))
            {
                context.Response.StatusCode = 404;
                return;
            }
            var modified = File.GetLastWriteTimeUtc(file);
            modified = modified.AddTicks(-(modified.Ticks % TimeSpan.TicksPerSecond));
            context.Response.Headers["Last-Modified"] = modified.ToString("R", CultureInfo.InvariantCulture);
            if (DateTime.TryParse(context.Request.Headers["If-Modified-Since"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var since) && modified <= since)
            {
                context.Response.StatusCode = 304;
                return;
            }
            var bytes = await File.ReadAllBytesAsync(file);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or TimeoutException or ObjectDisposedException)
        {
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    public void Dispose()
    {
        Release();
        _listener.Close();
    }
}

/// <summary>Hangfire's tables (schema kabigate_jobs) in a test store's database: who holds a job, how often it ran.</summary>
internal sealed class JobTables(TestStore store)
{
    /// <summary>The jobs of a method (<c>Poll</c>, <c>Rebuild</c>, …) with their state now and every state they went through, oldest first.</summary>
    public List<(long Id, string State, List<(string Name, string Data)> History, Dictionary<string, string> Parameters)> Jobs(string method)
    {
        using var connection = (NpgsqlConnection)store.OpenRaw();
        var jobs = new List<(long, string, List<(string, string)>, Dictionary<string, string>)>();
        using (var command = new NpgsqlCommand("SELECT id, COALESCE(statename, '') FROM kabigate_jobs.job WHERE invocationdata->>'Method' = @m ORDER BY id", connection))
        {
            command.Parameters.AddWithValue("m", method);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                jobs.Add((reader.GetInt64(0), reader.GetString(1), [], new Dictionary<string, string>(StringComparer.Ordinal)));
        }
        foreach (var (id, _, history, parameters) in jobs)
        {
            using (var command = new NpgsqlCommand("SELECT name, COALESCE(data::text, '') FROM kabigate_jobs.state WHERE jobid = @id ORDER BY id", connection))
            {
                command.Parameters.AddWithValue("id", id);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    history.Add((reader.GetString(0), reader.GetString(1)));
            }
            using (var command = new NpgsqlCommand("SELECT name, COALESCE(value::text, '') FROM kabigate_jobs.jobparameter WHERE jobid = @id", connection))
            {
                command.Parameters.AddWithValue("id", id);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    parameters[reader.GetString(0)] = reader.GetString(1);
            }
        }
        return jobs;
    }

    /// <summary>The process (of <paramref name="candidates"/>) whose Hangfire server runs a job of <paramref name="method"/> now, from its Processing state's ServerId (<c>NAME:PID:GUID</c>).</summary>
    public (ServerProcess Process, long Job)? Holder(string method, IEnumerable<ServerProcess> candidates)
    {
        foreach (var job in Jobs(method).Where(j => j.State == "Processing"))
        {
            var server = ServerOf(job.History[^1].Data);
            if (candidates.FirstOrDefault(c => server.Contains($":{c.Id}:", StringComparison.Ordinal)) is { } holder)
                return (holder, job.Id);
        }
        return null;
    }

    /// <summary>The server a Processing state names.</summary>
    public static string ServerOf(string stateData) => JsonDocument.Parse(stateData).RootElement.GetProperty("ServerId").GetString() ?? "";

    /// <summary>What a test's message shows of the jobs of a method.</summary>
    public string Describe(string method)
    {
        var text = new StringBuilder();
        foreach (var (id, state, history, _) in Jobs(method))
            text.Append(CultureInfo.InvariantCulture, $"job {id} {state}: {string.Join(" > ", history.Select(h => h.Name == "Processing" ? $"Processing on {ServerOf(h.Data)}" : h.Name))}; ");
        return text.ToString();
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Kabigate.Tests.Formats.Repodata;

/// <summary>
/// Python's <c>http.server</c> serving a directory on 127.0.0.1 as a child process; its request log (stderr) is kept so
/// that tests can count what was downloaded.
/// </summary>
internal sealed partial class PythonHttpServer : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _requests = new();

    public PythonHttpServer(string directory)
    {
        Port = LoopbackPorts.Free();
        var info = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "-u", "-m", "http.server", "--bind", "127.0.0.1", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--directory", directory })
            info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null && RequestLine().Match(e.Data) is { Success: true } m)
                _requests.Enqueue(m.Groups[1].Value);
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        LoopbackPorts.WaitUntilListening(Port, _process);
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}/";

    /// <summary>The paths requested so far, in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>How many requests asked for a path ending in <paramref name="suffix"/>.</summary>
    public int Count(string suffix) => _requests.Count(p => p.EndsWith(suffix, StringComparison.Ordinal));

    /// <summary>Waits until the log shows <paramref name="count"/> requests ending in <paramref name="suffix"/>.</summary>
    public void WaitFor(string suffix, int count)
    {
        var clock = Stopwatch.StartNew();
        while (Count(suffix) < count)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
                throw new TimeoutException($"the server log shows {Count(suffix)} requests for '*{suffix}', not {count}: {string.Join(", ", Requests)}");
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    [GeneratedRegex("\"GET ([^ ]+) HTTP/1\\.[01]\"")]
    private static partial Regex RequestLine();
}

/// <summary>
/// A loopback TCP server whose every connection is handed to a script: to answer with a stall, a truncated body or
/// nothing at all, which a real server does not do on request.
/// </summary>
internal sealed class ScriptedServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];

    public ScriptedServer(Func<NetworkStream, CancellationToken, Task> script)
    {
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                lock (_clients)
                    _clients.Add(client);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await script(client.GetStream(), _stop.Token);
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
                    {
                    }
                });
            }
        });
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    /// <summary>Reads a request's header lines (up to the blank line).</summary>
    public static async Task ReadRequestAsync(NetworkStream stream, CancellationToken token)
    {
        var seen = new StringBuilder();
        var buffer = new byte[1];
        while (!seen.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer, token) == 0)
                return;
            seen.Append((char)buffer[0]);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var client in _clients)
                client.Dispose();
        }

        _stop.Dispose();
    }
}

/// <summary>Loopback ports for the test servers.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port nothing listens on now: bound and released at once.</summary>
    public static int Free()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public static void WaitUntilListening(int port, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"the test HTTP server exited with {process.ExitCode}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }

        throw new TimeoutException($"nothing listens on 127.0.0.1:{port}");
    }
}

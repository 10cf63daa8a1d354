using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Repodata;

/// <summary>
/// A hostile HTTP server on 127.0.0.1: redirects to other schemes, hosts and ports, a body dripped a byte at a time,
/// and a metadata file longer than repomd.xml declares. Each ends in one line, bounded in time.
/// </summary>
public sealed class HostileHttpTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private RpmRepositoryOptions Options => new() { CacheDirectory = _temp.Combine("cache"), Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("data:text/plain,hello")]
    [InlineData("unix:/run/x.sock")]
    [InlineData("ftp://127.0.0.1/repodata/repomd.xml")]
    public void ARedirectToAnotherScheme_IsOneLine_ThroughTheCli(string location)
    {
        using var server = Redirecting(_ => location);
        var run = ChildCli.Run(TimeSpan.FromSeconds(30), "inspect", server.BaseUrl);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"kabigate: ERROR: {server.BaseUrl}repodata/repomd.xml: redirect to '{location}' refused: not an http(s) URL", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public void ARedirectToAnotherPort_IsRefused_UnlessAllowed_AndOneOnTheSameHostIsFollowed()
    {
        using var other = Redirecting(_ => null);
        using var server = Redirecting(path => path.StartsWith("/moved/", StringComparison.Ordinal) ? null : other.BaseUrl + "x/repodata/repomd.xml");
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, Options));
        Assert.Equal($"{server.BaseUrl}repodata/repomd.xml: redirect to '{other.BaseUrl}x/repodata/repomd.xml' refused: another host or port (set RedirectsToOtherHosts to allow it)", e.Message);

        e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, Options with { RedirectsToOtherHosts = true }));
        Assert.Equal($"{server.BaseUrl}repodata/repomd.xml: cannot download: HTTP 404 Not Found", e.Message);

        using var sameHost = Redirecting(path => path.StartsWith("/moved/", StringComparison.Ordinal) ? null : "/moved" + path);
        e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(sameHost.BaseUrl, Options));
        Assert.Equal($"{sameHost.BaseUrl}repodata/repomd.xml: cannot download: HTTP 404 Not Found", e.Message);
        Assert.Contains("/moved/repodata/repomd.xml", sameHost.Paths);
    }

    [Fact]
    public void ADrippedBody_MeetsTheTotalDeadline()
    {
        using var server = new ScriptedServer(async (stream, token) =>
        {
            await ReadPathAsync(stream, token);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"), token);
            for (int i = 0; i < 1000; i++)
            {
                await stream.WriteAsync("x"u8.ToArray(), token);
                await Task.Delay(100, token);
            }
        });
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, Options with { Timeout = TimeSpan.FromSeconds(1), TotalTimeout = TimeSpan.FromSeconds(2) }));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(10));
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/repodata/repomd\.xml: download took longer than the limit of 2 s in all, after \d+ bytes \(timed out\)$", e.Message);
    }

    [Fact]
    public void AnEndlessPrimary_StopsAtTheSizeRepomdDeclares()
    {
        const int declared = 4096;
        var repomd = Encoding.UTF8.GetBytes($"""
            <?xml version="1.0" encoding="UTF-8"?>
            <repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision>
              <data type="primary"><checksum type="sha256">{new string('0', 64)}</checksum><location href="repodata/p.xml.gz"/><size>{declared}</size></data>
            </repomd>
            """);
        using var server = new ScriptedServer(async (stream, token) =>
        {
            var path = await ReadPathAsync(stream, token);
            if (path.EndsWith("repomd.xml", StringComparison.Ordinal))
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {repomd.Length}\r\nConnection: close\r\n\r\n"), token);
                await stream.WriteAsync(repomd, token);
                stream.Close();
                return;
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), token);
            var chunk = new byte[64 * 1024];
            for (int i = 0; i < 100_000; i++)
                await stream.WriteAsync(chunk, token); // endless, as far as the client is concerned
        });
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, Options));
        Assert.Equal($"{server.BaseUrl}repodata/p.xml.gz: download exceeds the limit of {declared} bytes", e.Message);
        Assert.False(Directory.Exists(_temp.Combine("cache")) && Directory.EnumerateFiles(_temp.Combine("cache"), "*.gz", SearchOption.AllDirectories).Any(), "the refused file was cached");
    }

    /// <summary>A server answering 302 to <paramref name="redirect"/>'s location for a path, or 404 when it gives null.</summary>
    private static RecordingServer Redirecting(Func<string, string?> redirect) => new(redirect);

    internal sealed class RecordingServer : IDisposable
    {
        private readonly ScriptedServer _server;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _paths = new();

        public RecordingServer(Func<string, string?> redirect)
        {
            _server = new ScriptedServer(async (stream, token) =>
            {
                var path = await ReadPathAsync(stream, token);
                _paths.Enqueue(path);
                var answer = redirect(path) is { } location
                    ? $"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), token);
                stream.Close();
            });
        }

        public string BaseUrl => _server.BaseUrl;

        public IReadOnlyList<string> Paths => [.. _paths];

        public void Dispose() => _server.Dispose();
    }

    /// <summary>Reads a request's header lines and returns the path of its request line.</summary>
    private static async Task<string> ReadPathAsync(NetworkStream stream, CancellationToken token)
    {
        var seen = new StringBuilder();
        var buffer = new byte[1];
        while (!seen.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && seen.Length < 16 * 1024)
        {
            if (await stream.ReadAsync(buffer, token) == 0)
                break;
            seen.Append((char)buffer[0]);
        }
        var words = seen.ToString().Split(' ');
        return words.Length > 1 ? words[1] : "";
    }
}

/// <summary>The redirect rules on their own, for what a loopback test server cannot offer (https).</summary>
public class RedirectRuleTests
{
    [Theory]
    [InlineData("https://mirror.example/repo/repodata/repomd.xml", "http://mirror.example/repo/repodata/repomd.xml", false, "it leaves https for http")]
    [InlineData("https://mirror.example/repo/repodata/repomd.xml", "http://mirror.example/repo/repodata/repomd.xml", true, "it leaves https for http")]
    [InlineData("https://mirror.example/repo/repodata/repomd.xml", "https://evil.example/repodata/repomd.xml", false, "another host or port (set RedirectsToOtherHosts to allow it)")]
    [InlineData("https://mirror.example/repo/repodata/repomd.xml", "https://mirror.example:8443/repodata/repomd.xml", false, "another host or port (set RedirectsToOtherHosts to allow it)")]
    [InlineData("http://mirror.example/repo/repodata/repomd.xml", "javascript:alert(1)", false, "not an http(s) URL")]
    [InlineData("http://mirror.example/repo/repodata/repomd.xml", "", false, "no valid Location header")]
    public void Refused(string from, string location, bool otherHosts, string why)
    {
        var e = Assert.Throws<ModuleFormatException>(() => RepoHttp.RedirectTarget(new Uri(from), location, otherHosts, from));
        Assert.Equal($"{from}: redirect to '{location}' refused: {why}", e.Message);
    }

    [Theory]
    [InlineData("http://mirror.example/repo/repodata/repomd.xml", "/other/repodata/repomd.xml", false, "http://mirror.example/other/repodata/repomd.xml")]
    [InlineData("http://mirror.example/repo/repodata/repomd.xml", "https://mirror.example/repo/repodata/repomd.xml", false, "https://mirror.example/repo/repodata/repomd.xml")]
    [InlineData("https://mirror.example/repo/repodata/repomd.xml", "https://cdn.example/r/repodata/repomd.xml", true, "https://cdn.example/r/repodata/repomd.xml")]
    public void Followed(string from, string location, bool otherHosts, string expected) =>
        Assert.Equal(expected, RepoHttp.RedirectTarget(new Uri(from), location, otherHosts, from).AbsoluteUri);
}

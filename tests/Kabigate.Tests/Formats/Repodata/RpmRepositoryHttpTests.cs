using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Repodata;

/// <summary>Remote repositories: real createrepo_c output served by Python's http.server on 127.0.0.1.</summary>
[Collection(RepoCollection.Name)]
public sealed class RpmRepositoryHttpTests(RepoFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();

    private RpmRepositoryOptions Options => new() { CacheDirectory = _temp.Combine("cache"), Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => _temp.Dispose();

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string PrimaryHref(string repo) => RepomdReader.Read(Path.Combine(repo, "repodata", "repomd.xml")).Find("primary")!.LocationHref;

    /// <summary>Every file under a folder with its size, checksum and modification time.</summary>
    private static List<string> Snapshot(string directory) => !Directory.Exists(directory) ? [] :
        [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(directory, f)} {new FileInfo(f).Length} {Sha256(f)} {File.GetLastWriteTimeUtc(f):O}")];

    private string Serve(string compression) => RepoFixture.CopyRepo(fixture.Repos[compression], _temp.Combine("served"));

    [ToolTheory("rpmbuild", "createrepo_c", "rpm", "zstd", "python3")]
    [InlineData("gz")]
    [InlineData("xz")]
    [InlineData("zstd")]
    public void Remote_DownloadsOnceThenReusesTheCache(string compression)
    {
        string served = Serve(compression);
        using var server = new PythonHttpServer(served);
        string href = PrimaryHref(served);

        using (var first = RpmRepository.Open(server.BaseUrl, Options))
        {
            Assert.True(first.IsRemote);
            Assert.True(first.PrimaryDownloaded);
            Assert.Equal(server.BaseUrl, first.Location);
            Assert.Equal(RpmRepository.CacheDirectoryFor(server.BaseUrl, Options), first.CacheDirectory);
            Assert.Equal(Path.Combine(first.CacheDirectory!, $"sha256-{Sha256(Path.Combine(served, href))}-primary.xml{Path.GetExtension(href)}"), first.PrimaryPath);
            Assert.Equal(File.ReadAllBytes(Path.Combine(served, href)), File.ReadAllBytes(first.PrimaryPath));
            Assert.Equal(File.ReadAllBytes(Path.Combine(served, "repodata", "repomd.xml")), File.ReadAllBytes(Path.Combine(first.CacheDirectory!, "repomd.xml")));
            Assert.Equal(
                PrimaryReader.Read(Path.Combine(served, href)).Select(p => p.Nevra),
                first.ReadPackages().Select(p => p.Nevra));
        }

        server.WaitFor("/repodata/repomd.xml", 1);
        Assert.Equal(1, server.Count(href));

        using (var second = RpmRepository.Open(server.BaseUrl, Options))
        {
            Assert.False(second.PrimaryDownloaded);
            Assert.Equal(4, second.ReadPackages().Count());
        }

        // repomd.xml is always fetched again; the primary it names is not.
        server.WaitFor("/repodata/repomd.xml", 2);
        Assert.Equal(1, server.Count(href));
        Assert.Equal(["/repodata/repomd.xml", "/" + href, "/repodata/repomd.xml"], server.Requests);
        Assert.Equal(2, Directory.EnumerateFiles(Options.CacheDirectory!, "*", SearchOption.AllDirectories).Count());
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd", "python3")]
    public void Remote_ChangedRepository_FetchesTheNewPrimaryAndDropsTheOld()
    {
        string served = Serve("gz");
        using var server = new PythonHttpServer(served);
        string oldPrimary;
        using (var first = RpmRepository.Open(server.BaseUrl, Options))
            oldPrimary = first.PrimaryPath;

        AddPackageAndReindex(served);
        string href = PrimaryHref(served);
        using var second = RpmRepository.Open(server.BaseUrl, Options);
        Assert.True(second.PrimaryDownloaded);
        Assert.NotEqual(oldPrimary, second.PrimaryPath);
        Assert.False(File.Exists(oldPrimary));
        Assert.Contains("kmod-baz-1.0-1.x86_64", second.ReadPackages().Select(p => p.Nevra));
        Assert.Equal(File.ReadAllBytes(Path.Combine(served, "repodata", "repomd.xml")), File.ReadAllBytes(Path.Combine(second.CacheDirectory!, "repomd.xml")));
        server.WaitFor(href, 1);
        Assert.Equal(2, server.Count("-primary.xml.gz"));
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd", "python3")]
    public void Remote_LyingRepository_IsRefusedAndTheCacheIsUntouched()
    {
        string served = Serve("gz");
        using var server = new PythonHttpServer(served);
        string oldPrimaryBytes;
        using (var first = RpmRepository.Open(server.BaseUrl, Options))
            oldPrimaryBytes = first.PrimaryPath;

        // The repository changes, but the file its new repomd.xml names holds other bytes (a stale mirror, or worse).
        byte[] stale = File.ReadAllBytes(oldPrimaryBytes);
        AddPackageAndReindex(served);
        string href = PrimaryHref(served);
        string expected = href["repodata/".Length..][..64];
        File.WriteAllBytes(Path.Combine(served, href), stale);
        var before = Snapshot(Options.CacheDirectory!);

        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, Options));
        Assert.Equal($"{server.BaseUrl}: checksum mismatch for {href}: expected sha256 {expected}, got {Convert.ToHexStringLower(SHA256.HashData(stale))}", e.Message);
        Assert.Equal(before, Snapshot(Options.CacheDirectory!));

        // With an empty cache, not even the repository's cache folder is left behind.
        var fresh = Options with { CacheDirectory = _temp.Combine("fresh-cache") };
        Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, fresh));
        Assert.Empty(Snapshot(fresh.CacheDirectory!));
        Assert.False(Directory.Exists(RpmRepository.CacheDirectoryFor(server.BaseUrl, fresh)));
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd", "python3")]
    public void Remote_OpenPackage_DownloadsVerifiesAndReuses()
    {
        string served = Serve("xz");
        using var server = new PythonHttpServer(served);
        using var repository = RpmRepository.Open(server.BaseUrl, Options);
        var foo = repository.ReadPackages().Single(p => p.Name == "kmod-foo");
        for (int i = 0; i < 2; i++)
        {
            using var stream = repository.OpenPackage(foo);
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.Equal(File.ReadAllBytes(Path.Combine(served, foo.LocationHref)), copy.ToArray());
        }

        Assert.True(File.Exists(Path.Combine(repository.CacheDirectory!, "packages", $"sha256-{foo.Checksum}.rpm")));
        server.WaitFor(foo.LocationHref, 1);
        Assert.Equal(1, server.Count(foo.LocationHref));
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd", "python3")]
    public void Remote_LyingPackage_IsRefusedAndNotCached()
    {
        string served = Serve("gz");
        using var server = new PythonHttpServer(served);
        using var repository = RpmRepository.Open(server.BaseUrl, Options);
        var bar = repository.ReadPackages().Single(p => p.Name == "kmod-bar");
        string file = Path.Combine(served, bar.LocationHref);
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 0xff; // the size primary.xml declares stays right; a longer file is refused for its size (RepoHostileHttpTests)
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<ModuleFormatException>(() => repository.OpenPackage(bar));
        Assert.Equal($"{server.BaseUrl}: checksum mismatch for {bar.LocationHref}: expected sha256 {bar.Checksum}, got {Sha256(file)}", e.Message);
        Assert.False(Directory.Exists(Path.Combine(repository.CacheDirectory!, "packages")));
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void LocalMetadata_WithXmlBase_DownloadsPackagesFromThere()
    {
        // createrepo_c --baseurl writes <location xml:base="URL" href="…"/>: metadata here, packages on a server.
        string packages = RepoFixture.CopyRepo(fixture.RpmDirectory, _temp.Combine("packages"));
        using var server = new PythonHttpServer(packages);
        string repo = RepoFixture.CopyRepo(fixture.RpmDirectory, _temp.Combine("metadata"));
        Tools.RunOk("createrepo_c", "--quiet", "--baseurl=" + server.BaseUrl, repo);
        foreach (string rpm in Directory.EnumerateFiles(repo, "*.rpm", SearchOption.AllDirectories))
            File.Delete(rpm);

        using var repository = RpmRepository.Open(repo, Options);
        var foo = repository.ReadPackages().Single(p => p.Name == "kmod-foo");
        Assert.Equal(server.BaseUrl, foo.LocationBase);
        using var stream = repository.OpenPackage(foo);
        Assert.Equal(File.ReadAllBytes(Path.Combine(packages, foo.LocationHref)).Length, stream.Length);
        Assert.True(File.Exists(Path.Combine(RpmRepository.CacheDirectoryFor(server.BaseUrl, Options), "packages", $"sha256-{foo.Checksum}.rpm")));
        server.WaitFor(foo.LocationHref, 1);
    }

    [Fact]
    public void Remote_Unreachable_FailsAtOnceWithOneLine()
    {
        int port = LoopbackPorts.Free();
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open($"http://127.0.0.1:{port}/repo", Options));
        Assert.True(clock.Elapsed < Options.Timeout, $"took {clock.Elapsed}");
        Assert.Equal($"http://127.0.0.1:{port}/repo/repodata/repomd.xml: cannot download: Connection refused", e.Message);
        Assert.False(Directory.Exists(Options.CacheDirectory));
    }

    [ToolFact("python3")]
    public void Remote_NotFound()
    {
        using var server = new PythonHttpServer(_temp.Path);
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl + "nothing/here/", Options));
        Assert.Equal($"{server.BaseUrl}nothing/here/repodata/repomd.xml: cannot download: HTTP 404 File not found", e.Message);
    }

    [Fact]
    public void Remote_NoResponse_TimesOut()
    {
        using var server = new ScriptedServer(async (stream, token) =>
        {
            await ScriptedServer.ReadRequestAsync(stream, token);
            await Task.Delay(Timeout.Infinite, token);
        });
        var options = Options with { Timeout = TimeSpan.FromSeconds(1) };
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, options));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        Assert.Equal($"{server.BaseUrl}repodata/repomd.xml: cannot download: no response within 1 s (timed out)", e.Message);
    }

    [Fact]
    public void Remote_StalledBody_TimesOut()
    {
        using var server = new ScriptedServer(async (stream, token) =>
        {
            await ScriptedServer.ReadRequestAsync(stream, token);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<repomd x"), token);
            await Task.Delay(Timeout.Infinite, token);
        });
        var options = Options with { Timeout = TimeSpan.FromSeconds(1) };
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, options));
        Assert.Equal($"{server.BaseUrl}repodata/repomd.xml: download stalled: no data for 1 s after 9 bytes (timed out)", e.Message);
    }

    [Fact]
    public void Remote_TruncatedBody()
    {
        using var server = new ScriptedServer(async (stream, token) =>
        {
            await ScriptedServer.ReadRequestAsync(stream, token);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<repomd x"), token);
            stream.Close();
        });
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, Options));
        Assert.StartsWith($"{server.BaseUrl}repodata/repomd.xml: download failed after 9 bytes: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd", "python3")]
    public void Remote_TooLarge()
    {
        using var server = new PythonHttpServer(Serve("gz"));
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, Options with { MaxRepomdBytes = 100 }));
        Assert.Equal($"{server.BaseUrl}repodata/repomd.xml: download exceeds the limit of 100 bytes", e.Message);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd", "python3")]
    public void Remote_MalformedRepomd()
    {
        string served = Serve("gz");
        File.WriteAllText(Path.Combine(served, "repodata", "repomd.xml"), "<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">\n<data type=\"primary\">\n</repomd>");
        using var server = new PythonHttpServer(served);
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(server.BaseUrl, Options));
        Assert.Equal($"{server.BaseUrl}repodata/repomd.xml:3: malformed XML: The 'data' start tag on line 2 position 2 does not match the end tag of 'repomd'.", e.Message);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void CacheDirectoryFor_NormalisesTheBaseUrl()
    {
        string a = RpmRepository.CacheDirectoryFor("http://127.0.0.1:8080/repo", Options);
        Assert.Equal(a, RpmRepository.CacheDirectoryFor("http://127.0.0.1:8080/repo/", Options));
        Assert.Equal(a, RpmRepository.CacheDirectoryFor("HTTP://127.0.0.1:8080/repo/#x", Options));
        Assert.NotEqual(a, RpmRepository.CacheDirectoryFor("http://127.0.0.1:8080/other/", Options));
        string hex = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("http://127.0.0.1:8080/repo/")));
        Assert.Equal(Path.Combine(Options.CacheDirectory!, hex), a);

        // Without an explicit folder: $XDG_CACHE_HOME/kabigate/repos, as for apt: sources.
        string xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x
            ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        Assert.Equal(Path.Combine(xdg, "kabigate", "repos", hex), RpmRepository.CacheDirectoryFor("http://127.0.0.1:8080/repo"));
    }

    /// <summary>Builds one more kmod into the served folder and runs createrepo_c again, as a repository update does.</summary>
    private void AddPackageAndReindex(string served)
    {
        fixture.Rpmbuild("kmod-baz", "Name: kmod-baz\nVersion: 1.0\nRelease: 1\nSummary: added later\nLicense: GPLv2\nBuildArch: x86_64\n"
            + $"Requires: kernel-uname-r = {RepoFixture.UnameR48}\n%description\nx\n%files\n", served);
        RepoFixture.CreateRepo(served, served, "gz");
    }
}

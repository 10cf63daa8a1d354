using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Service;

public class ServiceConfigReaderTests
{
    private const string Base = "/srv/kabigate";

    [Fact]
    public void AFullConfiguration_IsRead_WithPathsResolvedAgainstItsFolder()
    {
        var config = ServiceConfigReader.Parse("""
            db = "k.db"
            listen = "127.0.0.1:9000"
            kmods = ["zfs", "drbd*"]
            anonymous_read = false
            rate_limit = 60
            max_upload_mb = 8

            [tls]
            certificate = "tls/cert.pem"
            key = "/etc/ssl/key.pem"

            [[watch]]
            name = "el9"
            source = "https://mirror.example.com/el9/"
            every = "15m"
            role = "kernels"

            [[watch]]
            name = "drop"
            source = "incoming"
            every = "30s"

            [[webhook]]
            url = "https://ci.example.com/hook"
            secret = "0123456789abcdef"
            only_transitions = true

            [[publish]]
            from = "repo"
            to = "/srv/gated"
            """, "serve.toml", Base);
        Assert.Equal(("/srv/kabigate/k.db", "127.0.0.1:9000", false, 60, 8L << 20), (config.Db, config.Listen, config.AnonymousRead, config.RateLimit, config.MaxUploadBytes));
        Assert.Equal(["zfs", "drbd*"], config.Kmods);
        Assert.Equal(new TlsConfig("/srv/kabigate/tls/cert.pem", "/etc/ssl/key.pem"), config.Tls);
        Assert.Equal([new WatchConfig("el9", "https://mirror.example.com/el9/", TimeSpan.FromMinutes(15), "kernels"), new WatchConfig("drop", "/srv/kabigate/incoming", TimeSpan.FromSeconds(30), "any")], config.Watches);
        Assert.Equal([new WebhookConfig("https://ci.example.com/hook", "0123456789abcdef", true)], config.Webhooks);
        Assert.Equal([new PublishConfig("/srv/kabigate/repo", "/srv/gated")], config.Publish);
    }

    [Theory]
    [InlineData("", 300)]
    [InlineData("retake_after = \"30s\"", 30)]
    [InlineData("retake_after = \"15m\"", 900)]
    [InlineData("retake_after = 45", 45)]
    [InlineData("retake_after = 5", 5)]
    [InlineData("retake_after = \"1d\"", 86_400)]
    public void TheRetakeDelay_IsSecondsOrAnInterval_FiveMinutesByDefault(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ServiceConfigReader.Parse(text, "serve.toml", Base).RetakeAfter);

    [Theory]
    [InlineData("colour = 1", "serve.toml:1: unknown key 'colour' (known: db, listen, policy, stablelist, kmods, anonymous_read, rate_limit, max_upload_mb, spool, recipes, headers, retake_after, and [tls], [[watch]], [[webhook]], [[publish]] tables)")]
    [InlineData("rate_limit = 0", "serve.toml:1: 'rate_limit' must be a whole number from 1 to 1000000")]
    [InlineData("kmods = \"zfs\"", "serve.toml:1: 'kmods' must be an array of strings")]
    [InlineData("[[watch]]\nname = \"a\"\nsource = \"x\"\nevery = \"1s\"", "serve.toml:1: 'every' must be at least 5 s")]
    [InlineData("[[watch]]\nname = \"a\"\nsource = \"x\"\nevery = \"1m\"\nrole = \"firmware\"", "serve.toml:1: 'role' must be one of kernels, kmods, any, not 'firmware'")]
    [InlineData("[[watch]]\nname = \"a\"\nevery = \"1m\"", "serve.toml:1: [watch] needs 'source'")]
    [InlineData("[[watch]]\nname = \"a\"\nsource = \"x\"\nevery = \"1m\"\n[[watch]]\nname = \"a\"\nsource = \"y\"\nevery = \"1m\"", "serve.toml:5: a watched source named 'a' is configured twice")]
    [InlineData("[[webhook]]\nurl = \"ftp://x/\"\nsecret = \"0123456789abcdef\"", "serve.toml:1: 'url' must be an http(s) URL, not 'ftp://x/'")]
    [InlineData("[[webhook]]\nurl = \"https://x/\"\nsecret = \"short\"", "serve.toml:1: a webhook's secret must be at least 16 characters")]
    [InlineData("[[webhook]]\nurl = \"https://x/\"", "serve.toml:1: a webhook needs one of 'secret' and 'secret_file'")]
    [InlineData("[watch]\nname = \"a\"", "serve.toml:1: unknown table 'watch' (known: [tls], [[watch]], [[webhook]], [[publish]])")]
    [InlineData("db = 1", "serve.toml:1: 'db' must be a string")]
    [InlineData("retake_after = \"4s\"", "serve.toml:1: 'retake_after' must be seconds or a number and a unit (30s, 15m, 1h, 1d) from 5 s to 1 d")]
    [InlineData("retake_after = 86401", "serve.toml:1: 'retake_after' must be seconds or a number and a unit (30s, 15m, 1h, 1d) from 5 s to 1 d")]
    [InlineData("retake_after = \"soon\"", "serve.toml:1: 'retake_after' must be seconds or a number and a unit (30s, 15m, 1h, 1d) from 5 s to 1 d")]
    [InlineData("retake_after = -30", "serve.toml:1: 'retake_after' must be seconds or a number and a unit (30s, 15m, 1h, 1d) from 5 s to 1 d")]
    [InlineData("retake_after = true", "serve.toml:1: 'retake_after' must be seconds or a number and a unit (30s, 15m, 1h, 1d) from 5 s to 1 d")]
    public void AMalformedConfiguration_IsOneLineWithItsLine(string text, string message)
    {
        var error = Assert.Throws<ModuleFormatException>(() => ServiceConfigReader.Parse(text, "serve.toml", Base));
        Assert.Equal(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ThePackagedDefaultConfiguration_ParsesWhenItsExamplesAreUncommented()
    {
        var packaged = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "../../../../../packaging/etc/serve.toml"));
        var uncommented = string.Join('\n', packaged.Select(l => l.StartsWith("# ", StringComparison.Ordinal) && l.Length > 2 && (char.IsAsciiLetterLower(l[2]) || l[2] == '[') && (l.Contains(" = ", StringComparison.Ordinal) || l[2] == '[') ? l[2..] : l));
        var config = ServiceConfigReader.Parse(uncommented.Replace("secret_file = \"/etc/kabigate/webhook.secret\"", "secret = \"0123456789abcdef\"", StringComparison.Ordinal), "serve.toml", "/etc/kabigate");
        Assert.Equal("rhel9-baseos", Assert.Single(config.Watches).Name);
        Assert.Single(config.Webhooks);
        Assert.Equal("127.0.0.1:8280", config.Listen);
        Assert.Empty(ServiceConfigReader.Parse(string.Join('\n', packaged), "serve.toml", "/etc/kabigate").Watches);
    }
}

public class WatchProbeTests
{
    [Fact]
    public void ADropFolder_ReportsEachNewOrChangedFile_AndNothingWhenUnchanged()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("a.rpm"), "a");
        File.WriteAllText(temp.Combine(".partial"), "x");
        var first = WatchProbe.Probe(temp.Path, null);
        Assert.Equal([temp.Combine("a.rpm")], first.Changed);
        Assert.Empty(WatchProbe.Probe(temp.Path, first.Fingerprint).Changed);
        File.WriteAllText(temp.Combine("b.rpm"), "b");
        File.WriteAllText(temp.Combine("a.rpm"), "a, rebuilt");
        var second = WatchProbe.Probe(temp.Path, first.Fingerprint);
        Assert.Equal([temp.Combine("a.rpm"), temp.Combine("b.rpm")], second.Changed.Order());
    }

    [Fact]
    public void ALocalRepository_ChangesWithItsRepomd()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("repodata"));
        File.WriteAllText(temp.Combine("repodata", "repomd.xml"), "<repomd/>");
        var first = WatchProbe.Probe(temp.Path, null);
        Assert.Equal([temp.Path], first.Changed);
        Assert.Empty(WatchProbe.Probe(temp.Path, first.Fingerprint).Changed);
        File.WriteAllText(temp.Combine("repodata", "repomd.xml"), "<repomd><data/></repomd>");
        Assert.Equal([temp.Path], WatchProbe.Probe(temp.Path, first.Fingerprint).Changed);
    }

    [ToolFact("apt-cache")]
    public void AnAptPattern_ListsTheMatchingPackages_AndANewNameIsAChange()
    {
        var probe = WatchProbe.Probe("apt:linux-headers-6.1.0-*-amd64", null);
        Assert.NotEmpty(probe.Changed);
        Assert.All(probe.Changed, c => Assert.Matches("^apt:linux-headers-6\\.1\\.0-[0-9]+-([a-z]+-)?amd64$", c));
        var withoutOne = string.Join('\n', probe.Fingerprint.Split('\n').Skip(1));
        Assert.Equal([probe.Changed[0]], WatchProbe.Probe("apt:linux-headers-6.1.0-*-amd64", withoutOne).Changed);
        var bad = Assert.Throws<ModuleFormatException>(() => WatchProbe.Probe("apt:Linux;rm", null));
        Assert.Equal("apt:Linux;rm: not a Debian package name or glob", bad.Message);
    }
}

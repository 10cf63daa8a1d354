using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Server;

/// <summary>A real <c>kabigate serve</c> process with the configuration's <c>[tls]</c>: a PEM certificate and key made by openssl.</summary>
[Collection("service")]
public class ServeTlsTests
{
    [Fact]
    public async Task WithTls_HttpsValidatedAgainstTheCertificateAnswers_AndPlainHttpDoesNot()
    {
        using var temp = new TempDirectory();
        var (cert, key) = MakeCertificate(temp);
        int port = LoopbackPorts.Free();
        var config = ServeProcessTests.Config(temp, port, $"[tls]\ncertificate = \"{cert}\"\nkey = \"{key}\"\n");
        using var serve = ServeProcessTests.Start("--config", config);
        var expected = X509Certificate2.CreateFromPem(File.ReadAllText(cert));
        using var https = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Trust exactly this certificate: valid only if the chain ends in it and the name matches.
                RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                    presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(expected.RawData) &&
                    (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None,
            },
        })
        { Timeout = TimeSpan.FromSeconds(10) };
        var health = await TestService.Eventually(async () =>
        {
            if (serve.HasExited)
                throw new InvalidOperationException($"the service exited with {serve.ExitCode}: {await serve.StandardError.ReadToEndAsync()}");
            try
            {
                return await https.GetStringAsync($"https://127.0.0.1:{port}/healthz");
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, 90, "the service's /healthz over https");
        Assert.Equal("ok\n", health);

        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetStringAsync($"http://127.0.0.1:{port}/healthz"));

        // A client that trusts only the system's roots refuses the self-signed certificate.
        using var untrusting = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetStringAsync($"https://127.0.0.1:{port}/healthz"));

        Assert.Equal(0, Tools.Run("kill", "-TERM", serve.Id.ToString(CultureInfo.InvariantCulture)).ExitCode);
        Assert.True(serve.WaitForExit(30_000), "the service did not stop on SIGTERM");
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("garbage")]
    public void ABadCertificate_IsOneLineAndExitStatus2(string kind)
    {
        using var temp = new TempDirectory();
        var (cert, key) = MakeCertificate(temp);
        if (kind == "missing")
            cert = temp.Combine("absent.pem");
        else
            File.WriteAllText(cert, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        var config = ServeProcessTests.Config(temp, LoopbackPorts.Free(), $"[tls]\ncertificate = \"{cert}\"\nkey = \"{key}\"\n");
        using var serve = ServeProcessTests.Start("--config", config);
        Assert.True(serve.WaitForExit(60_000), "the service did not refuse the certificate");
        var stderr = serve.StandardError.ReadToEnd();
        Assert.Equal(2, serve.ExitCode);
        Assert.StartsWith("kabigate: ERROR: ", stderr, StringComparison.Ordinal);
        Assert.Equal(1, stderr.Count(c => c == '\n'));
        Assert.EndsWith("\n", stderr, StringComparison.Ordinal);
        if (kind == "missing")
            Assert.Contains(cert, stderr, StringComparison.Ordinal);
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and its key, in PEM, by openssl.</summary>
    private static (string Certificate, string Key) MakeCertificate(TempDirectory temp)
    {
        var cert = temp.Combine("cert.pem");
        var key = temp.Combine("key.pem");
        var run = Tools.Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        return (cert, key);
    }
}

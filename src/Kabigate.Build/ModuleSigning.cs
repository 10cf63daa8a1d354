namespace Kabigate.Build;

/// <summary>
/// Signing of built modules with the headers' own <c>scripts/sign-file</c> (what kbuild's <c>modules_sign</c> and
/// DKMS run): <c>sign-file HASH KEY CERT MODULE</c>, HASH the headers' <c>CONFIG_MODULE_SIG_HASH</c> (sha256 when
/// the .config does not say), the key a PEM private key (or a PKCS#11 URI, passed on as it is), the certificate X.509
/// in PEM or DER.
/// </summary>
/// <param name="Key">The private key.</param>
/// <param name="Certificate">The certificate.</param>
public sealed record ModuleSigning(string Key, string Certificate)
{
    /// <summary>How a signing failure's message begins (the key's or the machine's fault, not the recipe's).</summary>
    public const string FailurePrefix = "signing failed: ";

    /// <summary>The hash algorithm the headers' .config names for module signatures, or sha256.</summary>
    public static string HashOf(string headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var config = Path.Combine(headers, ".config");
        if (File.Exists(config))
        {
            foreach (var line in File.ReadLines(config))
            {
                const string Prefix = "CONFIG_MODULE_SIG_HASH=\"";
                if (line.StartsWith(Prefix, StringComparison.Ordinal) && line.EndsWith('"'))
                {
                    var hash = line[Prefix.Length..^1];
                    if (hash.Length is > 0 and < 16 && hash.All(char.IsAsciiLetterOrDigit))
                        return hash;
                }
            }
        }
        return "sha256";
    }

    /// <summary>The headers' sign-file, or null when they have none.</summary>
    public static string? SignFileOf(string headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var tool = Path.Combine(headers, "scripts", "sign-file");
        return File.Exists(tool) ? tool : null;
    }

    /// <summary>Signs one module in place, the tool's output going to the build's log; returns why it failed, or null.</summary>
    internal string? Sign(string headers, string module, StreamWriter log, string logPath, TimeSpan timeout, CancellationToken cancel)
    {
        if (SignFileOf(headers) is not { } tool)
            return $"{FailurePrefix}the headers {headers} have no scripts/sign-file to sign with";
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["LC_ALL"] = "C",
        };
        var key = Key.StartsWith("pkcs11:", StringComparison.Ordinal) ? Key : Path.GetFullPath(Key);
        log.Flush();
        long start = new FileInfo(logPath).Length;
        var status = BuildExecutor.Execute(log, Path.GetDirectoryName(module)!, timeout, cancel, environment, tool, HashOf(headers), key, Path.GetFullPath(Certificate), module);
        log.Flush();
        if (status == BuildStatus.Built)
            return null;
        if (status == BuildStatus.TimedOut)
            return $"{FailurePrefix}scripts/sign-file was killed after {timeout.TotalSeconds:0} s";
        // sign-file's own complaint: its last line of output (e.g. "sign-file: key.pem: ... key values mismatch").
        using var reader = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        reader.Seek(start, SeekOrigin.Begin);
        var said = new StreamReader(reader).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => !l.StartsWith('#') && !l.StartsWith("$ ", StringComparison.Ordinal));
        return $"{FailurePrefix}scripts/sign-file failed on {Path.GetFileName(module)}" + (said is null ? "; see the log" : ": " + said);
    }
}

using Kabigate.Abi;
using Kabigate.Abi.Rebuild;
using Kabigate.Build;
using Kabigate.Formats;
using Kabigate.Formats.Signing;

namespace Kabigate.App.Operations;

/// <summary>
/// The steps of <c>rebuild run</c> after re-verification: a signed build's signatures read back and verified with
/// the given certificate (by kabigate's own reader, as <c>check --trusted-cert</c> does), then the packages made of
/// a build that loads on some member of its class, with the members that load it (an SRPM's own kmod RPM is kept
/// as its first package). A build whose signature does not
/// verify, or that cannot be packaged, is <c>build-failed</c> on every member (with why): nothing half-made is kept.
/// </summary>
internal static class RebuildPackaging
{
    private const string SigningFailed = "the signed ";
    private const string PackagingFailed = "packaging failed: ";

    /// <summary>Whether a build-failed detail is this step's (the machine's or the key's fault, not the recipe's: it does not block the class next time).</summary>
    public static bool FailedAfterTheBuild(string? detail) =>
        detail is not null && (detail.StartsWith(SigningFailed, StringComparison.Ordinal) || detail.StartsWith(PackagingFailed, StringComparison.Ordinal)
            || detail.StartsWith(ModuleSigning.FailurePrefix, StringComparison.Ordinal));

    /// <summary>Checks the key and certificate before anything is built; returns the certificate as a trusted key.</summary>
    /// <exception cref="OperationException">One is missing or the certificate cannot be read.</exception>
    public static TrustedKeys CheckSigning(ModuleSigning signing)
    {
        if (!signing.Key.StartsWith("pkcs11:", StringComparison.Ordinal) && !File.Exists(signing.Key))
            throw new OperationException($"{signing.Key}: no such signing key (--sign-key)");
        if (!File.Exists(signing.Certificate))
            throw new OperationException($"{signing.Certificate}: no such certificate (--sign-cert)");
        try
        {
            return TrustedKeys.Read([signing.Certificate]);
        }
        catch (Exception e) when (InputFailures.Describe(e) is { } line)
        {
            throw new OperationException($"--sign-cert: {line}");
        }
    }

    /// <summary>Verifies the signatures and packages one verified build; its members' results are updated in place.</summary>
    public static (RebuildBuildResult Result, IReadOnlyList<ModuleImage> Modules) SignedAndPackaged(
        PreparedRecipe recipe, PlanItem item, RebuildBuildResult result, IReadOnlyList<ModuleImage> modules, List<RebuildKernelResult> results,
        TrustedKeys? trusted, PackageFormats formats, string outputDirectory, TimeSpan timeout)
    {
        if (modules.Count == 0)
            return (result, modules);
        string? signer = null;
        if (trusted is not null)
        {
            foreach (var module in modules)
            {
                var verdict = trusted.Check(module);
                if (verdict.Check != SignatureCheck.Verified)
                    return (Fail(recipe, item, result, results, $"{SigningFailed}{module.Name}.ko does not verify with the certificate: {verdict.Detail}"), []);
            }
            signer = modules[0].Signature?.Signer ?? "?";
        }
        var loadsOn = results.Where(r => r.Recipe == recipe.Name && r.ClassKey == item.ClassKey && r.Status == RebuildStatuses.Built).Select(r => r.Kernel).ToList();
        // An SRPM recipe's own kmod RPM (the modules were taken from it) comes first.
        var packages = new List<string>(result.Outcome.Packages);
        var debs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (formats != PackageFormats.None)
        {
            var version = recipe.Version ?? modules.Select(m => m.Info("version")).FirstOrDefault(v => v is not null) ?? "0";
            var job = new PackageJob(recipe.Name, version, item.BuildOn!, modules, loadsOn, outputDirectory, result.Outcome.LogPath);
            try
            {
                if (formats.HasFlag(PackageFormats.Rpm))
                    packages.Add(KmodPackager.Rpm(job, timeout));
                if (formats.HasFlag(PackageFormats.Deb))
                {
                    var made = KmodPackager.Debs(job, timeout);
                    for (int k = 0; k < loadsOn.Count; k++)
                        debs[loadsOn[k]] = made[k];
                }
            }
            catch (Exception e) when (e is PackagingException or IOException or UnauthorizedAccessException)
            {
                return (Fail(recipe, item, result, results, PackagingFailed + e.Message), []);
            }
        }
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (r.Recipe != recipe.Name || r.ClassKey != item.ClassKey || r.Status != RebuildStatuses.Built)
                continue;
            results[i] = r with
            {
                Detail = signer is null ? r.Detail : $"signed by '{signer}'",
                Packages = [.. packages.Where(p => p.EndsWith(".rpm", StringComparison.Ordinal)), .. debs.TryGetValue(r.Kernel, out var deb) ? [deb] : Array.Empty<string>()],
            };
        }
        return (result with { Packages = [.. packages, .. debs.Values], Signer = signer }, modules);
    }

    private static RebuildBuildResult Fail(PreparedRecipe recipe, PlanItem item, RebuildBuildResult result, List<RebuildKernelResult> results, string why)
    {
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (r.Recipe == recipe.Name && r.ClassKey == item.ClassKey && r.Status == RebuildStatuses.Built)
                results[i] = r with { Status = RebuildStatuses.BuildFailed, Detail = why, Artifacts = [] };
        }
        return result with { Outcome = result.Outcome with { Status = BuildStatus.Failed, FirstError = why } };
    }
}

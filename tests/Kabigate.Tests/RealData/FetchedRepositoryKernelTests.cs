using Kabigate.Abi;
using Kabigate.Cli;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// <c>fetch:REPO</c>: a repository's kernels read from their packages rather than from their kABI provides, on the
/// createrepo_c repository prepare-data.sh built from rpmbuild'd kernel-core RPMs (the Debian ABIs' symvers.gz and
/// config in their payloads), local and served over HTTP on 127.0.0.1: the same ABI as the headers, so GPL-only,
/// namespaces and vermagic are checked; downloads verified by primary.xml's checksum and cached by it.
/// </summary>
[Trait("Category", "RealData")]
public sealed class FetchedRepositoryKernelTests
{
    private static Support.RealData Data => Support.RealData.Instance;

    private static string Row(KernelExport e) => $"{e.Symbol} {e.Crc:x8} {e.Module} {e.Kind} {e.Namespace}";

    [RealDataFact]
    public void FetchedKernels_AreTheHeadersAbi_WithKindsNamespacesAndVermagic()
    {
        var fromMetadata = KernelSourceReader.ReadAll(Data.Repository, new KernelSourceOptions());
        var fetched = KernelSourceReader.ReadAll(RepositorySources.FetchPrefix + Data.Repository, new KernelSourceOptions());
        Assert.Equal(fromMetadata.Count, fetched.Count);
        Assert.All(fromMetadata, k => Assert.NotNull(k.ExportKindsUnknownReason));
        foreach (var kernel in fetched)
        {
            var headers = KernelSourceReader.Read(Data.HeadersDeb(kernel.Release), new KernelSourceOptions());
            Assert.Null(kernel.ExportKindsUnknownReason);
            Assert.Equal(headers.Vermagic, kernel.Vermagic);
            Assert.Equal(headers.Loader, kernel.Loader);
            Assert.Equal(headers.Exports.Values.Select(Row).Order(StringComparer.Ordinal), kernel.Exports.Values.Select(Row).Order(StringComparer.Ordinal));
            Assert.EndsWith($"#{Support.RealData.RpmRelease(kernel.Release)} (kernel-core-{Support.RealData.RpmRelease(kernel.Release)}.x86_64.rpm)", kernel.Source, StringComparison.Ordinal);
        }
    }

    [RealDataFact]
    public void FetchedKernel_ChecksWhatMetadataCannot_AndAgreesWithTheHeaders()
    {
        var repoRelease = Support.RealData.RpmRelease(Data.OldRelease);
        var kmods = Data.KmodDir(Data.OldRelease);
        var (metadataExit, metadata, _) = CliRunner.Run("check", "--kernel", $"{Data.Repository}#{repoRelease}", kmods, "--format", "json");
        var (fetchedExit, fetched, fetchedErr) = CliRunner.Run("check", "--kernel", $"fetch:{Data.Repository}#{repoRelease}", kmods, "--format", "json");
        Assert.Equal("", fetchedErr);
        Assert.Equal(1, metadataExit);
        Assert.Equal(1, fetchedExit);
        Assert.Contains("export-kinds-unchecked", metadata, StringComparison.Ordinal);
        Assert.Contains("vermagic-unchecked", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("-unchecked", fetched, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"gpl-only\"", fetched, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"namespace-not-imported\"", fetched, StringComparison.Ordinal);

        var kernel = KernelSourceReader.Read($"fetch:{Data.Repository}#{repoRelease}", new KernelSourceOptions());
        var headers = KernelSourceReader.Read(Data.HeadersDeb(Data.OldRelease), new KernelSourceOptions());
        var modules = ModuleSetReader.Read([kmods]).Modules;
        static IEnumerable<string> Describe(CheckReport report) => report.Verdicts.Select(v =>
            $"{v.Module.Name} {v.Loads}: {string.Join("; ", v.Problems.Select(p => p.Message))} | {string.Join("; ", v.Warnings.Select(p => p.Message))}").Order(StringComparer.Ordinal);
        Assert.Equal(Describe(CompatibilityEngine.Check([headers], modules)), Describe(CompatibilityEngine.Check([kernel], modules)));
    }

    [RealDataFact("python3")]
    public void FetchedKernel_OverHttp_IsDownloadedOnce_VerifiedAndCached()
    {
        using var server = new PythonHttpServer(Data.Repository);
        using var cache = new TempDirectory();
        var repoRelease = Support.RealData.RpmRelease(Data.OldRelease);
        var package = $"kernel-core-{repoRelease}.x86_64.rpm";
        var source = $"fetch:{server.BaseUrl}#{repoRelease}";

        var first = Run(cache.Path, "inspect", source);
        Assert.True(first.Exit == 0, first.Stderr);
        Assert.Contains($"release:     {Data.OldRelease}", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("EXPORT_SYMBOL_GPL", first.Stdout, StringComparison.Ordinal);
        server.WaitFor(package, 1);
        var cached = Assert.Single(Directory.EnumerateFiles(cache.Path, "*.rpm", SearchOption.AllDirectories));
        Assert.Equal(File.ReadAllBytes(Data.RepositoryPackage(package)), File.ReadAllBytes(cached));

        Assert.Equal(first.Stdout, Run(cache.Path, "inspect", source).Stdout);
        Assert.Equal(1, server.Count(package)); // the second run read the cache

        // A cached file that no longer matches primary.xml's checksum is not used: it is downloaded again.
        var bytes = File.ReadAllBytes(cached);
        bytes[^100] ^= 0xff;
        File.WriteAllBytes(cached, bytes);
        Assert.Equal(first.Stdout, Run(cache.Path, "inspect", source).Stdout);
        server.WaitFor(package, 2);
    }

    [RealDataFact("python3", "createrepo_c")]
    public void FetchedKernel_WhoseFileDisagreesWithPrimary_IsRefusedInOneLine()
    {
        using var repo = new TempDirectory();
        var repoRelease = Support.RealData.RpmRelease(Data.OldRelease);
        var package = $"kernel-core-{repoRelease}.x86_64.rpm";
        Tools.RunOk("cp", "-r", Path.Combine(Data.Repository, "repodata"), repo.Path);
        File.Copy(Data.RepositoryPackage(package), repo.Combine(package));
        var bytes = File.ReadAllBytes(repo.Combine(package));
        bytes[^100] ^= 0xff; // same size, other content: what primary.xml says no longer holds
        File.WriteAllBytes(repo.Combine(package), bytes);

        using var server = new PythonHttpServer(repo.Path);
        using var cache = new TempDirectory();
        foreach (var location in new[] { repo.Path, server.BaseUrl })
        {
            var run = Run(cache.Path, "check", "--kernel", $"fetch:{location}#{repoRelease}", Data.KmodDir(Data.OldRelease));
            Assert.Equal(ExitCodes.Error, run.Exit);
            var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.StartsWith("kabigate: downloading ", StringComparison.Ordinal));
            Assert.StartsWith("kabigate: ERROR: ", line, StringComparison.Ordinal);
            Assert.Contains($"checksum mismatch for {package}", line, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.EnumerateFiles(cache.Path, "*.rpm", SearchOption.AllDirectories));
    }

    /// <summary>The CLI as a child process with its own cache folder (<c>XDG_CACHE_HOME</c>).</summary>
    private static (int Exit, string Stdout, string Stderr) Run(string cacheHome, params string[] args)
    {
        var (exit, stdout, stderr) = Tools.Execute("dotnet", [typeof(KabigateApp).Assembly.Location, .. args],
            environment: new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cacheHome, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });
        return (exit, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }
}

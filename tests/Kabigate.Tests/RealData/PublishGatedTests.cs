using System.Text.Json;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>A gated repository written from the real kernel and kmod RPMs, read by real dnf.</summary>
[Trait("Category", "RealData")]
public class PublishGatedTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string Dnf(string root, string repo, params string[] args)
    {
        string[] common = ["-q", "--installroot", root, "--setopt=reposdir=/dev/null", "--setopt=cachedir=" + Path.Combine(root, "cache"), "--releasever=12",
            "--nogpgcheck", "--disableplugin=*", $"--repofrompath=gated,{repo}", "--repo=gated"];
        return Tools.RunOk("dnf", [.. common, .. args]);
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void TheGatedRepository_LeavesOutTheKernelsThatBreakTheKmods_AndDnfReadsIt()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var source = Path.Combine(dir, "source");
        // A private copy (hard links) of the prepared repository, on the same file system as the gated one.
        Tools.RunOk("cp", "-al", Data.Repository, source);
        var gated = Path.Combine(dir, "gated");
        var kmods = Data.KmodDir(Data.NewRelease);
        var (exit, stdout, stderr) = CliRunner.Run("publish-gated", "--from", source, "--to", gated, "--kmods", Path.Combine(kmods, "kg_stable.ko"), "--kmods", Path.Combine(kmods, "kg_crcchange.ko"), "--format", "json");
        Assert.True(exit is 0 or 1, stderr);
        var report = JsonDocument.Parse(stdout).RootElement;

        // Independently: which kernels do the two kmods load on, by check on the kernels' own headers?
        var expected = new List<string>();
        foreach (var release in Data.Releases.Where(r => r.Split('-').Length == 3))
        {
            var check = CliRunner.Run("check", "--kernel", Data.HeadersDeb(release), Path.Combine(kmods, "kg_stable.ko"), Path.Combine(kmods, "kg_crcchange.ko"));
            if (check.Exit == 0)
                expected.Add(Support.RealData.RpmRelease(release));
        }
        Assert.Contains(Support.RealData.RpmRelease(Data.NewRelease), expected);
        Assert.Equal(expected.Count < Data.Releases.Count(r => r.Split('-').Length == 3) ? 1 : 0, exit);

        var root = Path.Combine(dir, "root");
        Directory.CreateDirectory(root);
        var listed = Dnf(root, gated, "repoquery", "--showduplicates", "--qf", "%{name} %{version}-%{release}", "kernel-core")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[1]).Order().ToList();
        Assert.Equal(expected.Order(), listed);
        Assert.Equal(listed.Count, report.GetProperty("kernels").EnumerateArray().Count(k => k.GetProperty("published").GetBoolean()));

        // The kmod packages are still there, and a published kernel downloads with a matching checksum.
        Assert.Contains("kmod-kabigate-test", Dnf(root, gated, "repoquery", "--qf", "%{name}"), StringComparison.Ordinal);
        var downloads = Path.Combine(dir, "downloads");
        Dnf(root, gated, "install", "-y", "--downloadonly", "--downloaddir", downloads, $"kernel-core-{Support.RealData.RpmRelease(Data.NewRelease)}");
        Assert.Single(Directory.GetFiles(downloads, "kernel-core-*.rpm"));

        // Packages are hard links of the source's, not copies.
        var published = Directory.GetFiles(gated, "kernel-core-*.rpm").First();
        var inode = (string path) => Tools.RunOk("stat", "-c", "%i", path).Trim();
        Assert.Equal(inode(Path.Combine(source, Path.GetFileName(published))), inode(published));

        // Publishing again replaces the metadata in place and keeps the same answer.
        Assert.Equal(exit, CliRunner.Run("publish-gated", "--from", source, "--to", gated, "--kmods", Path.Combine(kmods, "kg_stable.ko"), "--kmods", Path.Combine(kmods, "kg_crcchange.ko")).Exit);
        Assert.Single(Directory.GetDirectories(gated), d => Path.GetFileName(d) == "repodata");
        Assert.Equal(4, Directory.GetFiles(Path.Combine(gated, "repodata")).Length);
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void ARemoteSource_OrAMissingRepository_IsAClearError()
    {
        using var temp = new TempDirectory();
        var missing = CliRunner.Run("publish-gated", "--from", temp.Combine("nothing"), "--to", temp.Combine("gated"), "--kmods", Data.KmodDir(Data.NewRelease));
        Assert.Equal(2, missing.Exit);
        Assert.StartsWith("kabigate: ERROR: ", missing.Stderr, StringComparison.Ordinal);
        Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Repodata;

/// <summary>The tools the repodata tests build repositories with, installed from Debian when missing.</summary>
internal static class RepoTools
{
    private static readonly Lazy<bool> Installed = new(Install);

    /// <summary>Makes sure rpmbuild, rpm, createrepo_c, zstd and python3 are there (tests run as root; apt-get installs them).</summary>
    public static void EnsureInstalled() => _ = Installed.Value;

    private static bool Install()
    {
        string[] tools = ["rpmbuild", "rpm", "createrepo_c", "zstd", "python3"];
        if (tools.All(OnPath))
            return true;
        var (code, _, stderr) = Tools.Run("apt-get", "install", "-y", "-q", "rpm", "createrepo-c", "zstd", "python3");
        if (code != 0 || !tools.All(OnPath))
            throw new InvalidOperationException($"the repodata tests need {string.Join(", ", tools)} (Debian: apt-get install rpm createrepo-c zstd python3): {stderr}");
        return true;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));
}

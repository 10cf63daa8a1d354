using Kabigate.Tests.Support;

namespace Kabigate.Tests.Cli;

/// <summary><c>install-dnf-plugin</c> into a root with dnf's const.py: where it writes, and which binary the configuration names.</summary>
public class InstallDnfPluginTests
{
    private static string DnfRoot(TempDirectory temp)
    {
        var constants = temp.Combine("root", "usr", "lib", "python3", "dist-packages", "dnf", "const.py");
        Directory.CreateDirectory(Path.GetDirectoryName(constants)!);
        File.WriteAllText(constants, "PLUGINPATH = '/usr/lib/python3/dist-packages/dnf-plugins'\nPLUGINCONFPATH = '/etc/dnf/plugins'\n");
        return temp.Combine("root");
    }

    [Fact]
    public void TheConfigurationNamesThisBinaryByItsAbsolutePath()
    {
        using var temp = new TempDirectory();
        var root = DnfRoot(temp);
        var (exit, stdout, stderr) = CliRunner.Run("install-dnf-plugin", "--root", root);
        Assert.Equal("", stderr);
        Assert.Equal(0, exit);
        var line = File.ReadAllLines(Path.Combine(root, "etc", "dnf", "plugins", "kabigate.conf")).Single(l => l.StartsWith("kabigate = ", StringComparison.Ordinal));
        var binary = line["kabigate = ".Length..];
        Assert.True(Path.IsPathFullyQualified(binary), line);
        Assert.True(File.Exists(binary), $"{binary} does not exist");
        Assert.DoesNotContain("//", stdout, StringComparison.Ordinal);
        Assert.Contains($"(kabigate = {binary})", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ARelativeKabigate_IsRefusedInOneLine_AndNothingIsWritten()
    {
        using var temp = new TempDirectory();
        var root = DnfRoot(temp);
        var (exit, stdout, stderr) = CliRunner.Run("install-dnf-plugin", "--root", root, "--kabigate", "kabigate");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal("kabigate: ERROR: kabigate: the kabigate binary must be an absolute path (the plugin runs it as root)\n", stderr);
        Assert.False(Directory.Exists(Path.Combine(root, "etc")));
    }
}

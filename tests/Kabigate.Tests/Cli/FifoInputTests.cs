using Kabigate.Tests.Support;

namespace Kabigate.Tests.Cli;

/// <summary>
/// A symlink to a FIFO (opening which blocks until a writer comes) is refused, before it is opened, wherever kabigate
/// reads a named file: run through the real CLI as a child process, each must end in seconds with exit 2.
/// </summary>
public sealed class FifoInputTests : IDisposable
{
    private const string Release = "6.1.0-47-amd64";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new();
    private readonly string _fifo;
    private readonly string _symvers;
    private readonly string _module;

    public FifoInputTests()
    {
        _fifo = _temp.Combine("fifo");
        Tools.RunOk("mkfifo", _fifo);
        _symvers = _temp.Combine($"symvers-{Release}");
        File.WriteAllText(_symvers, "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n");
        _module = _temp.Combine("m.ko");
        File.WriteAllBytes(_module, new ElfBuilder { Modinfo = [("license", "GPL"), ("vermagic", Release + " SMP preempt mod_unload modversions ")] }.Build());
    }

    public void Dispose() => _temp.Dispose();

    private string LinkToFifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, _fifo);
        return path;
    }

    private static string Refused(string path) => $"kabigate: ERROR: {path}: not a regular file (a FIFO); refused before opening it";

    [Fact]
    public void AsAModule_AndInsideAModuleDirectory()
    {
        var link = LinkToFifo(_temp.Combine("link.ko"));
        var run = ChildCli.Run(Limit, "check", "--kernel", _symvers, link);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(Refused(link), Assert.Single(run.ErrorLines));

        var inside = LinkToFifo(_temp.Combine("dir", "sub", "x.ko.zst"));
        run = ChildCli.Run(Limit, "check", "--kernel", _symvers, _temp.Combine("dir"));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(Refused(inside), Assert.Single(run.ErrorLines));
    }

    [Fact]
    public void AsStablelist_PolicyStablelist_SeveritiesFile_AndProcModules()
    {
        var link = LinkToFifo(_temp.Combine("list-link"));
        var run = ChildCli.Run(Limit, "check", "--kernel", _symvers, "--stablelist", link, _module);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(Refused(link), Assert.Single(run.ErrorLines));

        foreach (var key in new[] { "stablelist", "severities_file" })
        {
            var policy = _temp.Combine($"{key}.toml");
            File.WriteAllText(policy, $"{key} = \"list-link\"\n");
            run = ChildCli.Run(Limit, "gate", "--kernel", _symvers, "--kmods", _module, "--policy", policy);
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal(Refused(link), Assert.Single(run.ErrorLines));
        }

        run = ChildCli.Run(Limit, "hold", "--repo", _temp.Path, "--in-use", "--proc-modules", link);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"kabigate: ERROR: {link}: cannot read the loaded modules: not a regular file (a FIFO); refused before opening it", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public void UnderAWeakUpdatesRoot_AsSymversAndAsAModule()
    {
        var root = _temp.Combine("root");
        var modules = Path.Combine(root, "lib", "modules", Release);
        var symvers = LinkToFifo(Path.Combine(modules, "symvers.gz"));
        var module = LinkToFifo(Path.Combine(modules, "extra", "fifo.ko"));
        var run = ChildCli.Run(Limit, "weak-updates", "plan", "--root", root);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(run.ErrorLines, l => l.Contains($"{symvers}: not a regular file (a FIFO)", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.Contains($"{module}: not a regular file (a FIFO)", StringComparison.Ordinal));
    }
}

using System.Diagnostics;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// The dnf plugin when kabigate misbehaves, in real dnf in an --installroot: the shipped default fails closed, an
/// answer that is not the JSON the plugin reads counts as a failure (strict or not), and on a timeout kabigate's whole
/// process group is killed, a wrapper script that does not exec included.
/// </summary>
[Trait("Category", "RealData")]
[Collection(DnfCollection.Name)]
public class DnfPluginRobustnessTests(DnfWorld world)
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [Fact]
    public void KabigateFails_ByDefault_DnfStopsAndInstallsNothing()
    {
        var root = world.NewRoot("base-hold", "updates-hold", "kabigate = /nonexistent/kabigate\n");
        var before = root.RpmQa();
        var (exit, _, stderr) = root.Dnf("upgrade");
        Assert.Equal(1, exit);
        Assert.Contains("Error: kabigate mask failed: [Errno 2] No such file or directory: '/nonexistent/kabigate' (strict = 1 in kabigate.conf: stopping)", stderr, StringComparison.Ordinal);
        Assert.Equal(before, root.RpmQa());
    }

    [Theory]
    [InlineData("{\"schema\": 2, \"excludes\": [{\"package\": {\"name\": \"kernel-core\"}, \"reason\": \"x\"}]}", "malformed answer: a package of 'excludes' has no string 'version'")]
    [InlineData("{\"schema\": 2, \"excludes\": [{\"name\": \"kernel-core\", \"reason\": \"x\"}]}", "malformed answer: an entry of 'excludes' has no object 'package'")]
    [InlineData("[1, 2]", "malformed answer: not a JSON object")]
    [InlineData("{\"schema\": 2, \"excludes\": {\"name\": 1}}", "malformed answer: 'excludes' is not a list")]
    [InlineData("{\"schema\": 1, \"excludes\": []}", "malformed answer: not a schema 2 report (is kabigate the same version as this plugin?)")]
    [InlineData("{\"schema\": 2, \"excludes\": [{\"package\": {\"name\": \"kernel-core\", \"version\": \"6.1.0\", \"release\": \"56.amd64\", \"arch\": \"x86_64\", \"nevra\": \"kernel-core-6.1.0-56.amd64.x86_64\", \"origin\": \"/elsewhere\"}, \"reason\": \"x\"}]}", "malformed answer: it excludes a package of a repository it was not given (/elsewhere)")]
    [InlineData("not json", "unreadable output: Expecting value: line 1 column 1 (char 0)")]
    public void AMalformedAnswer_IsAFailure_EvenNotStrict(string answer, string detail)
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        var script = Script($"#!/bin/bash\ncat <<'EOF'\n{answer}\nEOF\nexit 1\n");
        root.WritePluginConf($"kabigate = {script}\nstrict = 0\nmode = mask\n");
        var (exit, stdout, stderr) = root.Dnf("upgrade");
        Assert.True(exit == 0, stdout + stderr);
        var lines = (stdout + stderr).Split('\n').Where(l => l.Contains("kabigate", StringComparison.Ordinal)).ToList();
        Assert.Equal($"kabigate mask failed: {detail}; going on without kABI filtering (strict = 0)", Assert.Single(lines));
        Assert.Contains($"kernel-core-{DnfWorld.Kernel(Data.NewRelease, "")}.x86_64", root.RpmQa());
    }

    [Fact]
    public void OnATimeout_TheWholeProcessGroupIsKilled_AWrapperThatDoesNotExecIncluded()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        var marker = $"kabigate-test-sleep-{Guid.NewGuid():N}";
        // The wrapper's child keeps the pipes open: killing only the wrapper would leave dnf waiting on them.
        var script = Script($"#!/bin/bash\nbash -c 'exec -a {marker} sleep 600'\n");
        root.WritePluginConf($"kabigate = {script}\ntimeout = 2\nstrict = 1\nmode = mask\n");
        var clock = Stopwatch.StartNew();
        var (exit, _, stderr) = root.Dnf("upgrade");
        Assert.Equal(1, exit);
        Assert.Contains("Error: kabigate mask failed: no answer within 2 s (timeout in kabigate.conf) (strict = 1 in kabigate.conf: stopping)", stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"dnf took {clock.Elapsed}");
        Assert.Equal("", Tools.Run("pgrep", "-f", marker).Stdout.Trim());
    }

    private string Script(string text)
    {
        var path = Path.Combine(world.Root, $"kabigate-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, text);
        Tools.RunOk("chmod", "755", path);
        return path;
    }
}

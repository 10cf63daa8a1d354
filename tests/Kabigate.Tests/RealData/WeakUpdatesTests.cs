using System.Text.Json;
using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// <c>weak-updates</c> on a root laid out from real Debian data (<see cref="WeakUpdatesTree"/>), against the oracle:
/// weak-modules' own method, a depmod -aeE loop per kernel and group (tests/weak-modules-loop.sh), on the same tree.
/// </summary>
[Trait("Category", "RealData")]
public sealed class WeakUpdatesTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _root;

    public WeakUpdatesTests()
    {
        _root = _temp.Combine("root");
        WeakUpdatesTree.Build(_root);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>The links weak-modules' method makes: "KERNEL LINK TARGET" lines.</summary>
    private static SortedSet<string> Oracle(string root)
    {
        var lines = Tools.RunOk("bash", Path.Combine(SourceTree.Root, "tests/weak-modules-loop.sh"), root);
        return new SortedSet<string>(lines.Split('\n', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
    }

    private static SortedSet<string> Linked(WeakUpdatesPlan plan) =>
        new(plan.Decisions.Where(d => d.Action is WeakAction.Link or WeakAction.Keep && d.Candidate is not null)
            .Select(d => $"{d.Kernel} {d.LinkPath} {d.LinkTarget}"), StringComparer.Ordinal);

    private static WeakUpdatesPlan Plan(string root, WeakUpdatesRules rules = WeakUpdatesRules.Loader)
    {
        var tree = InstalledKernelsReader.Read(root);
        Assert.Empty(tree.Errors);
        return WeakUpdates.Plan(tree.Kernels, new WeakUpdatesOptions(rules));
    }

    /// <summary>Every symbolic link below any weak-updates/ of the root: "KERNEL LINK TARGET", the target resolved inside the root.</summary>
    private static SortedSet<string> LinksOnDisk(string root)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var kernel in Directory.EnumerateDirectories(Path.Combine(root, "lib/modules")))
        {
            var weak = Path.Combine(kernel, "weak-updates");
            if (!Directory.Exists(weak))
                continue;
            foreach (var link in Directory.EnumerateFiles(weak, "*", SearchOption.AllDirectories))
            {
                var text = new FileInfo(link).LinkTarget;
                if (text is null)
                    continue;
                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(link)!, text));
                Assert.StartsWith(root + "/", resolved, StringComparison.Ordinal);
                Assert.True(File.Exists(resolved), link);
                result.Add($"{Path.GetFileName(kernel)} {Path.GetRelativePath(kernel, link)} {resolved[root.Length..]}");
            }
        }
        return result;
    }

    [RealDataFact("depmod")]
    public void DepmodRule_DecidesExactlyAsWeakModulesLoop()
    {
        var oracle = Oracle(_root);
        var plan = Plan(_root, WeakUpdatesRules.Depmod);
        var ours = Linked(plan);
        Assert.True(oracle.SetEquals(ours), $"weak-modules only: {string.Join("; ", oracle.Except(ours))}\nkabigate only: {string.Join("; ", ours.Except(oracle))}");

        // The tree exercises every rule, not only the easy one.
        Assert.True(ours.Count >= 4, $"only {ours.Count} links");
        var reasons = plan.Decisions.Select(d => d.Reason).ToHashSet();
        Assert.Superset(new HashSet<WeakReason> { WeakReason.Compatible, WeakReason.Incompatible, WeakReason.GroupIncompatible, WeakReason.OwnModule }, reasons);
        if (WeakUpdatesTree.Cloud is not null)
            Assert.Contains(WeakReason.OtherFlavour, reasons);
        Assert.Contains(plan.Warnings, w => w.StartsWith($"{WeakUpdatesTree.NoSymvers}: not a target: no symvers", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Decisions, d => d.Kernel == WeakUpdatesTree.NoSymvers);
    }

    [RealDataFact("depmod")]
    public void LoaderRule_PartsFromWeakModulesOnlyWhereTheRulesDiffer()
    {
        var depmod = Plan(_root, WeakUpdatesRules.Depmod);
        var loader = Plan(_root);
        var oracle = Oracle(_root);
        var ours = Linked(loader);

        // Where the loader rule links what weak-modules does not, depmod flags a CRC the module does not carry (the loader
        // warns and loads); where it refuses what weak-modules links, the loader refuses for a reason depmod does not check.
        foreach (var extra in ours.Except(oracle))
        {
            var d = loader.Decisions.Single(x => $"{x.Kernel} {x.LinkPath} {x.LinkTarget}" == extra);
            Assert.True(d.DepmodFindings.All(f => f.Kind == ProblemKind.CrcMismatch && f.Found is null), extra);
        }
        foreach (var missing in oracle.Except(ours))
        {
            var d = depmod.Decisions.Single(x => $"{x.Kernel} {x.LinkPath} {x.LinkTarget}" == missing);
            Assert.True(d.LoaderOnly || d.Group.Count > 1, missing);
        }
        Assert.All(loader.Decisions.Where(d => d.Reason == WeakReason.Incompatible), d => Assert.False(d.LoaderCompatible));
    }

    [RealDataFact("depmod")]
    public void Apply_CreatesExactlyThePlannedLinks_ThatDepmodAccepts_AndIsIdempotent()
    {
        var plan = Plan(_root);
        var planned = Linked(plan);
        var (exit, stdout, stderr) = CliRunner.Run("weak-updates", "apply", "--root", _root);
        Assert.Equal(0, exit);
        Assert.DoesNotContain("ERROR", stderr, StringComparison.Ordinal);
        Assert.Contains($"{planned.Count} link(s) created, 0 removed", stdout, StringComparison.Ordinal);
        Assert.Equal(planned, LinksOnDisk(_root));

        // depmod, run on the result the way weak-modules validates it, finds nothing wrong with any link it found clean.
        foreach (var kernel in plan.Decisions.Where(d => d.Action == WeakAction.Link).GroupBy(d => d.Kernel))
        {
            var findings = Depmod.RunOnTree(_root, WeakUpdatesTree.Symvers(kernel.Key), kernel.Key);
            var clean = kernel.Where(d => d.DepmodFindings.Count == 0).Select(d => Path.GetFileName(d.LinkPath)).ToHashSet();
            Assert.DoesNotContain(findings, f => clean.Contains(f.ModuleFile));
        }

        (exit, stdout, _) = CliRunner.Run("weak-updates", "apply", "--root", _root);
        Assert.Equal((0, "nothing to change\n"), (exit, stdout));
        Assert.Equal(planned, LinksOnDisk(_root));
        (exit, stdout, _) = CliRunner.Run("weak-updates", "plan", "--root", _root);
        Assert.Equal(0, exit);
        Assert.DoesNotContain("\n  link ", stdout, StringComparison.Ordinal);
        Assert.Contains($"0 to link, 0 to remove, {planned.Count} kept", stdout, StringComparison.Ordinal);
    }

    [RealDataFact("depmod")]
    public void Apply_RemovesStaleLinks_LeavesFilesThatAreNotLinks()
    {
        Assert.Equal(0, CliRunner.Run("weak-updates", "apply", "--root", _root).Exit);
        var good = LinksOnDisk(_root);
        var target = WeakUpdatesTree.Amd64[^2];
        var weak = Path.Combine(_root, "lib/modules", target, "weak-updates");
        Directory.CreateDirectory(Path.Combine(weak, "old"));
        // As weak-modules makes them: absolute, to a module that is gone, and to one this kernel refuses.
        File.CreateSymbolicLink(Path.Combine(weak, "old/gone.ko"), $"/lib/modules/{Data.OldRelease}/extra/gone.ko");
        File.CreateSymbolicLink(Path.Combine(weak, "kg_stable.ko"), $"/lib/modules/{Data.OldRelease}/extra/kg_stable.ko");
        File.CreateSymbolicLink(Path.Combine(weak, "escape.ko"), "../../../../../../../../etc/hostname");
        var vendor = Path.Combine(weak, "vendor.ko");
        File.Copy(Path.Combine(_root, "lib/modules", target, "kernel/fs/nls/nls_utf8.ko"), vendor);
        // The newest kernel has its own kg_stable: a link to another build is removed.
        var own = Path.Combine(_root, "lib/modules", Data.NewRelease, "weak-updates/kg_stable.ko");
        Directory.CreateDirectory(Path.GetDirectoryName(own)!);
        File.CreateSymbolicLink(own, $"/lib/modules/{Data.OldRelease}/extra/kg_stable.ko");

        var (exit, stdout, stderr) = CliRunner.Run("weak-updates", "plan", "--root", _root, "--format", "json");
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(stdout);
        var removals = json.RootElement.GetProperty("decisions").EnumerateArray()
            .Where(d => d.GetProperty("action").GetString() == "remove")
            .Select(d => $"{d.GetProperty("kernel").GetString()} {d.GetProperty("link").GetString()} {d.GetProperty("reason").GetString()}")
            .Order(StringComparer.Ordinal).ToList();
        string[] expected =
        [
            $"{Data.NewRelease} weak-updates/kg_stable.ko own-module",
            $"{target} weak-updates/escape.ko dangling",
            $"{target} weak-updates/kg_stable.ko {(good.Any(l => l.StartsWith($"{target} ", StringComparison.Ordinal) && l.EndsWith("/kg_stable.ko", StringComparison.Ordinal)) ? "superseded" : "incompatible")}",
            $"{target} weak-updates/old/gone.ko dangling",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), removals);
        Assert.Contains(json.RootElement.GetProperty("decisions").EnumerateArray(),
            d => d.GetProperty("link").GetString() == "weak-updates/vendor.ko" && d.GetProperty("reason").GetString() == "foreign" && d.GetProperty("action").GetString() == "keep");

        (exit, stdout, stderr) = CliRunner.Run("weak-updates", "apply", "--root", _root);
        Assert.Equal(0, exit);
        Assert.Contains("0 link(s) created, 4 removed", stdout, StringComparison.Ordinal);
        Assert.Equal(good, LinksOnDisk(_root));
        Assert.True(File.Exists(vendor));
        Assert.False(Directory.Exists(Path.Combine(weak, "old")));
        Assert.Equal(0, CliRunner.Run("weak-updates", "plan", "--root", _root).Exit);
    }

    [RealDataFact("depmod")]
    public void Apply_NeverWritesThroughALinkOutOfTheRoot()
    {
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        var target = Linked(Plan(_root)).First().Split(' ')[0];
        Directory.CreateSymbolicLink(Path.Combine(_root, "lib/modules", target, "weak-updates"), outside);

        var (exit, _, stderr) = CliRunner.Run("weak-updates", "apply", "--root", _root);
        Assert.Equal(2, exit);
        Assert.Contains("is a symbolic link; refusing to write through it", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [RealDataFact("depmod")]
    public void Apply_WithDepmod_WritesTheModuleIndexOfEachChangedKernel()
    {
        var changed = Linked(Plan(_root)).Select(l => l.Split(' ')[0]).ToHashSet();
        var (exit, stdout, _) = CliRunner.Run("weak-updates", "apply", "--root", _root, "--depmod");
        Assert.Equal(0, exit);
        foreach (var kernel in WeakUpdatesTree.Amd64)
            Assert.Equal(changed.Contains(kernel), File.Exists(Path.Combine(_root, "lib/modules", kernel, "modules.dep")));
        var kernelWithLinks = changed.First();
        var dep = File.ReadAllText(Path.Combine(_root, "lib/modules", kernelWithLinks, "modules.dep"));
        Assert.Contains("weak-updates/", dep, StringComparison.Ordinal);
        Assert.Contains($"-b {_root} -a {kernelWithLinks}", stdout, StringComparison.Ordinal);
    }

    [RealDataFact("depmod")]
    public void Reader_TakesKernelFromSymvers_AndReadsEverythingElse()
    {
        var target = WeakUpdatesTree.Amd64[^2];
        var tree = Path.Combine(_root, "lib/modules", target);
        Directory.CreateDirectory(Path.Combine(tree, "misc"));
        Directory.CreateDirectory(Path.Combine(tree, "kernel/unlisted"));
        File.Copy(WeakUpdatesTree.ImageModule(target, "crypto/ecc.ko"), Path.Combine(tree, "misc/ecc.ko"));
        File.Copy(WeakUpdatesTree.ImageModule(target, "crypto/blowfish_common.ko"), Path.Combine(tree, "kernel/unlisted/blowfish_common.ko"));

        var kernel = InstalledKernelsReader.Read(_root).Kernels.Single(k => k.Release == target);
        var exporters = kernel.Abi!.Exports.Values.Select(e => e.Module).ToHashSet();
        Assert.Contains("crypto/xor", exporters); // listed in symvers, exports what async_xor imports
        Assert.Contains("lib/crypto/libdes", exporters); // what des_generic imports
        Assert.Contains("misc/ecc", exporters); // outside kernel/: read whole
        Assert.DoesNotContain("unlisted/blowfish_common", exporters); // below kernel/ and not in symvers: taken to export nothing
        Assert.DoesNotContain("fs/nls/nls_utf8", exporters); // exports nothing anyone here imports
        Assert.Equal($"{target} SMP preempt mod_unload modversions ", kernel.Abi.Vermagic);
    }

    [RealDataFact("depmod")]
    public void BadRoot_OneLine_ExitTwo()
    {
        var missing = _temp.Combine("missing");
        var (exit, stdout, stderr) = CliRunner.Run("weak-updates", "plan", "--root", missing);
        Assert.Equal((2, "", $"kabigate: ERROR: {missing}: no such directory\n"), (exit, stdout, stderr));

        var empty = Directory.CreateDirectory(_temp.Combine("empty")).FullName;
        (exit, stdout, stderr) = CliRunner.Run("weak-updates", "apply", "--root", empty);
        Assert.Equal((2, "", $"kabigate: ERROR: {empty}: no lib/modules directory: not a system root\n"), (exit, stdout, stderr));
    }

    [RealDataFact("depmod")]
    public void Json_FollowsTheSchema()
    {
        var (exit, stdout, stderr) = CliRunner.Run("weak-updates", "plan", "--root", _root, "--format", "json", "--rules", "depmod");
        Assert.Equal(1, exit);
        Assert.DoesNotContain("ERROR", stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal((2, "depmod", false, true), (root.GetProperty("schema").GetInt32(), root.GetProperty("rules").GetString(), root.GetProperty("apply").GetBoolean(), root.GetProperty("changes").GetBoolean()));
        var kernels = root.GetProperty("kernels").EnumerateArray().ToList();
        Assert.Contains(kernels, k => k.GetProperty("release").GetString() == WeakUpdatesTree.NoSymvers && !k.GetProperty("target").GetBoolean());
        foreach (var d in root.GetProperty("decisions").EnumerateArray())
        {
            Assert.Contains(d.GetProperty("action").GetString(), new[] { "link", "keep", "remove", "skip" });
            Assert.Contains(d.GetProperty("reason").GetString(), new[] { "compatible", "incompatible", "group-incompatible", "own-module", "superseded", "other-flavour", "dangling", "duplicate", "foreign" });
            foreach (var name in new[] { "kernel", "module", "from", "built_for", "link", "target", "because", "group", "loader_compatible", "depmod_compatible", "loader_only", "problems", "warnings", "depmod" })
                Assert.True(d.TryGetProperty(name, out _), name);
        }
        var crc = root.GetProperty("decisions").EnumerateArray().First(d => d.GetProperty("reason").GetString() == "incompatible");
        var finding = crc.GetProperty("depmod").EnumerateArray().First();
        Assert.Matches("^(needs unknown symbol|disagrees about version of symbol) ", finding.GetProperty("message").GetString());
    }

    private static Support.RealData Data => Support.RealData.Instance;
}

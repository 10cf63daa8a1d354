using Kabigate.Abi;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Abi;

public class AbiDiffTests
{
    private static KernelAbi Kernel(string release, params KernelExport[] exports) => new(release, exports, "test", $"{release} SMP mod_unload modversions ");

    [Fact]
    public void EveryKindOfChange_IsFound_AndAttributedToTheKmodsItBreaks()
    {
        var old = Kernel("6.1.0-1-amd64",
            new KernelExport("gone", 1, "vmlinux", ExportKind.Plain, null),
            new KernelExport("crc", 2, "vmlinux", ExportKind.Plain, null),
            new KernelExport("restricted", 3, "vmlinux", ExportKind.Plain, null),
            new KernelExport("relaxed", 4, "vmlinux", ExportKind.Gpl, null),
            new KernelExport("nsd", 5, "vmlinux", ExportKind.Plain, null),
            new KernelExport("moved", 6, "drivers/a/a", ExportKind.Plain, null),
            new KernelExport("module_layout", 9, "vmlinux", ExportKind.Plain, null));
        var current = Kernel("6.1.0-2-amd64",
            new KernelExport("crc", 20, "vmlinux", ExportKind.Plain, null),
            new KernelExport("restricted", 3, "vmlinux", ExportKind.Gpl, null),
            new KernelExport("relaxed", 4, "vmlinux", ExportKind.Plain, null),
            new KernelExport("nsd", 5, "vmlinux", ExportKind.Plain, "NEW_NS"),
            new KernelExport("moved", 6, "drivers/b/b", ExportKind.Plain, null),
            new KernelExport("new", 7, "vmlinux", ExportKind.Plain, null),
            new KernelExport("module_layout", 9, "vmlinux", ExportKind.Plain, null));
        var user = KmodFixtures.Module("user", [("crc", 2u), ("restricted", 3u)], moreVersions: [("module_layout", 9u)], license: "Proprietary", vermagic: "6.1.0-1-amd64 SMP mod_unload modversions ");
        var bystander = KmodFixtures.Module("bystander", [("relaxed", 4u), ("moved", 6u)], moreVersions: [("module_layout", 9u)], vermagic: "6.1.0-1-amd64 SMP mod_unload modversions ");

        var diff = AbiDiff.Compare(old, current, new Stablelist(["crc"], "list"), [user, bystander]);

        Assert.Equal(
            ["added:new", "removed:gone", "crc-changed:crc", "export-restricted:restricted", "export-relaxed:relaxed", "namespace-changed:nsd", "moved:moved"],
            diff.Changes.Select(c => $"{c.Kind.ToJsonName()}:{c.Symbol}"));
        Assert.Equal(["user"], diff.Changes.Single(c => c.Kind == AbiChangeKind.CrcChanged).Breaks);
        Assert.Equal(["user"], diff.Changes.Single(c => c.Kind == AbiChangeKind.ExportRestricted).Breaks);
        Assert.True(diff.Changes.Single(c => c.Symbol == "crc").Stablelisted);
        Assert.False(diff.Changes.Single(c => c.Symbol == "gone").Stablelisted);
        Assert.All(diff.Changes.Where(c => c.Symbol != "crc" && c.Symbol != "restricted"), c => Assert.Empty(c.Breaks));
        Assert.True(diff.Kmods![1, 1].Loads, string.Join("; ", diff.Kmods[1, 1].Problems.Select(p => p.Message)));
    }
}

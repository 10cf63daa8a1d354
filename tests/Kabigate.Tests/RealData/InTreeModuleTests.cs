using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>The ~4,000 in-tree modules of a real Debian linux-image package, read straight from the .deb.</summary>
[Trait("Category", "RealData")]
public class InTreeModuleTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;
    private static readonly Lazy<ModuleSet> ImageModules = new(() => ModuleSetReader.Read([Data.ImageDeb]));

    /// <summary>The image unpacked once by dpkg-deb (independently of kabigate), with every release's name linked to its modules.</summary>
    private static readonly Lazy<string> UnpackedImage = new(() =>
    {
        var root = Data.Scratch("image-" + Data.OldRelease);
        var modules = Path.Combine(root, "lib/modules", Data.OldRelease);
        if (!Directory.Exists(Path.Combine(modules, "kernel")))
            Tools.RunOk("dpkg-deb", "-x", Data.ImageDeb, root);
        return root;
    });

    private static string SymversOf(string release) =>
        Path.Combine(Tools.ExtractFromDeb(Data.HeadersDeb(release), "*/Module.symvers", Data.Scratch("symvers-" + release)), $"usr/src/linux-headers-{release}/Module.symvers");

    [RealDataFact("depmod")]
    public void EveryModuleOfTheImage_IsRead_AndLoadsOnItsOwnKernel()
    {
        var set = ImageModules.Value;
        Assert.Empty(set.Errors);
        var onDisk = Directory.EnumerateFiles(Path.Combine(UnpackedImage.Value, "lib/modules", Data.OldRelease), "*.ko*", SearchOption.AllDirectories).Count();
        Assert.Equal(onDisk, set.Modules.Count);
        Assert.True(set.Modules.Count > 3000, $"only {set.Modules.Count} modules");
        Assert.All(set.Modules, m => Assert.True(m.Signed && m.InTree, m.Path));

        var report = CompatibilityEngine.Check([KernelSourceReader.Read(Data.HeadersDeb(Data.OldRelease), new KernelSourceOptions())], set.Modules);
        var refused = report.Verdicts.Where(v => !v.Loads).Select(v => $"{v.Module.Name}: {v.Problems[0].Message}").ToList();
        Assert.Empty(refused);
    }

    [RealDataFact("depmod")]
    public void InTreeModules_OnEveryKernel_AgreeWithDepmod()
    {
        var root = UnpackedImage.Value;
        var kernels = Data.Releases.Select(r => KernelSourceReader.Read(Data.HeadersDeb(r), new KernelSourceOptions())).ToList();
        var report = CompatibilityEngine.Check(kernels, ImageModules.Value.Modules, new CheckOptions(Explain: true));
        var total = 0;
        for (var k = 0; k < kernels.Count; k++)
        {
            var release = kernels[k].Release;
            var link = Path.Combine(root, "lib/modules", release);
            if (release != Data.OldRelease && !Directory.Exists(link))
                Directory.CreateSymbolicLink(link, Data.OldRelease);
            var depmod = Depmod.RunOnTree(root, SymversOf(release), release);
            DepmodAgreementTests.AssertAgreement(depmod, report, k);
            total += depmod.Count;
        }
        Assert.True(total > 1000, $"depmod found only {total} problems across the kernels");
    }

    [RealDataFact("depmod")]
    public void ModuleTree_AsKernel_HasTheExportsTheHeadersSymversLists()
    {
        var release = Data.OldRelease;
        using var temp = new TempDirectory();
        var root = temp.Path;
        Directory.CreateDirectory(Path.Combine(root, "lib/modules"));
        Directory.CreateDirectory(Path.Combine(root, "boot"));
        Directory.CreateSymbolicLink(Path.Combine(root, "lib/modules", release), Path.Combine(UnpackedImage.Value, "lib/modules", release));
        var symvers = SymversOf(release);
        File.Copy(symvers, Path.Combine(root, "boot", $"symvers-{release}"));
        Tools.RunOk("gzip", "-9", Path.Combine(root, "boot", $"symvers-{release}"));
        File.Copy(Path.Combine(UnpackedImage.Value, "boot", $"config-{release}"), Path.Combine(root, "boot", $"config-{release}"));

        var tree = KernelSourceReader.Read(Path.Combine(root, "lib/modules", release), new KernelSourceOptions());
        var headers = KernelSourceReader.Read(Data.HeadersDeb(release), new KernelSourceOptions());

        Assert.Equal(headers.Vermagic, tree.Vermagic);
        Assert.Equal(headers.Loader, tree.Loader);
        var missing = new List<string>();
        foreach (var expected in headers.Exports.Values)
        {
            if (!tree.TryGetExport(expected.Symbol, out var actual))
            {
                missing.Add(expected.Symbol);
                continue;
            }
            Assert.Equal(expected, actual);
        }

        // Module.symvers also lists modules Debian builds but ships in other packages; the image has the rest.
        Assert.True(missing.Count < headers.Exports.Count / 20, $"{missing.Count} exports missing, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.Equal(headers.Exports.Count - missing.Count, tree.Exports.Count);
    }
}

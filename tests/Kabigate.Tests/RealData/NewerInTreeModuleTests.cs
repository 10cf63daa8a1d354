using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// The ~4,200 in-tree modules of Debian's newest 6.12 image package (<c>linux-image-R-unsigned</c>), shipped as
/// <c>.ko.xz</c> and signed, read straight from the .deb and checked on kernels of the 6.12 line.
/// </summary>
[Trait("Category", "RealData")]
public class NewerInTreeModuleTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;
    private static readonly string Release = Data.NewerBuildRelease;
    private static readonly Lazy<ModuleSet> ImageModules = new(() => ModuleSetReader.Read([Data.ImageDebOf(Release)]));

    /// <summary>The image unpacked once by dpkg-deb (independently of kabigate), with every 6.12 release's name linked to its modules.</summary>
    private static readonly Lazy<string> UnpackedImage = new(() =>
    {
        var root = Data.Scratch("image-" + Release);
        if (!Directory.Exists(Path.Combine(root, "lib/modules", Release, "kernel")))
            Tools.RunOk("dpkg-deb", "-x", Data.ImageDebOf(Release), root);
        return root;
    });

    private static string SymversOf(string release) =>
        Path.Combine(Tools.ExtractFromDeb(Data.HeadersDeb(release), "*/Module.symvers", Data.Scratch("symvers-" + release)), $"usr/src/linux-headers-{release}/Module.symvers");

    [RealDataFact("depmod", "dpkg-deb")]
    public void EveryCompressedModuleOfTheImage_IsRead_AndLoadsOnItsOwnKernel()
    {
        var set = ImageModules.Value;
        Assert.Empty(set.Errors);
        var onDisk = Directory.EnumerateFiles(Path.Combine(UnpackedImage.Value, "lib/modules", Release), "*.ko*", SearchOption.AllDirectories).ToList();
        Assert.Equal(onDisk.Count, set.Modules.Count);
        Assert.True(onDisk.Count > 3000, $"only {onDisk.Count} modules");
        Assert.All(onDisk, f => Assert.EndsWith(".ko.xz", f, StringComparison.Ordinal));
        Assert.All(set.Modules, m => Assert.True(m.Signed && m.InTree, m.Path));
        // One signer for the whole build (Debian signs with the build's own key), every PKCS#7 read.
        Assert.All(set.Modules, m => Assert.Null(m.Signature!.Malformed));
        Assert.Single(set.Modules.Select(m => (m.Signature!.Signer, m.Signature.KeyId, m.Signature.HashAlgorithm)).Distinct());
        Assert.Single(set.Modules.Select(m => m.ThisModuleSize).Distinct());

        var report = CompatibilityEngine.Check([KernelSourceReader.Read(Data.HeadersDeb(Release), new KernelSourceOptions())], set.Modules);
        var refused = report.Verdicts.Where(v => !v.Loads).Select(v => $"{v.Module.Name}: {v.Problems[0].Message}").ToList();
        Assert.Empty(refused);
    }

    [RealDataFact("depmod", "dpkg-deb")]
    public void InTreeModules_OnNewerKernels_AgreeWithDepmod()
    {
        var root = UnpackedImage.Value;
        // Its own ABI, the oldest 6.12 ABI and the cloud and rt flavours: each depmod run decompresses the whole tree
        // (~4,200 .ko.xz), so not every ABI of the line.
        var releases = Data.NewerReleases.Where(r => r == Release || r == Data.NewerReleases[0] || KernelReleases.Flavour(r) != "amd64").ToList();
        var kernels = releases.Select(r => KernelSourceReader.Read(Data.HeadersDeb(r), new KernelSourceOptions())).ToList();
        var report = CompatibilityEngine.Check(kernels, ImageModules.Value.Modules, new CheckOptions(Explain: true));
        var total = 0;
        for (var k = 0; k < kernels.Count; k++)
        {
            var release = kernels[k].Release;
            var link = Path.Combine(root, "lib/modules", release);
            if (release != Release && !Directory.Exists(link))
                Directory.CreateSymbolicLink(link, Release);
            var depmod = Depmod.RunOnTree(root, SymversOf(release), release);
            DepmodAgreementTests.AssertAgreement(depmod, report, k);
            total += depmod.Count;
        }
        Assert.True(total > 1000, $"depmod found only {total} problems across the kernels");
    }
}

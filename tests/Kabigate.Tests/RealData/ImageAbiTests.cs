using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// Debian's linux-image packages carry no symvers: kabigate recovers the ABI from vmlinuz (its __ksymtab, __kcrctab
/// and __ksymtab_strings) and from the exports of the packaged modules. It must equal the headers' Module.symvers.
/// </summary>
[Trait("Category", "RealData")]
public class ImageAbiTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    /// <summary>Every amd64 ABI of the 6.1 and the 6.12 line.</summary>
    public static TheoryData<string> ImageReleases() => [.. Support.RealData.Instance.ImageReleases];

    [RealDataTheory]
    [MemberData(nameof(ImageReleases))]
    public void RecoveredAbi_EqualsTheHeadersModuleSymvers(string release)
    {
        var image = Data.ImageDebOf(release);
        var recovered = KernelSourceReader.Read(image, new KernelSourceOptions());
        var headers = KernelSourceReader.Read(Data.HeadersDeb(release), new KernelSourceOptions());

        Assert.Equal(release, recovered.Release);
        Assert.Equal(headers.Vermagic, recovered.Vermagic);
        Assert.Equal(headers.Loader, recovered.Loader);
        // sizeof(struct module) from the in-tree modules; where the headers ship a BTF vmlinux (6.12), the same.
        Assert.NotNull(recovered.ModuleStructSize);
        if (headers.ModuleStructSize is ulong fromBtf)
            Assert.Equal(fromBtf, recovered.ModuleStructSize);

        // Every symbol of Module.symvers whose exporter the package ships, and nothing else.
        var shipped = recovered.Exports.Values.Select(e => e.Module).ToHashSet(StringComparer.Ordinal);
        var expected = headers.Exports.Values.Where(e => shipped.Contains(e.Module)).OrderBy(e => e.Symbol, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, recovered.Exports.Values.OrderBy(e => e.Symbol, StringComparer.Ordinal).ToList());
        Assert.Equal(headers.Exports.Values.Count(e => e.IsVmlinux), recovered.Exports.Values.Count(e => e.IsVmlinux));

        // Module.symvers lists a few modules Debian ships in other packages; say which, so a change shows.
        var elsewhere = headers.Exports.Values.Where(e => !shipped.Contains(e.Module)).Select(e => e.Module).Distinct().ToList();
        Assert.True(elsewhere.Count < 50, $"{elsewhere.Count} exporting modules of Module.symvers are not in the image package");
    }
}

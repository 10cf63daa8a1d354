using Kabigate.Abi;

namespace Kabigate.Tests.Abi;

public class KernelReleasesTests
{
    [Theory]
    [InlineData("6.1.0-47-amd64", "6.1.0-*-amd64")]
    [InlineData("6.1.0-47-cloud-amd64", "6.1.0-*-cloud-amd64")]
    [InlineData("5.14.0-427.13.1.el9_4.x86_64", "5.14.0-*.el9.x86_64")]
    [InlineData("4.18.0-513.5.1.el8_9.x86_64+rt", "4.18.0-*.el8.x86_64+rt")]
    [InlineData("3.10.0-1160.el7.x86_64", "3.10.0-*.el7.x86_64")]
    [InlineData("5.14.21-150500.55.65-default", "5.14.21-150500.*-default")]
    [InlineData("6.12.5-custom", "6.12.5-custom")]
    [InlineData("6.5.6-300.fc39.x86_64", "6.5.6-*.fc39.x86_64")]
    [InlineData("6.1.0-47.amd64", "6.1.0-*.amd64")]
    [InlineData("6.12.117+deb12-amd64", "6.12.*+deb12-amd64")]
    [InlineData("6.12.107+deb12-cloud-amd64", "6.12.*+deb12-cloud-amd64")]
    [InlineData("6.12.57+deb13-rt-amd64", "6.12.*+deb13-rt-amd64")]
    public void Lines_ReplaceBuildNumbersWithAStar(string release, string line) => Assert.Equal(line, KernelReleases.Line(release));

    [Theory]
    [InlineData("6.1.0-9-amd64", "6.1.0-10-amd64", -1)]
    [InlineData("5.14.0-427.13.1.el9_4", "5.14.0-427.2.1.el9_4", 1)]
    [InlineData("6.12.107+deb12-amd64", "6.12.117+deb12-amd64", -1)]
    [InlineData("1.0~rc1", "1.0", -1)]
    [InlineData("1.0a", "1.0", 1)]
    [InlineData("1.0", "1.0.0", -1)]
    [InlineData("1.01", "1.1", 0)]
    [InlineData("2.0", "2.0", 0)]
    [InlineData("1.a", "1.1", -1)]
    public void Releases_CompareAsRpmvercmp(string left, string right, int order)
    {
        Assert.Equal(order, KernelReleases.Compare(left, right));
        Assert.Equal(-order, KernelReleases.Compare(right, left));
    }

    [Theory]
    [InlineData("6.1.0-47-amd64", "amd64")]
    [InlineData("6.1.0-47-rt-amd64", "rt-amd64")]
    [InlineData("6.12.117+deb12-amd64", "amd64")]
    [InlineData("6.12.107+deb12-cloud-amd64", "cloud-amd64")]
    [InlineData("5.14.0-427.13.1.el9_4.x86_64", null)]
    public void Flavour_IsDebiansSuffix_InBothSchemes(string release, string? flavour) => Assert.Equal(flavour, KernelReleases.Flavour(release));
}

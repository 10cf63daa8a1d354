using Kabigate.Tests.Support;

namespace Kabigate.Tests.Golden;

/// <summary>
/// The golden CLI cases: every verb's text and JSON output on <see cref="GoldenWorld"/>, compared exactly with the
/// files of tests/Kabigate.Tests/Golden/&lt;Case&gt;/ (README.md there; <c>KABIGATE_GOLDEN_UPDATE=1</c> rewrites them).
/// </summary>
public sealed class GoldenTests(GoldenWorld world) : IClassFixture<GoldenWorld>
{
    public static TheoryData<string> Cases => GoldenCase.Named();

    public static TheoryData<string> RpmCases => GoldenCase.Named(GoldenRpmWorld.Needs);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name) => GoldenCase.Run(name, Placeholders());

    [ToolTheory(GoldenRpmWorld.Rpmbuild, GoldenRpmWorld.CreaterepoC, GoldenRpmWorld.Rpm)]
    [MemberData(nameof(RpmCases))]
    public void RpmCase(string name)
    {
        var placeholders = Placeholders();
        placeholders["$RPMS"] = GoldenRpmWorld.Instance(world).Root;
        GoldenCase.Run(name, placeholders);
    }

    private Dictionary<string, string> Placeholders() => new(StringComparer.Ordinal)
    {
        ["$FIXTURES"] = world.Root,
        ["$STORE"] = world.Store,
    };
}

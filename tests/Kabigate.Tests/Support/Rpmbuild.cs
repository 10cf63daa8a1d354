namespace Kabigate.Tests.Support;

/// <summary>The real <c>rpmbuild</c>, as every test that makes packages runs it (tests with it are <c>[ToolFact("rpmbuild")]</c>).</summary>
internal static class Rpmbuild
{
    /// <summary>
    /// <c>rpmbuild -bb --quiet</c> of a spec into <paramref name="rpmDirectory"/> (in its arch subfolder), building
    /// below <paramref name="topDirectory"/>; each of <paramref name="defines"/> is one more <c>--define 'NAME VALUE'</c>.
    /// </summary>
    public static void Build(string specPath, string topDirectory, string rpmDirectory, params string[] defines) =>
        Tools.RunOk("rpmbuild", ["-bb", "--quiet", "--define", "_topdir " + topDirectory, "--define", "_rpmdir " + rpmDirectory,
            .. defines.SelectMany(d => new[] { "--define", d }), specPath]);
}

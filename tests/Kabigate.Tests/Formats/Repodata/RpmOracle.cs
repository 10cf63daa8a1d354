using System.Globalization;
using System.Security.Cryptography;
using Kabigate.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Repodata;

/// <summary>What <c>rpm -qp</c> says about a package file: the oracle the primary.xml parse is compared with.</summary>
internal sealed record RpmFacts(
    string Name, string Arch, int? Epoch, string Version, string Release,
    IReadOnlyList<string> Provides, IReadOnlyList<string> Requires, IReadOnlyList<string> Conflicts,
    IReadOnlySet<string> PreRequires, long Size, string Sha256)
{
    /// <summary>Queries a package file with rpm.</summary>
    public static RpmFacts Query(string rpm)
    {
        var id = Tools.RunOk("rpm", "-qp", "--qf", "%{NAME}\n%{ARCH}\n%{EPOCH}\n%{VERSION}\n%{RELEASE}\n", rpm).Split('\n');
        var pre = Lines(Tools.RunOk("rpm", "-qp", "--qf", "[%{REQUIRENAME}\t%{REQUIREFLAGS:deptype}\n]", rpm))
            .Select(l => l.Split('\t'))
            .Where(f => f[1] is "pre" or "post")
            .Select(f => f[0])
            .ToHashSet(StringComparer.Ordinal);
        return new RpmFacts(
            id[0], id[1], id[2] == "(none)" ? null : int.Parse(id[2], CultureInfo.InvariantCulture), id[3], id[4],
            Lines(Tools.RunOk("rpm", "-qp", "--provides", rpm)),
            Lines(Tools.RunOk("rpm", "-qp", "--requires", rpm)),
            Lines(Tools.RunOk("rpm", "-qp", "--conflicts", rpm)),
            pre,
            new FileInfo(rpm).Length,
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(rpm))));
    }

    /// <summary>
    /// The requires createrepo_c writes to primary.xml: rpm's list without <c>rpmlib(…)</c> and without those the package
    /// provides itself (same name, comparison and version), as createrepo_c's header parser drops them.
    /// </summary>
    public IReadOnlyList<string> RequiresInPrimary =>
        [.. Requires.Where(r => !r.StartsWith("rpmlib(", StringComparison.Ordinal) && !Provides.Contains(r)).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Renders a parsed dependency as <c>rpm -q --provides</c> prints it: <c>name op [epoch:]version[-release]</c>.</summary>
    public static string Render(RepoDependency d)
    {
        if (d.Flags is null)
            return d.Name;
        string op = d.Flags switch { "EQ" => "=", "LT" => "<", "LE" => "<=", "GT" => ">", "GE" => ">=", _ => "?" };
        string evr = (d.Epoch is int e && e != 0 ? e.ToString(CultureInfo.InvariantCulture) + ":" : "") + d.Version + (d.Release is null ? "" : "-" + d.Release);
        return $"{d.Name} {op} {evr}";
    }

    private static List<string> Lines(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
}

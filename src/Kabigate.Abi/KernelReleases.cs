using System.Text.RegularExpressions;

namespace Kabigate.Abi;

/// <summary>Kernel release naming: flavours, lines of releases and their order.</summary>
public static partial class KernelReleases
{
    /// <summary>The kernel a module was built for: the first word of its vermagic, or <c>?</c> when it has none.</summary>
    public static string BuiltFor(string? vermagic) => vermagic?.Split(' ', 2)[0] is { Length: > 0 } release ? release : "?";

    /// <summary>
    /// Debian's flavour: the part after <c>X.Y.Z-N-</c> (<c>6.1.0-47-amd64</c>), or after <c>X.Y.Z+debN-</c>, the
    /// scheme of Debian's 6.12 kernels (<c>6.12.117+deb12-rt-amd64</c>); null for other naming schemes.
    /// </summary>
    public static string? Flavour(string release)
    {
        var newer = DebianUpstreamRelease().Match(release);
        if (newer.Success)
            return newer.Groups["flavour"].Value;
        var parts = release.Split('-', 3);
        return parts.Length == 3 && parts[1].All(char.IsAsciiDigit) && parts[2].Length > 0 ? parts[2] : null;
    }

    /// <summary>
    /// The line a release belongs to: the releases a distributor builds from one branch for one flavour and
    /// architecture, whose ABI history is worth following. The build numbers become <c>*</c>:
    /// Debian <c>6.1.0-47-amd64</c> → <c>6.1.0-*-amd64</c>, <c>6.12.117+deb12-amd64</c> → <c>6.12.*+deb12-amd64</c>; RHEL <c>5.14.0-427.13.1.el9_4.x86_64</c> →
    /// <c>5.14.0-*.el9.x86_64</c>; SUSE <c>5.14.21-150500.55.65-default</c> → <c>5.14.21-150500.*-default</c>;
    /// Fedora <c>6.5.6-300.fc39.x86_64</c> → <c>6.5.6-*.fc39.x86_64</c>. A release of no known scheme is its own line.
    /// </summary>
    public static string Line(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var rhel = RhelRelease().Match(release);
        if (rhel.Success)
            return $"{rhel.Groups["base"].Value}-*.{rhel.Groups["dist"].Value}{rhel.Groups["rest"].Value}";
        var suse = SuseRelease().Match(release);
        if (suse.Success)
            return $"{suse.Groups["base"].Value}-{suse.Groups["sle"].Value}.*-{suse.Groups["flavour"].Value}";
        var debian = DebianRelease().Match(release);
        if (debian.Success)
            return $"{debian.Groups["base"].Value}-*-{debian.Groups["flavour"].Value}";
        var upstream = DebianUpstreamRelease().Match(release);
        if (upstream.Success)
            return $"{upstream.Groups["series"].Value}.*+{upstream.Groups["dist"].Value}-{upstream.Groups["flavour"].Value}";
        var build = BuildNumberRelease().Match(release);
        if (build.Success)
            return $"{build.Groups["base"].Value}-*{build.Groups["rest"].Value}";
        return release;
    }

    /// <summary>The upstream major and minor version a release starts with (<c>6.12</c> of <c>6.12.117+deb12-amd64</c>), or null.</summary>
    public static (int Major, int Minor)? BaseVersion(string release)
    {
        var match = BaseVersionPattern().Match(release);
        return match.Success && int.TryParse(match.Groups["major"].ValueSpan, out var major) && int.TryParse(match.Groups["minor"].ValueSpan, out var minor)
            ? (major, minor) : null;
    }

    /// <summary>Orders releases as RPM's <c>rpmvercmp</c> orders versions (<see cref="RpmVersions.Compare"/>); null first.</summary>
    public static int Compare(string? left, string? right) =>
        left is null || right is null ? (left is null).CompareTo(right is null) * -1 : Math.Sign(RpmVersions.Compare(left, right));

    /// <summary>Compares releases with <see cref="Compare(string?, string?)"/>.</summary>
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create((a, b) => Compare(a, b));

    [GeneratedRegex(@"^(?<base>\d+\.\d+\.\d+)-[\d.]+\.(?<dist>el\d+)(?:_\d+)?(?<rest>(?:\.[A-Za-z0-9_]+)?(?:\+\w+)?)$")]
    private static partial Regex RhelRelease();

    [GeneratedRegex(@"^(?<base>\d+\.\d+\.\d+)-(?<sle>\d{6})\.[\d.]+-(?<flavour>[a-z][\w-]*)$")]
    private static partial Regex SuseRelease();

    [GeneratedRegex(@"^(?<major>\d{1,4})\.(?<minor>\d{1,4})(?:\D|$)")]
    private static partial Regex BaseVersionPattern();

    [GeneratedRegex(@"^(?<base>\d+\.\d+\.\d+)-\d+-(?<flavour>[A-Za-z][\w-]*)$")]
    private static partial Regex DebianRelease();

    [GeneratedRegex(@"^(?<series>\d+\.\d+)\.\d+\+(?<dist>deb\d+)-(?<flavour>[A-Za-z][\w-]*)$")]
    private static partial Regex DebianUpstreamRelease();

    /// <summary>Fedora's and other RPM builds: <c>6.5.6-300.fc39.x86_64</c>, a build number then a dotted rest.</summary>
    [GeneratedRegex(@"^(?<base>\d+\.\d+\.\d+)-\d+(?<rest>\.[A-Za-z][\w.+]*)$")]
    private static partial Regex BuildNumberRelease();
}

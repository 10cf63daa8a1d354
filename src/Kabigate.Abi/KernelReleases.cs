using System.Text.RegularExpressions;

namespace Kabigate.Abi;

/// <summary>Kernel release naming: flavours, lines of releases and their order.</summary>
public static partial class KernelReleases
{
    /// <summary>Debian's flavour (the part after <c>X.Y.Z-N-</c>), or null for other naming schemes.</summary>
    public static string? Flavour(string release)
    {
        var parts = release.Split('-', 3);
        return parts.Length == 3 && parts[1].All(char.IsAsciiDigit) && parts[2].Length > 0 ? parts[2] : null;
    }

    /// <summary>
    /// The line a release belongs to: the releases a distributor builds from one branch for one flavour and
    /// architecture, whose ABI history is worth following. The build numbers become <c>*</c>:
    /// Debian <c>6.1.0-47-amd64</c> → <c>6.1.0-*-amd64</c>; RHEL <c>5.14.0-427.13.1.el9_4.x86_64</c> →
    /// <c>5.14.0-*.el9.x86_64</c>; SUSE <c>5.14.21-150500.55.65-default</c> → <c>5.14.21-150500.*-default</c>.
    /// A release of no known scheme is its own line.
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
        return release;
    }

    /// <summary>
    /// Orders releases as RPM's <c>rpmvercmp</c> orders versions: runs of digits compare as numbers, runs of letters
    /// as text, a <c>~</c> sorts before anything, and separators only separate.
    /// </summary>
    public static int Compare(string? left, string? right)
    {
        if (ReferenceEquals(left, right))
            return 0;
        if (left is null)
            return -1;
        if (right is null)
            return 1;
        int i = 0, j = 0;
        while (true)
        {
            while (i < left.Length && !char.IsAsciiLetterOrDigit(left[i]) && left[i] != '~')
                i++;
            while (j < right.Length && !char.IsAsciiLetterOrDigit(right[j]) && right[j] != '~')
                j++;
            bool leftTilde = i < left.Length && left[i] == '~', rightTilde = j < right.Length && right[j] == '~';
            if (leftTilde || rightTilde)
            {
                if (!leftTilde)
                    return 1;
                if (!rightTilde)
                    return -1;
                i++;
                j++;
                continue;
            }
            if (i >= left.Length || j >= right.Length)
                return (i < left.Length).CompareTo(j < right.Length);
            bool numeric = char.IsAsciiDigit(left[i]);
            if (numeric != char.IsAsciiDigit(right[j]))
                return numeric ? 1 : -1;
            int leftEnd = Segment(left, i, numeric), rightEnd = Segment(right, j, numeric);
            var a = left.AsSpan(i, leftEnd - i);
            var b = right.AsSpan(j, rightEnd - j);
            int order;
            if (numeric)
            {
                a = a.TrimStart('0');
                b = b.TrimStart('0');
                order = a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
            }
            else
            {
                order = a.SequenceCompareTo(b);
            }
            if (order != 0)
                return Math.Sign(order);
            i = leftEnd;
            j = rightEnd;
        }
    }

    /// <summary>Compares releases with <see cref="Compare(string?, string?)"/>.</summary>
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create((a, b) => Compare(a, b));

    private static int Segment(string text, int start, bool numeric)
    {
        int end = start;
        while (end < text.Length && (numeric ? char.IsAsciiDigit(text[end]) : char.IsAsciiLetter(text[end])))
            end++;
        return end;
    }

    [GeneratedRegex(@"^(?<base>\d+\.\d+\.\d+)-[\d.]+\.(?<dist>el\d+)(?:_\d+)?(?<rest>(?:\.[A-Za-z0-9_]+)?(?:\+\w+)?)$")]
    private static partial Regex RhelRelease();

    [GeneratedRegex(@"^(?<base>\d+\.\d+\.\d+)-(?<sle>\d{6})\.[\d.]+-(?<flavour>[a-z][\w-]*)$")]
    private static partial Regex SuseRelease();

    [GeneratedRegex(@"^(?<base>\d+\.\d+\.\d+)-\d+-(?<flavour>[A-Za-z][\w-]*)$")]
    private static partial Regex DebianRelease();
}

namespace Kabigate.Abi;

public static partial class WeakUpdates
{
    private static readonly string[] Architectures = ["x86_64", "aarch64", "ppc64le", "ppc64", "s390x", "i686", "i586", "armv7hl", "riscv64", "loongarch64"];

    /// <summary>Orders kernel releases the way rpmsort and rpmvercmp do: newer compares greater.</summary>
    public static IComparer<string> ReleaseComparer { get; } = Comparer<string>.Create(CompareReleases);

    /// <summary>
    /// rpmvercmp: the releases are split into runs of digits and runs of letters (anything else separates);
    /// runs are compared in turn, numbers numerically, letters ordinally, a number beating letters; when one runs
    /// out first, the longer is newer. Ties are broken ordinally so the order is total.
    /// </summary>
    public static int CompareReleases(string a, string b)
    {
        int i = 0, j = 0;
        while (true)
        {
            while (i < a.Length && !char.IsAsciiLetterOrDigit(a[i]))
                i++;
            while (j < b.Length && !char.IsAsciiLetterOrDigit(b[j]))
                j++;
            if (i >= a.Length || j >= b.Length)
                break;
            var numeric = char.IsAsciiDigit(a[i]);
            if (numeric != char.IsAsciiDigit(b[j]))
                return numeric ? 1 : -1;
            var si = i;
            var sj = j;
            while (i < a.Length && (numeric ? char.IsAsciiDigit(a[i]) : char.IsAsciiLetter(a[i])))
                i++;
            while (j < b.Length && (numeric ? char.IsAsciiDigit(b[j]) : char.IsAsciiLetter(b[j])))
                j++;
            var x = a.AsSpan(si, i - si);
            var y = b.AsSpan(sj, j - sj);
            int order;
            if (numeric)
            {
                x = x.TrimStart('0');
                y = y.TrimStart('0');
                order = x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.SequenceCompareTo(y);
            }
            else
            {
                order = x.SequenceCompareTo(y);
            }
            if (order != 0)
                return Math.Sign(order);
        }
        var left = i < a.Length;
        var right = j < b.Length;
        if (left != right)
            return left ? 1 : -1;
        return Math.Sign(string.CompareOrdinal(a, b));
    }

    /// <summary>
    /// The flavour a module must share with a kernel to be linked into it (weak-modules2: "built for the same
    /// flavor"): Debian's and SUSE's suffix after <c>VERSION-ABI-</c> (<c>amd64</c>, <c>cloud-amd64</c>,
    /// <c>default</c>, <c>rt</c>), and after <c>VERSION+debN-</c> for Debian's 6.12 kernels; RHEL's architecture with its variant (<c>x86_64</c>, <c>x86_64+debug</c>,
    /// <c>x86_64+rt</c> for a <c>.rt</c> release); null when the release follows none of these schemes.
    /// </summary>
    public static string? Flavour(string release)
    {
        if (release.Contains("+deb", StringComparison.Ordinal) && KernelReleases.Flavour(release) is string debian)
            return debian;
        var parts = release.Split('-', 3);
        if (parts.Length == 3 && parts[1].Length > 0 && parts[1].All(c => char.IsAsciiDigit(c) || c == '.') && parts[2].Length > 0 && char.IsAsciiLetter(parts[2][0]))
            return parts[2];
        var plus = release.IndexOf('+', StringComparison.Ordinal);
        var main = plus < 0 ? release : release[..plus];
        var dot = main.LastIndexOf('.');
        var arch = dot < 0 ? null : main[(dot + 1)..];
        if (arch is null || !Architectures.Contains(arch))
            return null;
        var rt = main.Contains(".rt", StringComparison.Ordinal) ? "+rt" : "";
        return plus < 0 ? arch + rt : $"{arch}{rt}+{release[(plus + 1)..]}";
    }
}

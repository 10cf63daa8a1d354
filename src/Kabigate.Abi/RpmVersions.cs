namespace Kabigate.Abi;

/// <summary>rpm's version ordering (<c>rpmvercmp</c> and EVR comparison), to tell which kernel package is newest.</summary>
public static class RpmVersions
{
    /// <summary>
    /// rpm's <c>rpmvercmp</c>: alternating runs of digits (compared as numbers) and letters (compared as strings),
    /// other characters separating them; <c>~</c> sorts before anything (pre-releases), <c>^</c> after the end but
    /// before anything else (post-release snapshots); a numeric run beats a letter run.
    /// </summary>
    /// <returns>Negative, zero or positive, as <paramref name="a"/> is older, the same or newer.</returns>
    public static int Compare(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (string.Equals(a, b, StringComparison.Ordinal))
            return 0;
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            while (i < a.Length && !char.IsAsciiLetterOrDigit(a[i]) && a[i] is not '~' and not '^')
                i++;
            while (j < b.Length && !char.IsAsciiLetterOrDigit(b[j]) && b[j] is not '~' and not '^')
                j++;

            bool tildeA = i < a.Length && a[i] == '~', tildeB = j < b.Length && b[j] == '~';
            if (tildeA || tildeB)
            {
                if (!tildeA)
                    return 1;
                if (!tildeB)
                    return -1;
                i++;
                j++;
                continue;
            }

            bool caretA = i < a.Length && a[i] == '^', caretB = j < b.Length && b[j] == '^';
            if (caretA || caretB)
            {
                if (i >= a.Length)
                    return -1;
                if (j >= b.Length)
                    return 1;
                if (!caretA)
                    return 1;
                if (!caretB)
                    return -1;
                i++;
                j++;
                continue;
            }

            if (i >= a.Length || j >= b.Length)
                break;

            bool numeric = char.IsAsciiDigit(a[i]);
            int startA = i, startB = j;
            if (numeric)
            {
                while (i < a.Length && char.IsAsciiDigit(a[i]))
                    i++;
                while (j < b.Length && char.IsAsciiDigit(b[j]))
                    j++;
            }
            else
            {
                while (i < a.Length && char.IsAsciiLetter(a[i]))
                    i++;
                while (j < b.Length && char.IsAsciiLetter(b[j]))
                    j++;
            }

            if (j == startB)
                return numeric ? 1 : -1; // a number is newer than letters
            var runA = a.AsSpan(startA, i - startA);
            var runB = b.AsSpan(startB, j - startB);
            if (numeric)
            {
                runA = runA.TrimStart('0');
                runB = runB.TrimStart('0');
                if (runA.Length != runB.Length)
                    return runA.Length > runB.Length ? 1 : -1;
            }

            int order = runA.SequenceCompareTo(runB);
            if (order != 0)
                return order < 0 ? -1 : 1;
        }

        if (i >= a.Length && j >= b.Length)
            return 0;
        return i >= a.Length ? -1 : 1;
    }

    /// <summary>Compares two epoch-version-release triples as rpm does (a missing epoch is 0).</summary>
    /// <returns>Negative, zero or positive, as the first is older, the same or newer.</returns>
    public static int CompareEvr(int? epochA, string versionA, string releaseA, int? epochB, string versionB, string releaseB)
    {
        int order = (epochA ?? 0).CompareTo(epochB ?? 0);
        if (order == 0)
            order = Compare(versionA, versionB);
        return order != 0 ? order : Compare(releaseA, releaseB);
    }
}

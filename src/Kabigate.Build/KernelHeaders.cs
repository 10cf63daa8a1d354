using Kabigate.Formats;

namespace Kabigate.Build;

/// <summary>
/// Where the headers of a kernel release are: among the directories the user named (a directory named
/// <c>linux-headers-R</c>, or one whose <c>include/config/kernel.release</c> says R, or a kernel-devel RPM holding
/// <c>/usr/src/kernels/R</c>, see <see cref="KernelDevel"/>), then the places Debian and
/// Fedora install them (<c>/usr/src/linux-headers-R</c>, <c>/lib/modules/R/build</c>). A headers directory has a
/// Makefile. Debian headers packages (<c>apt:linux-headers-R</c>, a .deb) are unpacked by <see cref="DebianHeaders"/>
/// first and named here as the directory they became.
/// </summary>
public static class KernelHeaders
{
    /// <summary>The headers directory (or kernel-devel RPM) of <paramref name="release"/>, or null when none is found.</summary>
    /// <param name="release">The kernel release.</param>
    /// <param name="named">Headers directories and kernel-devel RPMs the user named.</param>
    /// <exception cref="ModuleFormatException">A named RPM is malformed or not a kernel-devel package.</exception>
    /// <param name="searchSystem">Whether to look in /usr/src and /lib/modules too.</param>
    public static string? Find(string release, IReadOnlyList<string> named, bool searchSystem = true)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(named);
        foreach (var dir in named)
        {
            if (KernelDevel.IsPackage(dir))
            {
                if (KernelDevel.ReleaseOf(dir) == release)
                    return Path.GetFullPath(dir);
                continue;
            }
            var trimmed = Path.TrimEndingDirectorySeparator(dir);
            if (IsHeaders(trimmed) && (Path.GetFileName(trimmed) == "linux-headers-" + release || ReleaseOf(trimmed) == release))
                return Path.GetFullPath(trimmed);
        }
        if (!searchSystem)
            return null;
        foreach (var candidate in new[] { $"/usr/src/linux-headers-{release}", $"/lib/modules/{release}/build" })
        {
            if (IsHeaders(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>The options the headers' .config sets (y or m), or null when it has no .config.</summary>
    /// <param name="headers">A headers directory, or a kernel-devel RPM.</param>
    public static IReadOnlySet<string>? ConfigOptions(string headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (KernelDevel.IsPackage(headers))
            return KernelDevel.ConfigOptions(headers, KernelDevel.ReleaseOf(headers));
        var config = Path.Combine(headers, ".config");
        if (!File.Exists(config))
            return null;
        return ConfigOptionsOf(InputFiles.ReadAllLines(config, InputLimits.MaxTextFileBytes));
    }

    /// <summary>The options a .config's lines set (y or m).</summary>
    public static IReadOnlySet<string> ConfigOptionsOf(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && line.StartsWith("CONFIG_", StringComparison.Ordinal) && line.AsSpan(eq + 1) is "y" or "m")
                set.Add(line[..eq]);
        }
        return set;
    }

    /// <summary>The architecture a kernel release is for, as DKMS's <c>$arch</c> says it (from uname -m words in the release; x86_64 by default).</summary>
    public static string ArchOf(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        return release.Contains("arm64", StringComparison.Ordinal) || release.Contains("aarch64", StringComparison.Ordinal) ? "aarch64"
            : release.EndsWith("686", StringComparison.Ordinal) || release.EndsWith("686-pae", StringComparison.Ordinal) ? "i686"
            : release.Contains("ppc64le", StringComparison.Ordinal) ? "ppc64le"
            : release.Contains("s390x", StringComparison.Ordinal) ? "s390x"
            : "x86_64";
    }

    private static bool IsHeaders(string dir) => File.Exists(Path.Combine(dir, "Makefile"));

    private static string? ReleaseOf(string dir)
    {
        var file = Path.Combine(dir, "include/config/kernel.release");
        return File.Exists(file) ? InputFiles.ReadAllText(file, 4096).Trim() : null;
    }
}

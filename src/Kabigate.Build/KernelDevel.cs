using Kabigate.Formats;
using Kabigate.Formats.Rpm;

namespace Kabigate.Build;

/// <summary>
/// Headers given as a kernel-devel RPM (Fedora's, RHEL's, or any package holding a tree under
/// <c>/usr/src/kernels/R/</c> with a Makefile): read with kabigate's RPM reader, never installed, and extracted into
/// a build's scratch directory, where the build uses <c>SCRATCH/kernel-devel/usr/src/kernels/R</c> as its headers.
/// Regular files keep their permission bits (kbuild's helpers are executables); symbolic links are not extracted
/// (kabigate's reader yields regular files only), and their count is written to the build's log.
/// </summary>
public static class KernelDevel
{
    /// <summary>The most a kernel-devel package may extract to.</summary>
    public const long MaxTreeBytes = 2L << 30;

    /// <summary>The most files it may extract.</summary>
    public const int MaxTreeFiles = 200_000;

    private const string Prefix = "/usr/src/kernels/";

    /// <summary>Whether a headers argument is a file starting with an RPM lead (a directory is not).</summary>
    public static bool IsPackage(string headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!File.Exists(headers))
            return false;
        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(headers);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && RpmReader.IsRpm(head);
    }

    /// <summary>The release whose headers the package holds: the one R with <c>/usr/src/kernels/R/Makefile</c>, from its file list.</summary>
    /// <exception cref="ModuleFormatException">The package is malformed, or holds no such tree, or several.</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static string ReleaseOf(string rpm)
    {
        ArgumentNullException.ThrowIfNull(rpm);
        // A plan asks this for every target kernel and every build: the package's header (tens of thousands of file
        // names) is read once per content, keyed by what the file is now.
        var info = new FileInfo(rpm);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        if (Releases.TryGetValue(key, out var known))
            return known;
        var release = ReadReleaseOf(rpm);
        Releases[key] = release;
        return release;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, long Length, DateTime Written), string> Releases = new();

    private static string ReadReleaseOf(string rpm)
    {
        var package = RpmReader.Read(rpm);
        var releases = package.Files
            .Where(f => f.StartsWith(Prefix, StringComparison.Ordinal) && f.EndsWith("/Makefile", StringComparison.Ordinal) && f.AsSpan(Prefix.Length).Count('/') == 1)
            .Select(f => f[Prefix.Length..f.LastIndexOf('/')])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return releases.Count == 1 ? releases[0]
            : throw new ModuleFormatException(rpm, releases.Count == 0
                ? $"not a kernel-devel package: {package.Nevra} has no {Prefix}R/Makefile"
                : $"{package.Nevra} holds the headers of {releases.Count} kernels ({string.Join(", ", releases)}); kabigate takes a package with one");
    }

    /// <summary>The options the package's <c>/usr/src/kernels/R/.config</c> sets (y or m), or null when it has none.</summary>
    /// <exception cref="ModuleFormatException">The package is malformed.</exception>
    public static IReadOnlySet<string>? ConfigOptions(string rpm, string release)
    {
        ArgumentNullException.ThrowIfNull(rpm);
        var wanted = $"usr/src/kernels/{release}/.config";
        foreach (var entry in RpmReader.ReadPayloadEntries(rpm, p => p == wanted, InputLimits.MaxTextFileBytes))
            return KernelHeaders.ConfigOptionsOf(System.Text.Encoding.UTF8.GetString(entry.Data).Split('\n'));
        return null;
    }

    /// <summary>Extracts the headers tree of <paramref name="release"/> below <paramref name="root"/>; returns its directory.</summary>
    /// <param name="rpm">The kernel-devel package.</param>
    /// <param name="release">The release (see <see cref="ReleaseOf"/>).</param>
    /// <param name="root">An empty folder inside the build's scratch directory.</param>
    /// <param name="log">The build's log.</param>
    /// <exception cref="ModuleFormatException">The package is malformed or its tree too large.</exception>
    /// <exception cref="IOException">The tree cannot be written.</exception>
    public static string Extract(string rpm, string release, string root, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(rpm);
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(log);
        var prefix = $"usr/src/kernels/{release}/";
        var summary = new RpmPayloadSummary();
        long total = 0;
        int files = 0;
        foreach (var entry in RpmReader.ReadPayloadEntries(rpm, p => p.StartsWith(prefix, StringComparison.Ordinal), InputLimits.MaxTextFileBytes, summary))
        {
            total += entry.Data.Length;
            if (++files > MaxTreeFiles || total > MaxTreeBytes)
                throw new ModuleFormatException(rpm, $"its {Prefix}{release} tree is over {MaxTreeFiles} files or {MaxTreeBytes >> 30} GiB");
            // The reader yields only relative paths without '..' (unsafe names are counted, never yielded).
            var file = Path.Combine(root, entry.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, entry.Data);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(file, (UnixFileMode)(entry.Permissions & 0x1ed) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var headers = Path.Combine(root, prefix.TrimEnd('/'));
        if (!File.Exists(Path.Combine(headers, "Makefile")))
            throw new ModuleFormatException(rpm, $"its payload has no {Prefix}{release}/Makefile");
        int skipped = summary.Entries - summary.RegularFiles;
        log.WriteLine($"# kabigate: extracted {files} files ({total >> 20} MiB) of {Path.GetFileName(rpm)} into {headers}"
            + (summary.UnsafeEntries > 0 ? $"; {summary.UnsafeEntries} unsafe names refused" : "") + $"; {skipped} directories, links and other entries not extracted");
        return headers;
    }
}

using System.Security.Cryptography;
using Kabigate.Formats;
using Kabigate.Formats.Deb;
using Kabigate.Formats.Sources;

namespace Kabigate.Build;

/// <summary>
/// Debian's headers of a kernel as a tree to build against, without installing anything: the arch package
/// <c>linux-headers-R</c> (given as a .deb or <c>apt:linux-headers-R</c>: Makefile, .config, Module.symvers), the
/// <c>linux-headers-…-common</c> and <c>linux-kbuild-…</c> packages its Depends names (beside the .deb, else from
/// apt), unpacked together into one root under kabigate's cache as dpkg would lay them out under /usr, and the arch
/// Makefile's <c>include /usr/src/linux-headers-…-common/Makefile</c> pointed at the unpacked one. The root is keyed by
/// the packages' contents and made in a private folder first, so a half-made tree is never used.
/// </summary>
public static class DebianHeaders
{
    /// <summary>The largest tree unpacked from the three packages: 2 GiB.</summary>
    public const long MaxTreeBytes = 2L << 30;

    /// <summary>The most entries unpacked from the three packages.</summary>
    public const int MaxTreeEntries = 300_000;

    private const string HeadersPrefix = "linux-headers-";
    private const string CompleteMarker = ".kabigate-complete";

    /// <summary>Whether a <c>--headers</c> argument names Debian headers packages: a .deb file, or <c>apt:PACKAGE</c>.</summary>
    public static bool IsSource(string named)
    {
        ArgumentNullException.ThrowIfNull(named);
        return named.StartsWith(AptCache.Prefix, StringComparison.Ordinal) || named.EndsWith(".deb", StringComparison.Ordinal);
    }

    /// <summary>The headers directory made (or found made) from a Debian arch headers package and its dependencies.</summary>
    /// <param name="named">A <c>linux-headers-R_*.deb</c>, or <c>apt:linux-headers-R</c>.</param>
    /// <param name="log">Receives a line about each download and unpack.</param>
    /// <exception cref="ModuleFormatException">A package is malformed, is not what was needed, or cannot be fetched.</exception>
    /// <exception cref="IOException">The tree cannot be written.</exception>
    public static string Prepare(string named, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(named);
        bool fromApt = named.StartsWith(AptCache.Prefix, StringComparison.Ordinal);
        if (!fromApt && !File.Exists(named))
            throw new ModuleFormatException(named, "no such file");
        var arch = fromApt ? AptCache.Fetch(named[AptCache.Prefix.Length..], log) : named;
        var control = DebReader.ReadControl(arch);
        if (!control.Package.StartsWith(HeadersPrefix, StringComparison.Ordinal) || control.Package.Contains("-common", StringComparison.Ordinal))
            throw new ModuleFormatException(named, $"package {control.Package} is not a Debian kernel's arch headers package (linux-headers-RELEASE)");
        var release = control.Package[HeadersPrefix.Length..];
        var packages = new List<string> { arch };
        foreach (var (name, version) in Needed(control, named))
            packages.Add(Dependency(name, version, fromApt ? null : Path.GetDirectoryName(Path.GetFullPath(arch)), named, log));

        var root = Path.Combine(CacheDirectory.Root(), "headers", $"{release}-{Digest(packages)}");
        var headers = Path.Combine(root, "usr", "src", HeadersPrefix + release);
        if (File.Exists(Path.Combine(root, CompleteMarker)))
            return headers;
        var partial = $"{root}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            var writer = new SafeTreeWriter(partial, MaxTreeBytes, MaxTreeEntries);
            foreach (var deb in packages)
            {
                foreach (var entry in DebReader.ReadDataTree(deb, Wanted, InputLimits.MaxTextFileBytes))
                    writer.Write(entry, deb);
            }
            PointIncludes(Path.Combine(partial, "usr", "src", HeadersPrefix + release), partial, root, named);
            File.WriteAllText(Path.Combine(partial, CompleteMarker), string.Join('\n', packages.Select(Path.GetFileName)) + "\n");
            log?.Invoke($"unpacked {string.Join(", ", packages.Select(Path.GetFileName))} ({writer.Files} files, {writer.Links} links, {writer.Bytes >> 20} MiB"
                + (writer.Refused > 0 ? $", {writer.Refused} unsafe entries refused" : "") + $") into {root}");
            try
            {
                Directory.Move(partial, root);
            }
            catch (IOException) when (File.Exists(Path.Combine(root, CompleteMarker)))
            {
                // Another process made the same tree meanwhile: use that one.
            }
        }
        finally
        {
            if (Directory.Exists(partial))
                Directory.Delete(partial, recursive: true);
        }
        return headers;
    }

    private static bool Wanted(string path) =>
        path.StartsWith("usr/src/", StringComparison.Ordinal) || path.StartsWith("usr/lib/linux-kbuild-", StringComparison.Ordinal);

    /// <summary>The common headers and kbuild packages the arch package depends on, with the version an <c>=</c> names.</summary>
    private static List<(string Name, string? Version)> Needed(DebControl control, string named)
    {
        var needed = new List<(string, string?)>();
        foreach (var clause in control.Depends.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var first = clause.Split('|', StringSplitOptions.TrimEntries)[0];
            int paren = first.IndexOf('(', StringComparison.Ordinal);
            var name = (paren < 0 ? first : first[..paren]).Trim();
            var constraint = paren < 0 ? "" : first[(paren + 1)..].TrimEnd(')').Trim();
            bool common = name.StartsWith(HeadersPrefix, StringComparison.Ordinal) && name.Contains("-common", StringComparison.Ordinal);
            if (common || name.StartsWith("linux-kbuild-", StringComparison.Ordinal))
                needed.Add((name, constraint.StartsWith('=') ? constraint[1..].Trim() : null));
        }
        if (!needed.Any(n => n.Item1.StartsWith(HeadersPrefix, StringComparison.Ordinal)))
            throw new ModuleFormatException(named, $"{control.Package}'s Depends names no linux-headers-*-common package");
        return needed;
    }

    /// <summary>A dependency's .deb: beside the arch package when there (in the version an <c>=</c> names), else fetched with apt.</summary>
    private static string Dependency(string name, string? version, string? besides, string named, Action<string>? log)
    {
        string? path = null;
        var beside = besides is null ? [] : Directory.EnumerateFiles(besides, name + "_*.deb").Order(StringComparer.Ordinal).ToList();
        if (beside.Count > 0)
        {
            path = beside.LastOrDefault(p => version is null || DebReader.ReadControl(p).Version == version)
                ?? throw new ModuleFormatException(named, $"needs {name} {version}, but beside it is only {string.Join(", ", beside.Select(Path.GetFileName))}");
        }
        path ??= AptCache.Fetch(name, log);
        var found = DebReader.ReadControl(path);
        if (found.Package != name || (version is not null && found.Version != version))
            throw new ModuleFormatException(named, $"needs {name} {version ?? ""}".TrimEnd() + $", but {Path.GetFileName(path)} is {found.Package} {found.Version}");
        return path;
    }

    private static string Digest(IEnumerable<string> packages)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var package in packages)
        {
            using var stream = File.OpenRead(package);
            hash.AppendData(SHA256.HashData(stream));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    /// <summary>
    /// Points the arch Makefile's absolute includes of /usr/src/… at where the tree will be (<paramref name="root"/>,
    /// once moved from <paramref name="partial"/>); one that none of the packages holds is an error.
    /// </summary>
    private static void PointIncludes(string headers, string partial, string root, string named)
    {
        var makefile = Path.Combine(headers, "Makefile");
        if (!File.Exists(makefile))
            throw new ModuleFormatException(named, $"its packages hold no usr/src/{Path.GetFileName(headers)}/Makefile");
        var lines = File.ReadAllLines(makefile);
        for (int i = 0; i < lines.Length; i++)
        {
            const string include = "include /usr/src/";
            if (!lines[i].StartsWith(include, StringComparison.Ordinal))
                continue;
            var relative = lines[i]["include /".Length..].Trim();
            if (relative.Split('/').Any(p => p is "" or "." or "..") || !File.Exists(Path.Combine(partial, relative)))
                throw new ModuleFormatException(named, $"its Makefile includes /{relative}, which none of its packages holds");
            lines[i] = "include " + Path.Combine(Path.GetFullPath(root), relative);
        }
        File.WriteAllLines(makefile, lines);
        if (!Directory.Exists(Path.Combine(headers, "scripts", "basic")))
            throw new ModuleFormatException(named, $"its scripts/ leads to no kbuild tree (is the linux-kbuild package among its Depends?)");
    }
}

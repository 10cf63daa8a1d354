using System.Collections.Immutable;
using System.Text;

namespace Kabigate.Formats.Iso;

/// <summary>
/// A Red Hat driver update disk (DUD, format 3), or one of several on an image: a directory holding a
/// <c>rhdd3</c> file, whose first line names the disk, and a <c>rpms/</c> directory with one directory per
/// architecture of kmod RPMs (<c>rpms/x86_64/kmod-foo-1.0-1.x86_64.rpm</c>), each optionally a yum repository
/// (<c>rpms/x86_64/repodata/repomd.xml</c>). Older disks also carry source RPMs in <c>src/</c>.
/// </summary>
/// <param name="Directory">The directory holding <c>rhdd3</c>: empty for the image's root.</param>
/// <param name="Description">The first line of <c>rhdd3</c>, trimmed, e.g. <c>Driver Update Disk version 3</c>.</param>
/// <param name="Architectures">The directories of <c>rpms/</c>, in order on disc.</param>
/// <param name="SourceRpms">The <c>*.rpm</c> files directly in <c>src/</c>, if it exists.</param>
public sealed record DriverUpdateDisk(
    string Directory,
    string Description,
    ImmutableArray<DriverUpdateArchitecture> Architectures,
    ImmutableArray<IsoEntry> SourceRpms)
{
    /// <summary>The name of the file that marks a driver update disk.</summary>
    public const string MarkerFile = "rhdd3";

    /// <summary>The largest <c>rhdd3</c> file read: 64 KiB (it holds one line).</summary>
    public const int MaxMarkerBytes = 64 << 10;

    /// <summary>The RPMs for one architecture.</summary>
    /// <param name="architecture">An architecture, e.g. <c>x86_64</c>; compared ordinally.</param>
    /// <returns>The RPMs, or an empty list when the disk has none for it.</returns>
    public ImmutableArray<IsoEntry> RpmsFor(string architecture) =>
        Architectures.FirstOrDefault(a => a.Architecture == architecture)?.Rpms ?? [];

    /// <summary>Reads the driver update disk at the image's root.</summary>
    /// <param name="image">The opened image.</param>
    /// <returns>The disk, or null when the root has no <c>rhdd3</c> file or no <c>rpms</c> directory.</returns>
    /// <exception cref="ModuleFormatException"><c>rhdd3</c> is larger than <see cref="MaxMarkerBytes"/>, or the image ended early.</exception>
    public static DriverUpdateDisk? Read(IsoImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ReadAt(image, "");
    }

    /// <summary>
    /// Finds every driver update disk on the image, as the installer does (anaconda's <c>find_repos</c>): each
    /// directory, at any depth, that holds a <c>rhdd3</c> file and a <c>rpms</c> directory.
    /// </summary>
    /// <param name="image">The opened image.</param>
    /// <returns>The disks, the root's first, then in the image's order; empty when there is none.</returns>
    /// <exception cref="ModuleFormatException">A <c>rhdd3</c> is larger than <see cref="MaxMarkerBytes"/>, or the image ended early.</exception>
    public static ImmutableArray<DriverUpdateDisk> FindAll(IsoImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = ImmutableArray.CreateBuilder<DriverUpdateDisk>();
        if (ReadAt(image, "") is { } root)
            result.Add(root);
        foreach (var entry in image.Entries)
        {
            // A marker file names a candidate directory; only those are scanned.
            if (!entry.IsDirectory && entry.Name.Equals(MarkerFile, Comparison(image)) && entry.Path.Length > MarkerFile.Length
                && ReadAt(image, entry.Path[..^(MarkerFile.Length + 1)]) is { } disk)
                result.Add(disk);
        }

        return result.ToImmutable();
    }

    private static DriverUpdateDisk? ReadAt(IsoImage image, string directory)
    {
        // Plain ISO 9660 names are upper case, and Linux's isofs shows them in lower case (map=normal), which is
        // what the installer sees: match them regardless of case, and report architectures in lower case.
        var comparison = Comparison(image);
        string prefix = directory.Length == 0 ? "" : directory + "/";
        string rpmsPrefix = prefix + "rpms/";
        string srcPrefix = prefix + "src/";
        IsoEntry? marker = null;
        bool hasRpms = false;
        var architectures = new List<(string Name, string Path, ImmutableArray<IsoEntry>.Builder Rpms)>();
        var sources = ImmutableArray.CreateBuilder<IsoEntry>();
        foreach (var entry in image.Entries)
        {
            if (!entry.Path.StartsWith(prefix, comparison))
                continue;
            string path = entry.Path;
            if (!entry.IsDirectory && path.Length == prefix.Length + MarkerFile.Length && path.EndsWith(MarkerFile, comparison))
                marker ??= entry;
            else if (entry.IsDirectory && string.Equals(path, rpmsPrefix[..^1], comparison))
                hasRpms = true;
            else if (path.StartsWith(rpmsPrefix, comparison))
            {
                string rest = path[rpmsPrefix.Length..];
                int slash = rest.IndexOf('/');
                if (slash < 0 && entry.IsDirectory)
                    architectures.Add((rest, path, ImmutableArray.CreateBuilder<IsoEntry>()));
                else if (slash > 0 && IsRpm(entry) && rest.IndexOf('/', slash + 1) < 0)
                    architectures.Find(a => a.Name == rest[..slash]).Rpms?.Add(entry);
            }
            else if (path.StartsWith(srcPrefix, comparison) && IsRpm(entry) && path.IndexOf('/', srcPrefix.Length) < 0)
            {
                sources.Add(entry);
            }
        }

        if (marker is null || !hasRpms)
            return null;
        var arches = architectures.Select(a => new DriverUpdateArchitecture(
            comparison == StringComparison.Ordinal ? a.Name : a.Name.ToLowerInvariant(),
            a.Rpms.ToImmutable(),
            image.Entries.FirstOrDefault(e => !e.IsDirectory && string.Equals(e.Path, a.Path + "/repodata/repomd.xml", comparison))));
        return new DriverUpdateDisk(directory, ReadDescription(image, marker), [.. arches], sources.ToImmutable());
    }

    private static StringComparison Comparison(IsoImage image) =>
        image.Naming == IsoNaming.Iso9660 ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static bool IsRpm(IsoEntry entry) =>
        !entry.IsDirectory && entry.Path.EndsWith(".rpm", StringComparison.OrdinalIgnoreCase);

    private static string ReadDescription(IsoImage image, IsoEntry marker)
    {
        var text = Encoding.UTF8.GetString(image.ReadFile(marker, MaxMarkerBytes)).AsSpan();
        int newline = text.IndexOfAny('\n', '\r');
        return (newline < 0 ? text : text[..newline]).Trim().ToString();
    }
}

/// <summary>One architecture's directory of a driver update disk.</summary>
/// <param name="Architecture">The directory's name under <c>rpms/</c>, e.g. <c>x86_64</c>, <c>ppc64le</c>.</param>
/// <param name="Rpms">The <c>*.rpm</c> files directly in it, in order on disc.</param>
/// <param name="Repomd">Its <c>repodata/repomd.xml</c>, when it is a yum repository.</param>
public sealed record DriverUpdateArchitecture(string Architecture, ImmutableArray<IsoEntry> Rpms, IsoEntry? Repomd);

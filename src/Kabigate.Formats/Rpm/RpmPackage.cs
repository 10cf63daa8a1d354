using System.Text;

namespace Kabigate.Formats.Rpm;

/// <summary>One Provides, Requires or Conflicts entry of a package.</summary>
/// <param name="Name">The capability, e.g. <c>kernel(printk)</c>, <c>kernel-uname-r</c> or <c>/usr/bin/sh</c>.</param>
/// <param name="Flags">The comparison and the kind of dependency.</param>
/// <param name="Version">The version compared against, e.g. <c>0x92997ed8</c> or <c>2:1.2-3.el8</c>; null when empty.</param>
public sealed record RpmDependency(string Name, RpmSense Flags, string? Version)
{
    /// <summary>
    /// Formats the dependency as <c>rpm -q --provides</c> prints it: <c>kernel(printk) = 0x92997ed8</c>,
    /// <c>kernel-modules &gt;= 6.1.0-47.amd64</c>, or the name alone.
    /// </summary>
    /// <returns>The name, then the comparison and the version when there are any, separated by spaces.</returns>
    public override string ToString()
    {
        var text = new StringBuilder(Name);
        if ((Flags & RpmSense.SenseMask) != 0)
        {
            text.Append(' ');
            if ((Flags & RpmSense.Less) != 0)
                text.Append('<');
            if ((Flags & RpmSense.Greater) != 0)
                text.Append('>');
            if ((Flags & RpmSense.Equal) != 0)
                text.Append('=');
        }

        if (!string.IsNullOrEmpty(Version))
            text.Append(' ').Append(Version);
        return text.ToString();
    }
}

/// <summary>What kabigate needs of a package's main header.</summary>
/// <param name="Name"><c>NAME</c>, e.g. <c>kernel-core</c>.</param>
/// <param name="Epoch"><c>EPOCH</c>, or null when the package has none.</param>
/// <param name="Version"><c>VERSION</c>, e.g. <c>4.18.0</c>.</param>
/// <param name="Release"><c>RELEASE</c>, e.g. <c>259.el8</c>.</param>
/// <param name="Arch"><c>ARCH</c>, e.g. <c>x86_64</c> or <c>noarch</c>.</param>
/// <param name="Provides">The Provides, in header order (rpm adds the package's own <c>name = [epoch:]version-release</c>).</param>
/// <param name="Requires">The Requires, in header order, including <c>rpmlib(...)</c> and scriptlet requirements.</param>
/// <param name="Conflicts">The Conflicts, in header order.</param>
/// <param name="Files">Every file's absolute path as rpm lists it (<c>DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]</c>).</param>
public sealed record RpmPackage(
    string Name,
    int? Epoch,
    string Version,
    string Release,
    string Arch,
    IReadOnlyList<RpmDependency> Provides,
    IReadOnlyList<RpmDependency> Requires,
    IReadOnlyList<RpmDependency> Conflicts,
    IReadOnlyList<string> Files)
{
    /// <summary>
    /// <c>name-[epoch:]version-release.arch</c>, as rpm's <c>%{NEVRA}</c>: <c>kernel-core-4.18.0-259.el8.x86_64</c>.
    /// </summary>
    public string Nevra => Epoch is int epoch
        ? $"{Name}-{epoch}:{Version}-{Release}.{Arch}"
        : $"{Name}-{Version}-{Release}.{Arch}";

    /// <summary>Reads the package's identity, dependencies and file list from its main header.</summary>
    /// <param name="header">The main header (<see cref="RpmHeaders.Header"/>).</param>
    /// <returns>The package.</returns>
    /// <exception cref="ModuleFormatException">
    /// NAME, VERSION, RELEASE or ARCH is missing, a tag has an unexpected type, or parallel arrays (dependency
    /// names, flags and versions; base names and directory indexes) disagree in length or point outside their table.
    /// </exception>
    public static RpmPackage FromHeader(RpmHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var epochs = header.GetInt32Array(RpmTag.Epoch);
        return new RpmPackage(
            Required(header, RpmTag.Name, "NAME"),
            epochs is [int epoch, ..] ? epoch : null,
            Required(header, RpmTag.Version, "VERSION"),
            Required(header, RpmTag.Release, "RELEASE"),
            Required(header, RpmTag.Arch, "ARCH"),
            Dependencies(header, RpmTag.ProvideName, RpmTag.ProvideFlags, RpmTag.ProvideVersion),
            Dependencies(header, RpmTag.RequireName, RpmTag.RequireFlags, RpmTag.RequireVersion),
            Dependencies(header, RpmTag.ConflictName, RpmTag.ConflictFlags, RpmTag.ConflictVersion),
            FileNames(header));
    }

    private static string Required(RpmHeader header, int tag, string name) =>
        header.GetString(tag) ?? throw new ModuleFormatException(header.SourceName, Messages.RpmMissingTag(name, tag));

    /// <summary>
    /// Zips the three arrays. Flags and versions may be absent (old packages) and then mean "any"; when present
    /// they must be as long as the names, as rpm's <c>rpmdsNew</c> requires.
    /// </summary>
    private static RpmDependency[] Dependencies(RpmHeader header, int nameTag, int flagsTag, int versionTag)
    {
        var names = header.GetStringArray(nameTag);
        if (names is null)
            return [];
        var flags = header.GetInt32Array(flagsTag);
        var versions = header.GetStringArray(versionTag);
        CheckParallel(header, nameTag, names.Count, flagsTag, flags?.Count);
        CheckParallel(header, nameTag, names.Count, versionTag, versions?.Count);

        var result = new RpmDependency[names.Count];
        for (int i = 0; i < result.Length; i++)
        {
            string? version = versions?[i];
            result[i] = new RpmDependency(names[i], flags is null ? RpmSense.Any : (RpmSense)(uint)flags[i], string.IsNullOrEmpty(version) ? null : version);
        }

        return result;
    }

    /// <summary>
    /// Compressed file names (rpm 4.0.4+) are rebuilt as rpm's <c>FILENAMES</c>; legacy packages list
    /// <c>OLDFILENAMES</c> instead.
    /// </summary>
    private static string[] FileNames(RpmHeader header)
    {
        var baseNames = header.GetStringArray(RpmTag.BaseNames);
        if (baseNames is null)
            return header.GetStringArray(RpmTag.OldFilenames) is { } old ? [.. old] : [];

        var dirNames = header.GetStringArray(RpmTag.DirNames) ?? [];
        var dirIndexes = header.GetInt32Array(RpmTag.DirIndexes);
        CheckParallel(header, RpmTag.BaseNames, baseNames.Count, RpmTag.DirIndexes, dirIndexes?.Count ?? 0);
        var files = new string[baseNames.Count];
        for (int i = 0; i < files.Length; i++)
        {
            int dir = dirIndexes![i];
            if ((uint)dir >= (uint)dirNames.Count)
                throw new ModuleFormatException(header.SourceName, Messages.RpmDirIndexOutOfRange(i, dir, dirNames.Count), header.DataOffset(RpmTag.DirIndexes));
            files[i] = dirNames[dir] + baseNames[i];
        }

        return files;
    }

    private static void CheckParallel(RpmHeader header, int tag, int count, int otherTag, int? otherCount)
    {
        if (otherCount is int other && other != count)
            throw new ModuleFormatException(header.SourceName, Messages.RpmParallelTags(tag, count, otherTag, other), header.DataOffset(otherTag));
    }
}

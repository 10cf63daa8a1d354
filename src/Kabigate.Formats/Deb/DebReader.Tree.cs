using System.Formats.Tar;

namespace Kabigate.Formats.Deb;

/// <summary>What a <see cref="DebTreeEntry"/> is.</summary>
public enum DebTreeEntryKind
{
    /// <summary>A regular file, with its bytes.</summary>
    File,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link, with its target as written in the archive.</summary>
    SymbolicLink,
}

/// <summary>A file, directory or symbolic link of a package's data archive, for unpacking a tree.</summary>
/// <param name="Path">The normalised relative path (see <see cref="DebEntry.Path"/>).</param>
/// <param name="Kind">What it is.</param>
/// <param name="Data">A file's bytes; empty for the others.</param>
/// <param name="Mode">The permission bits the archive gives it (<c>0755</c>, …), without set-id or sticky bits.</param>
/// <param name="LinkTarget">A link's target as written; null for the others.</param>
public sealed record DebTreeEntry(string Path, DebTreeEntryKind Kind, byte[] Data, int Mode, string? LinkTarget);

public static partial class DebReader
{
    /// <summary>
    /// Reads the wanted files, directories and symbolic links of a package file's data archive, for unpacking a tree.
    /// Hard links, devices, FIFOs and paths with a <c>..</c> component are not yielded. A link's target is returned as
    /// written: where it may point is the caller's decision.
    /// </summary>
    /// <param name="path">The .deb file.</param>
    /// <param name="wanted">Chooses entries by their normalised path.</param>
    /// <param name="maxEntryBytes">The largest wanted file accepted.</param>
    /// <returns>The entries, in archive order, read lazily; the file stays open until the enumeration ends.</returns>
    /// <exception cref="ModuleFormatException">The package is malformed or truncated, or a wanted file is too large.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IEnumerable<DebTreeEntry> ReadDataTree(string path, Func<string, bool> wanted, long maxEntryBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntryBytes);
        return ReadTree(path, wanted, maxEntryBytes);

        static IEnumerable<DebTreeEntry> ReadTree(string path, Func<string, bool> wanted, long maxEntryBytes)
        {
            using var stream = OpenFile(path);
            var member = FindMember(new ArReader(stream, path, MaxMemberBytes), path, DataPrefix);
            string memberSource = $"{path}!{member.Name}";
            using var tarStream = OpenTarStream(member, memberSource, long.MaxValue);
            using (var tar = new TarReader(new TarMetadataGuard(tarStream, memberSource, MaxTarMetadataBytes), leaveOpen: true))
            {
                while (NextEntry(tar, memberSource) is { } entry)
                {
                    var kind = entry.EntryType switch
                    {
                        _ when IsRegularFile(entry.EntryType) => DebTreeEntryKind.File,
                        TarEntryType.Directory => DebTreeEntryKind.Directory,
                        TarEntryType.SymbolicLink => DebTreeEntryKind.SymbolicLink,
                        _ => (DebTreeEntryKind?)null,
                    };
                    if (kind is null || NormalizePath(entry.Name) is not { } name || !wanted(name))
                        continue;
                    int mode = (int)entry.Mode & 0x1ff;
                    yield return kind switch
                    {
                        DebTreeEntryKind.File => new DebTreeEntry(name, kind.Value, ReadEntryData(entry, name, memberSource, maxEntryBytes), mode, null),
                        DebTreeEntryKind.SymbolicLink => new DebTreeEntry(name, kind.Value, [], mode, entry.LinkName),
                        _ => new DebTreeEntry(name, kind.Value, [], mode, null),
                    };
                }
            }

            tarStream.CopyTo(Stream.Null);
        }
    }
}

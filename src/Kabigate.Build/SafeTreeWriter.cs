using Kabigate.Formats;
using Kabigate.Formats.Deb;

namespace Kabigate.Build;

/// <summary>
/// Writes packages' files, directories and symbolic links under one root, so that nothing a hostile package holds can
/// reach outside it: no entry is written through a symbolic link (a parent that is one refuses the entry), and a link
/// must be relative, climb only at its start (<c>../../lib/x</c>, never <c>a/../../x</c>) and no higher than the root.
/// What is refused is counted, never written.
/// </summary>
internal sealed class SafeTreeWriter(string root, long maxBytes, int maxEntries)
{
    private readonly string _root = Directory.CreateDirectory(Path.GetFullPath(root)).FullName;

    /// <summary>Files written.</summary>
    public int Files { get; private set; }

    /// <summary>Bytes written.</summary>
    public long Bytes { get; private set; }

    /// <summary>Symbolic links made.</summary>
    public int Links { get; private set; }

    /// <summary>Entries refused: links that would leave the root, entries under a link, a file where a directory is.</summary>
    public int Refused { get; private set; }

    private int _entries;

    /// <summary>Writes one entry of <paramref name="source"/>.</summary>
    /// <exception cref="ModuleFormatException">The tree is over its limits.</exception>
    public void Write(DebTreeEntry entry, string source)
    {
        if (++_entries > maxEntries || (Bytes += entry.Data.Length) > maxBytes)
            throw new ModuleFormatException(source, $"the headers tree is over {maxEntries} entries or {maxBytes >> 30} GiB");
        var path = entry.Kind == DebTreeEntryKind.Directory ? entry.Path.TrimEnd('/') : entry.Path; // tar writes usr/src/
        var parts = path.Split('/');
        if (parts.Any(p => p is "" or "." or "..") || !ParentsAreDirectories(parts))
        {
            Refused++;
            return;
        }
        var target = Path.Combine(_root, path);
        switch (entry.Kind)
        {
            case DebTreeEntryKind.Directory:
                if (File.Exists(target) || IsLink(target))
                    Refused++;
                else
                    Directory.CreateDirectory(target);
                break;
            case DebTreeEntryKind.File:
                if (!Replaceable(target))
                    break;
                using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                    file.Write(entry.Data);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(target, (UnixFileMode)(entry.Mode & 0x1ed) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                Files++;
                break;
            case DebTreeEntryKind.SymbolicLink:
                if (!StaysInside(entry.LinkTarget, parts.Length - 1))
                {
                    Refused++;
                    break;
                }
                if (!Replaceable(target))
                    break;
                File.CreateSymbolicLink(target, entry.LinkTarget!);
                Links++;
                break;
        }
    }

    /// <summary>Every parent below the root is a real directory (made here when missing), never a link or a file.</summary>
    private bool ParentsAreDirectories(string[] parts)
    {
        var dir = _root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            dir = Path.Combine(dir, parts[i]);
            if (IsLink(dir) || File.Exists(dir))
                return false;
            if (!Directory.Exists(dir))
                Directory.CreateDirectory(dir);
        }
        return true;
    }

    /// <summary>A later package's file or link replaces an earlier one's (never what a link points to); a directory stays.</summary>
    private bool Replaceable(string target)
    {
        if (IsLink(target) || File.Exists(target))
        {
            File.Delete(target);
            return true;
        }
        if (Directory.Exists(target))
        {
            Refused++;
            return false;
        }
        return true;
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>Relative, climbing only at its start and at most <paramref name="depth"/> levels (the link's own directory's depth).</summary>
    internal static bool StaysInside(string? target, int depth)
    {
        if (string.IsNullOrEmpty(target) || target.StartsWith('/') || target.Contains('\0', StringComparison.Ordinal))
            return false;
        var parts = target.Split('/');
        int ups = 0;
        while (ups < parts.Length && parts[ups] == "..")
            ups++;
        return ups <= depth && ups < parts.Length && parts.Skip(ups).All(p => p is not ("" or "." or ".."));
    }
}

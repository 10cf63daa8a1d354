using System.Runtime.InteropServices;

namespace Kabigate.Store;

/// <summary>Whether this user can write an SQLite store, and the URI that opens one read-only without side files.</summary>
internal static partial class StoreFiles
{
    private const int WriteAccess = 2;

    /// <summary>
    /// True when this user may write the store file and the directory its <c>-wal</c> and <c>-shm</c> files live in
    /// (<c>access(2)</c>, which knows about root, ACLs and read-only mounts). Off Linux, assumed writable.
    /// </summary>
    public static bool CanWrite(string path)
    {
        if (!OperatingSystem.IsLinux())
            return true;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        return Access(path, WriteAccess) == 0 && Access(directory, WriteAccess) == 0;
    }

    /// <summary>An SQLite URI opening the file immutable: no locks, no WAL, no side files.</summary>
    public static string ImmutableUri(string path)
    {
        var full = Path.GetFullPath(path);
        var escaped = string.Concat(full.Select(c => c is '%' or '?' or '#' ? "%" + ((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture) : c.ToString()));
        return $"file:{escaped}?immutable=1";
    }

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);
}

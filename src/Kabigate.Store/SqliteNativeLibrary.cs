using System.Reflection;
using System.Runtime.InteropServices;

namespace Kabigate.Store;

/// <summary>
/// Where SQLite's native library, SQLitePCLRaw's bundled <c>libe_sqlite3.so</c>, is found: beside the executable, where
/// every build and publish puts it, else in <c>../lib/kabigate/</c> from it, where kabigate's packages install it for
/// the native AOT CLI (<c>/usr/bin</c> holds executables, not libraries). The runtime's own search looks beside the
/// executable and then only in the system's library path.
/// </summary>
internal static class SqliteNativeLibrary
{
    private const string Name = "e_sqlite3";
    private static int _registered;

    /// <summary>Registers the lookup once, before the first SQLite call.</summary>
    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0)
            return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The host set its own resolver for SQLitePCLRaw: it decides.
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Name)
            return 0;
        string[] directories = [AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "..", "lib", "kabigate")];
        foreach (var directory in directories)
        {
            if (NativeLibrary.TryLoad(Path.Combine(directory, $"lib{Name}.so"), out var handle))
                return handle;
        }
        // The runtime's rules then: a framework-dependent build finds it through its deps.json.
        return 0;
    }
}

using System.Runtime.InteropServices;
using System.Text;

namespace Kabigate.Formats.Rpm;

/// <summary>
/// The few libsqlite3 functions the rpm database reader calls, resolved once from the system's <c>libsqlite3.so.0</c>
/// (which rpm itself links, so it is there wherever an rpmdb.sqlite is). Function pointers, as for the compression
/// libraries: a missing library is a one-line error that names the package, and nothing is bound before first use.
/// </summary>
internal sealed unsafe class SqliteApi
{
    internal const string Library = "libsqlite3.so.0";
    internal const string Package = "libsqlite3-0";

    /// <summary><c>SQLITE_OK</c>.</summary>
    internal const int Ok = 0;

    /// <summary><c>SQLITE_ROW</c>: <c>sqlite3_step</c> has a row.</summary>
    internal const int Row = 100;

    /// <summary><c>SQLITE_DONE</c>: <c>sqlite3_step</c> has finished.</summary>
    internal const int Done = 101;

    /// <summary><c>SQLITE_OPEN_READONLY</c>.</summary>
    internal const int OpenReadOnly = 0x00000001;

    /// <summary><c>SQLITE_OPEN_URI</c>: the file name may be a <c>file:</c> URI with parameters.</summary>
    internal const int OpenUri = 0x00000040;

    private static SqliteApi? s_shared;

    private SqliteApi(nint lib, string sourceName)
    {
        OpenV2 = (delegate* unmanaged<byte*, nint*, int, byte*, int>)NativeLibraries.Export(lib, Library, "sqlite3_open_v2", sourceName);
        CloseV2 = (delegate* unmanaged<nint, int>)NativeLibraries.Export(lib, Library, "sqlite3_close_v2", sourceName);
        BusyTimeout = (delegate* unmanaged<nint, int, int>)NativeLibraries.Export(lib, Library, "sqlite3_busy_timeout", sourceName);
        PrepareV2 = (delegate* unmanaged<nint, byte*, int, nint*, byte**, int>)NativeLibraries.Export(lib, Library, "sqlite3_prepare_v2", sourceName);
        Step = (delegate* unmanaged<nint, int>)NativeLibraries.Export(lib, Library, "sqlite3_step", sourceName);
        ColumnInt64 = (delegate* unmanaged<nint, int, long>)NativeLibraries.Export(lib, Library, "sqlite3_column_int64", sourceName);
        ColumnBlob = (delegate* unmanaged<nint, int, byte*>)NativeLibraries.Export(lib, Library, "sqlite3_column_blob", sourceName);
        ColumnBytes = (delegate* unmanaged<nint, int, int>)NativeLibraries.Export(lib, Library, "sqlite3_column_bytes", sourceName);
        Finalize = (delegate* unmanaged<nint, int>)NativeLibraries.Export(lib, Library, "sqlite3_finalize", sourceName);
        ErrMsg = (delegate* unmanaged<nint, byte*>)NativeLibraries.Export(lib, Library, "sqlite3_errmsg", sourceName);
    }

    /// <summary><c>int sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs)</c>.</summary>
    internal delegate* unmanaged<byte*, nint*, int, byte*, int> OpenV2 { get; }

    /// <summary><c>int sqlite3_close_v2(sqlite3 *)</c>.</summary>
    internal delegate* unmanaged<nint, int> CloseV2 { get; }

    /// <summary><c>int sqlite3_busy_timeout(sqlite3 *, int ms)</c>.</summary>
    internal delegate* unmanaged<nint, int, int> BusyTimeout { get; }

    /// <summary><c>int sqlite3_prepare_v2(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt, const char **pzTail)</c>.</summary>
    internal delegate* unmanaged<nint, byte*, int, nint*, byte**, int> PrepareV2 { get; }

    /// <summary><c>int sqlite3_step(sqlite3_stmt *)</c>.</summary>
    internal delegate* unmanaged<nint, int> Step { get; }

    /// <summary><c>sqlite3_int64 sqlite3_column_int64(sqlite3_stmt *, int iCol)</c>.</summary>
    internal delegate* unmanaged<nint, int, long> ColumnInt64 { get; }

    /// <summary><c>const void *sqlite3_column_blob(sqlite3_stmt *, int iCol)</c>.</summary>
    internal delegate* unmanaged<nint, int, byte*> ColumnBlob { get; }

    /// <summary><c>int sqlite3_column_bytes(sqlite3_stmt *, int iCol)</c>.</summary>
    internal delegate* unmanaged<nint, int, int> ColumnBytes { get; }

    /// <summary><c>int sqlite3_finalize(sqlite3_stmt *pStmt)</c>.</summary>
    internal delegate* unmanaged<nint, int> Finalize { get; }

    /// <summary><c>const char *sqlite3_errmsg(sqlite3 *)</c>.</summary>
    internal delegate* unmanaged<nint, byte*> ErrMsg { get; }

    /// <summary>The process-wide instance, loaded on first use.</summary>
    /// <exception cref="ModuleFormatException">libsqlite3 or one of its functions cannot be loaded.</exception>
    internal static SqliteApi Shared(string sourceName)
    {
        if (s_shared is not null)
            return s_shared;
        if (!NativeLibrary.TryLoad(Library, typeof(SqliteApi).Assembly, DllImportSearchPath.SafeDirectories, out nint handle))
            throw new ModuleFormatException(sourceName, Messages.SqliteMissing(Library, Package));
        return s_shared = new SqliteApi(handle, sourceName);
    }

    /// <summary>The connection's last error message.</summary>
    internal string Error(nint db)
    {
        byte* message = ErrMsg(db);
        return message is null ? "unknown error" : Marshal.PtrToStringUTF8((nint)message) ?? "unknown error";
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/>.</summary>
    internal static byte[] Utf8z(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}

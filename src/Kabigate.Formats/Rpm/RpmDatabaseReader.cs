namespace Kabigate.Formats.Rpm;

/// <summary>The installed packages of a system, as rpm's database lists them.</summary>
/// <param name="Path">The database file that was read.</param>
/// <param name="Packages">Every installed package (gpg-pubkey entries included, as <c>rpm -qa</c> lists them), in
/// the database's order.</param>
public sealed record RpmDatabase(string Path, IReadOnlyList<RpmPackage> Packages);

/// <summary>
/// Reads rpm's database of installed packages: the sqlite backend (<c>rpmdb.sqlite</c>, the default since rpm 4.16:
/// RHEL 9, Fedora 33+, Debian's rpm 4.18), whose <c>Packages(hnum, blob)</c> table holds each package's header as
/// <see cref="RpmReader.ReadHeaderBlob"/> reads it. The Berkeley DB (<c>Packages</c>, RHEL 8 and older) and ndb
/// (<c>Packages.db</c>, SUSE) backends are recognised and refused with a one-line error.
/// </summary>
/// <remarks>
/// The database is opened read-only through the system's libsqlite3, so the write-ahead log rpm keeps beside it is
/// honoured; a reader never locks rpm out. Where the database lies: <c>--dbpath</c> when given, else the first of
/// <see cref="DefaultDbPaths"/> under the install root that holds one. Debian's rpm puts it in <c>~/.rpmdb</c>
/// (its <c>%_dbpath</c>), also inside an <c>--installroot</c>.
/// </remarks>
public static class RpmDatabaseReader
{
    /// <summary>The sqlite backend's file.</summary>
    public const string SqliteFile = "rpmdb.sqlite";

    /// <summary>The Berkeley DB backend's package file.</summary>
    public const string BerkeleyDbFile = "Packages";

    /// <summary>The ndb backend's package file.</summary>
    public const string NdbFile = "Packages.db";

    /// <summary>
    /// Where rpm keeps its database, in the order they are tried: <c>/usr/lib/sysimage/rpm</c> (Fedora, RHEL 9,
    /// SUSE), <c>/var/lib/rpm</c> (RHEL 8 and older, often a link to the former), and <c>~/.rpmdb</c> (Debian's rpm).
    /// </summary>
    public static IReadOnlyList<string> DefaultDbPaths { get; } =
    [
        "/usr/lib/sysimage/rpm",
        "/var/lib/rpm",
        System.IO.Path.Combine(Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? home : "/root", ".rpmdb"),
    ];

    /// <summary>Finds and reads the database of an install root.</summary>
    /// <param name="installRoot">The root (<c>/</c>, or a dnf/rpm <c>--installroot</c>).</param>
    /// <param name="dbPath">The database directory inside the root (rpm's <c>%_dbpath</c>), or null to search
    /// <see cref="DefaultDbPaths"/>.</param>
    /// <returns>The installed packages.</returns>
    /// <exception cref="ModuleFormatException">
    /// No database is there; it uses a backend other than sqlite; it cannot be opened or is not an rpm sqlite
    /// database; or a stored header is malformed.
    /// </exception>
    public static RpmDatabase Read(string installRoot, string? dbPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(installRoot);
        string directory = Locate(installRoot, dbPath);
        string sqlite = System.IO.Path.Combine(directory, SqliteFile);
        if (File.Exists(sqlite))
            return new RpmDatabase(sqlite, ReadSqlite(sqlite));
        if (File.Exists(System.IO.Path.Combine(directory, NdbFile)))
            throw new ModuleFormatException(directory, Messages.RpmdbBackend("ndb", NdbFile));
        if (File.Exists(System.IO.Path.Combine(directory, BerkeleyDbFile)))
            throw new ModuleFormatException(directory, Messages.RpmdbBackend("bdb (Berkeley DB)", BerkeleyDbFile));
        throw new ModuleFormatException(directory, Messages.RpmdbMissing);
    }

    /// <summary>
    /// Why an install root has no rpm database at all (of any backend), as the one-line error <see cref="Read"/> would
    /// give; null when it has one, or when the root itself is missing (<see cref="Read"/> reports that).
    /// </summary>
    /// <param name="installRoot">The root.</param>
    /// <param name="dbPath">The database directory inside the root, or null for the defaults.</param>
    public static string? Missing(string installRoot, string? dbPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(installRoot);
        string root = System.IO.Path.GetFullPath(installRoot);
        if (!Directory.Exists(root))
            return null;
        var directories = dbPath is not null ? [Under(root, dbPath)] : DefaultDbPaths.Select(candidate => Under(root, candidate)).ToList();
        if (directories.Any(d => new[] { SqliteFile, BerkeleyDbFile, NdbFile }.Any(f => File.Exists(System.IO.Path.Combine(d, f)))))
            return null;
        return dbPath is not null ? $"{directories[0]}: {Messages.RpmdbMissing}" : $"{root}: {Messages.RpmdbNotFound(DefaultDbPaths)}";
    }

    /// <summary>The database directory of an install root: <paramref name="dbPath"/>, or the first default holding a database.</summary>
    /// <param name="installRoot">The root.</param>
    /// <param name="dbPath">The database directory inside the root, or null.</param>
    /// <returns>The directory's full path (which may hold no database when none was found).</returns>
    /// <exception cref="ModuleFormatException">The install root does not exist.</exception>
    public static string Locate(string installRoot, string? dbPath)
    {
        string root = System.IO.Path.GetFullPath(installRoot);
        if (!Directory.Exists(root))
            throw new ModuleFormatException(root, Messages.NoSuchInstallRoot);
        if (dbPath is not null)
            return Under(root, dbPath);
        foreach (var candidate in DefaultDbPaths)
        {
            string directory = Under(root, candidate);
            if (File.Exists(System.IO.Path.Combine(directory, SqliteFile)) || File.Exists(System.IO.Path.Combine(directory, BerkeleyDbFile))
                || File.Exists(System.IO.Path.Combine(directory, NdbFile)))
                return directory;
        }

        throw new ModuleFormatException(root, Messages.RpmdbNotFound(DefaultDbPaths));
    }

    /// <summary>Reads every package of an rpmdb.sqlite file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The packages in <c>hnum</c> order (imported signing keys, rpm's <c>gpg-pubkey</c> headers, left out).</returns>
    /// <exception cref="ModuleFormatException">
    /// The file cannot be opened, is not an sqlite database or has no <c>Packages</c> table, or a header is malformed
    /// (the error names it <c>PATH#hnum</c>).
    /// </exception>
    public static unsafe IReadOnlyList<RpmPackage> ReadSqlite(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new ModuleFormatException(path, Messages.RpmdbMissing);
        var api = SqliteApi.Shared(path);
        nint db = 0;
        byte[] uri = SqliteApi.Utf8z(new Uri(System.IO.Path.GetFullPath(path)).AbsoluteUri + "?mode=ro");
        try
        {
            int rc;
            fixed (byte* name = uri)
                rc = api.OpenV2(name, &db, SqliteApi.OpenReadOnly | SqliteApi.OpenUri, null);
            if (rc != SqliteApi.Ok)
                throw new ModuleFormatException(path, Messages.RpmdbUnreadable(db == 0 ? $"sqlite error {rc}" : api.Error(db)));
            api.BusyTimeout(db, 10_000);

            nint statement = 0;
            byte[] sql = SqliteApi.Utf8z("SELECT hnum, blob FROM Packages ORDER BY hnum");
            fixed (byte* text = sql)
                rc = api.PrepareV2(db, text, -1, &statement, null);
            if (rc != SqliteApi.Ok)
                throw new ModuleFormatException(path, Messages.RpmdbUnreadable(api.Error(db)));
            try
            {
                var packages = new List<RpmPackage>();
                while ((rc = api.Step(statement)) == SqliteApi.Row)
                {
                    long hnum = api.ColumnInt64(statement, 0);
                    byte* blob = api.ColumnBlob(statement, 1);
                    int length = api.ColumnBytes(statement, 1);
                    var header = RpmReader.ReadHeaderBlob(blob is null ? [] : new ReadOnlySpan<byte>(blob, length), $"{path}#{hnum}");
                    // rpm --import stores each key as a header named gpg-pubkey with no ARCH: a key, not a package.
                    if (header.GetString(RpmTag.Name) == "gpg-pubkey" && header.GetString(RpmTag.Arch) is null)
                        continue;
                    packages.Add(RpmPackage.FromHeader(header));
                }

                if (rc != SqliteApi.Done)
                    throw new ModuleFormatException(path, Messages.RpmdbUnreadable(api.Error(db)));
                return packages;
            }
            finally
            {
                api.Finalize(statement);
            }
        }
        finally
        {
            if (db != 0)
                api.CloseV2(db);
        }
    }

    /// <summary>An absolute path taken inside the root, as rpm's <c>--root</c> takes <c>%_dbpath</c>.</summary>
    private static string Under(string root, string path) =>
        System.IO.Path.GetFullPath(System.IO.Path.Join(root, path.StartsWith('/') ? path : "/" + path));
}

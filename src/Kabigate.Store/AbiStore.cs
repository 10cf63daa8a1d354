using System.Data;
using System.Data.Common;
using System.Globalization;
using Kabigate.Abi;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kabigate.Store;

/// <summary>
/// The history of every kernel ABI and kmod kabigate has seen, in SQLite (the default) or PostgreSQL, through one
/// code path. Readers see a consistent snapshot and are never blocked by an ingest; ingests are serialized,
/// transactional and idempotent.
/// </summary>
public sealed partial class AbiStore : IDisposable
{
    private readonly DbConnection _connection;
    private readonly NpgsqlDataSource? _dataSource;
    private DbTransaction? _transaction;
    private string[]? _symbolNames;
    private string[]? _names;
    private readonly Dictionary<long, AbiRow[]> _decoded = [];
    private readonly StoreSharing? _sharing;

    private AbiStore(StoreLocation location, DbConnection connection, NpgsqlDataSource? dataSource, StoreSharing? sharing)
    {
        _sharing = sharing;
        Location = location;
        _connection = connection;
        _dataSource = dataSource;
    }

    /// <summary>Where the store is.</summary>
    public StoreLocation Location { get; }

    /// <summary>True when the store was opened read-only (an SQLite store this user cannot write); it cannot ingest.</summary>
    public bool IsReadOnly { get; private init; }

    /// <summary>The store's schema version.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>
    /// Opens a store, creating it (and applying migrations) when <paramref name="create"/>; otherwise a missing SQLite
    /// file is an error. Read commands then see one snapshot for their whole run.
    /// </summary>
    /// <remarks>
    /// Without <paramref name="create"/>, an SQLite store that this user cannot write (its file, or the directory its WAL
    /// side files live in, is read-only: a store shared read-only) is opened read-only and immutable: nothing is written,
    /// no <c>-shm</c> or <c>-wal</c> file is needed, and what a crashed writer left uncheckpointed in the WAL is not
    /// seen (every ingest checkpoints when it commits). Such a store must be at this kabigate's schema version.
    /// </remarks>
    /// <exception cref="StoreException">The store cannot be reached, is not a kabigate store, or has a newer schema.</exception>
    /// <param name="location">Where the store is.</param>
    /// <param name="create">Create and migrate it when needed.</param>
    public static AbiStore Open(StoreLocation location, bool create)
    {
        ArgumentNullException.ThrowIfNull(location);
        var sharing = StoreSharing.For(location);
        AbiStore store;
        if (location.Provider == StoreProvider.Sqlite)
        {
            if (!File.Exists(location.Target))
            {
                if (!create)
                    throw new StoreException($"no store at {location.Display}: run 'kabigate ingest' first, or name one with --db or ${StoreLocation.EnvironmentVariable}");
                Directory.CreateDirectory(Path.GetDirectoryName(location.Target)!);
            }
            else if (Directory.Exists(location.Target))
            {
                throw new StoreException($"{location.Display}: is a directory, not a store file");
            }
            bool readOnly = !create && !StoreFiles.CanWrite(location.Target);
            var builder = readOnly
                ? new SqliteConnectionStringBuilder { DataSource = StoreFiles.ImmutableUri(location.Target), Mode = SqliteOpenMode.ReadOnly, Pooling = sharing is not null, DefaultTimeout = 60 }
                : new SqliteConnectionStringBuilder { DataSource = location.Target, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = sharing is not null, DefaultTimeout = 60 };
            SqliteNativeLibrary.EnsureResolver();
            var connection = new SqliteConnection(builder.ToString());
            store = new AbiStore(location, connection, null, sharing) { IsReadOnly = readOnly };
            store.Guard(() =>
            {
                connection.Open();
                if (!readOnly)
                {
                    store.Execute("PRAGMA journal_mode=WAL");
                    store.Execute("PRAGMA synchronous=NORMAL");
                }
                store.Execute("PRAGMA foreign_keys=ON");
            }, "open");
        }
        else
        {
            var shared = sharing?.DataSource(location.Target);
            var dataSource = shared ?? new NpgsqlSlimDataSourceBuilder(location.Target).Build();
            store = new AbiStore(location, dataSource.CreateConnection(), shared is null ? dataSource : null, sharing);
            store.Guard(() => store._connection.Open(), "connect");
        }
        try
        {
            store.Migrate();
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    /// <summary>Begins a read snapshot: every query until <see cref="Dispose"/> sees the store as it is now.</summary>
    public void BeginSnapshot()
    {
        if (_transaction is not null)
            throw new InvalidOperationException("a transaction is already open");
        Guard(() =>
        {
            _transaction = _connection is SqliteConnection sqlite
                ? sqlite.BeginTransaction(deferred: true)
                : _connection.BeginTransaction(IsolationLevel.RepeatableRead);
        }, "begin a snapshot");
    }

    /// <summary>Begins an ingest: one write transaction, serialized against other writers, committed by <see cref="IngestSession.Commit"/>.</summary>
    public IngestSession BeginIngest()
    {
        if (IsReadOnly)
            throw new StoreException($"{Location.Display}: opened read-only (this user cannot write it or its directory); cannot ingest");
        if (_transaction is not null)
            throw new InvalidOperationException("a transaction is already open");
        BeginWrite();
        return new IngestSession(this);
    }

    /// <summary>Every stored kernel release, in line and version order.</summary>
    public IReadOnlyList<StoredKernel> Kernels()
    {
        var rows = Query(
            "SELECT k.id, k.release, k.line, k.content_hash, k.abi_id, a.export_count, k.vermagic, k.source, k.ingested_at, " +
            "(SELECT COUNT(*) FROM kernels o WHERE o.release = k.release), k.vermagic_unknown, k.export_kinds_unknown, k.force_load, k.allow_missing_ns, k.allow_btf_mismatch " +
            "FROM kernels k JOIN abis a ON a.id = k.abi_id",
            [],
            r => new StoredKernel(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), (int)r.GetInt64(5),
                r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7), ParseTime(r.GetString(8)), (int)r.GetInt64(9),
                r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11),
                r.IsDBNull(12) || r.IsDBNull(13) ? null : new LoaderConfig(r.GetInt64(12) != 0, r.GetInt64(13) != 0, r.IsDBNull(14) ? null : r.GetInt64(14) != 0)));
        return rows.OrderBy(k => k.Line, StringComparer.Ordinal).ThenBy(k => k.Release, KernelReleases.Comparer).ThenBy(k => k.Id).ToList();
    }

    /// <summary>
    /// Names the set of stored kernels and kmods: their counts and highest ids. Ingests only ever add kernels and
    /// kmods (nothing updates or deletes one), so within one store an equal version means equal sets.
    /// </summary>
    public string ContentVersion() =>
        Query("SELECT (SELECT COUNT(*) FROM kernels), (SELECT COALESCE(MAX(id), 0) FROM kernels), (SELECT COUNT(*) FROM kmods), (SELECT COALESCE(MAX(id), 0) FROM kmods)", [],
            r => string.Create(CultureInfo.InvariantCulture, $"kernels {r.GetInt64(0)}/{r.GetInt64(1)}, kmods {r.GetInt64(2)}/{r.GetInt64(3)}")).Single();

    /// <summary>Every stored kmod, by name, then id.</summary>
    public IReadOnlyList<StoredKmod> Kmods() =>
        Query("SELECT id, name, content_hash, vermagic, license, source, path, ingested_at FROM kmods ORDER BY name, id", [],
            r => new StoredKmod(r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4), r.GetString(5), r.GetString(6), ParseTime(r.GetString(7))));

    /// <summary>Rebuilds a stored kmod.</summary>
    public ModuleImage LoadKmod(StoredKmod kmod)
    {
        ArgumentNullException.ThrowIfNull(kmod);
        return _sharing is { } sharing ? sharing.Kmod(kmod, () => DecodeKmod(kmod)) : DecodeKmod(kmod);
    }

    private ModuleImage DecodeKmod(StoredKmod kmod)
    {
        var blob = Query("SELECT data FROM kmods WHERE id = @id", [("id", kmod.Id)], r => (byte[])r.GetValue(0)).Single();
        return KmodCodec.Decode(blob, kmod.Path, $"{Location.Display}: kmod {kmod.Id}");
    }

    /// <summary>Bytes the store occupies: the SQLite file and its write-ahead log, or the PostgreSQL database.</summary>
    public long SizeOnDisk()
    {
        if (Location.Provider == StoreProvider.Sqlite)
        {
            long size = new FileInfo(Location.Target).Length;
            var wal = new FileInfo(Location.Target + "-wal");
            return wal.Exists ? size + wal.Length : size;
        }
        return Query("SELECT pg_database_size(current_database())", [], r => r.GetInt64(0)).Single();
    }

    /// <summary>Closes the store; an ingest not committed is rolled back.</summary>
    public void Dispose()
    {
        try
        {
            _transaction?.Dispose();
        }
        catch (DbException)
        {
            // The connection is going away; the engine rolls back what was not committed.
        }
        _transaction = null;
        _connection.Dispose();
        _dataSource?.Dispose();
    }

    internal void BeginWrite()
    {
        Guard(() =>
        {
            if (_connection is SqliteConnection sqlite)
            {
                _transaction = sqlite.BeginTransaction(deferred: false);
            }
            else
            {
                _transaction = _connection.BeginTransaction(IsolationLevel.ReadCommitted);
                Execute("SELECT pg_advisory_xact_lock(4242750001)");
            }
        }, "begin a write");
        ForgetCachedNames();
    }

    /// <summary>The name tables and decoded ABIs are read once per transaction: a write may have added to them.</summary>
    private void ForgetCachedNames()
    {
        _symbolNames = null;
        _names = null;
        _symbolIds = null;
        _nameIds = null;
        _decoded.Clear();
    }

    internal void CommitWrite(bool checkpoint = true)
    {
        Guard(() => _transaction!.Commit(), "commit");
        _transaction!.Dispose();
        _transaction = null;
        ForgetCachedNames();
        if (checkpoint && _connection is SqliteConnection)
            Guard(() => Execute("PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
    }

    internal void RollbackWrite()
    {
        if (_transaction is null)
            return;
        Guard(() => _transaction.Rollback(), "roll back");
        _transaction.Dispose();
        _transaction = null;
        ForgetCachedNames();
    }

    private void Migrate()
    {
        int version = SchemaVersionNow();
        if (version < Schema.Latest && IsReadOnly)
            throw new StoreException($"{Location.Display}: the store's schema version is {version}, older than this kabigate's ({Schema.Latest}), and it is read-only here: let its owner run 'kabigate ingest' once to migrate it");
        if (version < Schema.Latest)
        {
            // The write lock (SQLite BEGIN IMMEDIATE, PostgreSQL's advisory lock) serializes migrations with each other
            // and with ingests; what was read before it may be stale, so it is read again under it.
            BeginWrite();
            int current;
            try
            {
                current = SchemaVersionNow();
            }
            catch
            {
                RollbackWrite();
                throw;
            }
            foreach (var migration in Schema.Migrations.Where(m => m.Version > current))
            {
                foreach (var statement in migration.Statements)
                    Execute(Schema.ForProvider(statement, Location.Provider));
                Execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (@v, @d, @t)",
                    ("v", (long)migration.Version), ("d", migration.Description), ("t", Now()));
            }
            CommitWrite();
        }
        SchemaVersion = Schema.Latest;
    }

    /// <summary>The schema version as stored now: 0 for an empty database.</summary>
    /// <exception cref="StoreException">The database is not a kabigate store, or its schema is newer than this kabigate's.</exception>
    private int SchemaVersionNow()
    {
        var tables = Query(
            _connection is SqliteConnection
                ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                : "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
            [], r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);
        int version = 0;
        if (tables.Contains("schema_migrations"))
            version = (int)Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], r => r.GetInt64(0)).Single();
        else if (tables.Count > 0)
            throw new StoreException($"{Location.Display}: not a kabigate store (it has other tables: {string.Join(", ", tables.Order().Take(5))}); refusing to touch it");
        if (version > Schema.Latest)
            throw new StoreException($"{Location.Display}: the store's schema version is {version}, newer than this kabigate knows ({Schema.Latest}); use a newer kabigate (nothing was changed)");
        return version;
    }

    internal AbiRow[] DecodeAbi(long abiId)
    {
        if (_decoded.TryGetValue(abiId, out var cached))
            return cached;
        var (baseId, data) = Query("SELECT base_id, data FROM abis WHERE id = @id", [("id", abiId)],
            r => (BaseId: r.IsDBNull(0) ? (long?)null : r.GetInt64(0), Data: (byte[])r.GetValue(1))).SingleOrDefault();
        if (data is null)
            throw new StoreException($"{Location.Display}: ABI {abiId} is missing");
        var rows = AbiCodec.Decode(data, baseId is { } b ? DecodeAbi(b) : null, $"{Location.Display}: ABI {abiId}");
        _decoded[abiId] = rows;
        return rows;
    }

    internal string[] SymbolNames() => _symbolNames ??= LoadNames("symbols");

    internal string[] Names() => _names ??= LoadNames("names");

    private Dictionary<string, int>? _symbolIds;
    private Dictionary<string, int>? _nameIds;

    internal Dictionary<string, int> SymbolIds() => _symbolIds ??= Index(SymbolNames());

    internal Dictionary<string, int> NameIds() => _nameIds ??= Index(Names());

    private static Dictionary<string, int> Index(string[] names)
    {
        var index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (int i = 1; i < names.Length; i++)
        {
            if (names[i] is not null)
                index[names[i]] = i;
        }
        return index;
    }

    private string[] LoadNames(string table)
    {
        var rows = Query($"SELECT id, name FROM {table}", [], r => (Id: r.GetInt64(0), Name: r.GetString(1)));
        var names = new string[rows.Count == 0 ? 1 : rows.Max(r => r.Id) + 1];
        foreach (var (id, name) in rows)
            names[id] = name;
        return names;
    }

    internal static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : DateTimeOffset.MinValue;
}

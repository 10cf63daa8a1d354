using System.Collections.Concurrent;
using Kabigate.Abi;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace Kabigate.Store;

/// <summary>
/// What the store sessions of one long-running process (the service) share: pooled connections (an SQLite open
/// costs about 1.5 ms of schema reading, a PostgreSQL one a new server process) and the kernels and kmods decoded
/// so far. Decoded objects are keyed by the whole stored record, content hash included: a stored ABI or kmod never
/// changes, so an entry cannot go stale. They are bounded by the symbols they hold (a kernel weighs its exports, a
/// kmod its imports and exports), least recently used first out. A command-line run opens the store once and gains
/// nothing from either, so it opens without: only a store a process registers (<see cref="Register"/>) shares.
/// </summary>
/// <remarks>A pooled SQLite connection keeps its file open: a store file deleted or replaced under a running service is not seen.</remarks>
public sealed class StoreSharing : IDisposable
{
    /// <summary>A kernel of Debian's 6.1 line weighs about 25,000 and takes about 4 MB decoded: some 80 kernels.</summary>
    public const long DefaultMaxSymbols = 2_000_000;

    private readonly MemoryCache _decoded;
    private readonly ConcurrentDictionary<string, NpgsqlDataSource> _dataSources = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, StoreSharing> s_registered = new(StringComparer.Ordinal);
    private readonly string _key;
    private int _holders;

    private StoreSharing(string key, long maxSymbols)
    {
        _key = key;
        _decoded = new MemoryCache(new MemoryCacheOptions { SizeLimit = maxSymbols, CompactionPercentage = 0.25 });
    }

    /// <summary>
    /// Makes every session of this process on the store at <paramref name="location"/> share, until every holder has
    /// disposed what this returned (a second registration of a store shares the first); sessions on other stores are
    /// left as they are.
    /// </summary>
    public static StoreSharing Register(StoreLocation location, long maxSymbols = DefaultMaxSymbols)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSymbols);
        lock (s_registered)
        {
            var sharing = s_registered.GetOrAdd(Key(location), key => new StoreSharing(key, maxSymbols));
            sharing._holders++;
            return sharing;
        }
    }

    /// <summary>The sharing registered for the store, or null.</summary>
    internal static StoreSharing? For(StoreLocation location) => s_registered.IsEmpty ? null : s_registered.GetValueOrDefault(Key(location));

    private static string Key(StoreLocation location) => $"{location.Provider}:{location.Target}";

    /// <summary>How many decoded objects are held now.</summary>
    public int DecodedCount => _decoded.Count;

    internal NpgsqlDataSource DataSource(string connectionString) =>
        _dataSources.GetOrAdd(connectionString, c => new NpgsqlSlimDataSourceBuilder(c).Build());

    internal KernelAbi Kernel(StoredKernel kernel, Func<KernelAbi> decode) =>
        GetOrAdd(kernel, decode, abi => abi.Exports.Count + 1);

    internal ModuleImage Kmod(StoredKmod kmod, Func<ModuleImage> decode) =>
        GetOrAdd(kmod, decode, module => module.Imports.Length + module.Exports.Length + 1);

    private T GetOrAdd<T>(object key, Func<T> decode, Func<T, long> weight)
        where T : class
    {
        if (_decoded.TryGetValue(key, out var held) && held is T found)
            return found;
        // Two requests may decode the same object at once; both results are equal, and the last one stays.
        var value = decode();
        using (var entry = _decoded.CreateEntry(key))
        {
            entry.Value = value;
            entry.Size = weight(value);
        }
        return value;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (s_registered)
        {
            if (--_holders > 0)
                return;
            s_registered.TryRemove(new KeyValuePair<string, StoreSharing>(_key, this));
        }
        _decoded.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // only registered stores pool
        foreach (var source in _dataSources.Values)
            source.Dispose();
        _dataSources.Clear();
    }
}

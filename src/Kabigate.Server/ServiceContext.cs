using Kabigate.App.Service;
using Kabigate.Formats;
using Kabigate.Store;

namespace Kabigate.Server;

/// <summary>What every request and job of one service instance shares: its configuration and where its store is.</summary>
/// <param name="Config">The configuration.</param>
/// <param name="Settings">What gate runs judge under.</param>
/// <param name="Location">The store.</param>
/// <param name="Spool">Where uploads wait.</param>
/// <param name="Sharing">What every session of this process on its store shares: pooled connections and decoded objects.</param>
public sealed record ServiceContext(ServiceConfig Config, GateSettings Settings, StoreLocation Location, string Spool, StoreSharing Sharing)
{
    /// <summary>The store as operations name it (the path or URL as given; null for the default).</summary>
    public string? Db => Settings.Db;

    /// <summary>Opens the store for one request's reads, on one snapshot.</summary>
    public AbiStore OpenRead()
    {
        var store = AbiStore.Open(Location, create: false);
        store.BeginSnapshot();
        return store;
    }

    /// <summary>Opens the store for a write.</summary>
    public AbiStore OpenWrite() => AbiStore.Open(Location, create: true);

    /// <summary>The configured watch of that name, or null.</summary>
    public WatchConfig? Watch(string name) => Config.Watches.FirstOrDefault(w => w.Name == name);
}

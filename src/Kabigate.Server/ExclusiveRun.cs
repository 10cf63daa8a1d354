using Hangfire;
using Hangfire.Storage;
using Kabigate.Store;
using Npgsql;

namespace Kabigate.Server;

/// <summary>
/// One job of a kind at a time across every instance, held by a lock that dies with its holder. On PostgreSQL it is a
/// session advisory lock on a connection of its own: a killed instance's connection closes and the server releases
/// it at once, so the job another instance retakes goes on (Hangfire's own lock rows, which
/// <see cref="DisableConcurrentExecutionAttribute"/> takes, outlive a killed holder until their 10-minute timeout).
/// On SQLite (one machine) it is Hangfire's storage lock.
/// </summary>
internal sealed class ExclusiveRun : IDisposable
{
    private readonly IDisposable _held;
    private readonly IDisposable? _session;

    private ExclusiveRun(IDisposable held, IDisposable? session = null)
    {
        _held = held;
        _session = session;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the lock named <paramref name="resource"/>.</summary>
    /// <exception cref="TimeoutException">Another instance held it all that time.</exception>
    public static ExclusiveRun Acquire(StoreLocation location, JobStorage storage, string resource, TimeSpan timeout)
    {
        if (location.Provider != StoreProvider.Postgres)
        {
            // The storage's connection stays open while its lock is held.
            var connection = storage.GetConnection();
            try
            {
                return new ExclusiveRun(connection.AcquireDistributedLock("kabigate:" + resource, timeout), connection);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        var session = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(location.Target) { Pooling = false }.ConnectionString);
        try
        {
            session.Open();
            var deadline = DateTime.UtcNow + timeout;
            using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", session);
            command.Parameters.AddWithValue("key", Key(resource));
            while (!(bool)command.ExecuteScalar()!)
            {
                if (DateTime.UtcNow >= deadline)
                    throw new TimeoutException($"another instance held the '{resource}' job lock for {timeout.TotalSeconds} s");
                Thread.Sleep(TimeSpan.FromSeconds(1));
            }
            return new ExclusiveRun(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>A stable 64-bit key for a resource name (FNV-1a over its UTF-16 code units; string.GetHashCode differs per process).</summary>
    internal static long Key(string resource)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in "kabigate:" + resource)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return unchecked((long)hash);
    }

    /// <summary>Releases the lock (closing its session releases the advisory lock).</summary>
    public void Dispose()
    {
        _held.Dispose();
        _session?.Dispose();
    }
}

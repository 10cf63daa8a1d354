using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kabigate.Tests.Support;

/// <summary>
/// A fresh, empty store for one test: an SQLite file in a temporary directory, or a new database on the PostgreSQL
/// server ./test starts (tests/postgres.sh; its URL is $KABIGATE_TEST_POSTGRES). Disposing removes it.
/// </summary>
internal sealed class TestStore : IDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    private readonly TempDirectory? _directory;
    private readonly string? _database;

    private TestStore(string provider, string db, TempDirectory? directory, string? database)
    {
        Provider = provider;
        Db = db;
        _directory = directory;
        _database = database;
    }

    public string Provider { get; }

    /// <summary>The --db value.</summary>
    public string Db { get; }

    public static TestStore Create(string provider)
    {
        if (provider == Sqlite)
        {
            var directory = new TempDirectory();
            return new TestStore(provider, directory.Combine("store.db"), directory, null);
        }
        var admin = AdminUrl;
        var database = "kg_" + Guid.NewGuid().ToString("N")[..16];
        using (var connection = OpenAdmin())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"CREATE DATABASE {database}";
            command.ExecuteNonQuery();
        }
        return new TestStore(provider, admin[..(admin.LastIndexOf('/') + 1)] + database, null, database);
    }

    /// <summary>The admin URL of the test PostgreSQL server.</summary>
    public static string AdminUrl => Environment.GetEnvironmentVariable("KABIGATE_TEST_POSTGRES") is { Length: > 0 } url
        ? url
        : throw new InvalidOperationException("KABIGATE_TEST_POSTGRES is not set: run ./test, which starts PostgreSQL with tests/postgres.sh");

    /// <summary>Opens a raw connection to the store's database, for tests that look beneath the store.</summary>
    public DbConnection OpenRaw()
    {
        if (Provider == Sqlite)
        {
            var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Db, Pooling = false }.ToString());
            sqlite.Open();
            return sqlite;
        }
        var npgsql = new NpgsqlConnection(ConnectionString(Db));
        npgsql.Open();
        return npgsql;
    }

    /// <summary>SHA-256 over every row of every table, in key order: equal digests mean equal stores.</summary>
    public string Digest()
    {
        using var connection = OpenRaw();
        var text = new StringBuilder();
        foreach (var table in new[] { "schema_migrations", "symbols", "names", "abis", "kernels", "kmods" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} ORDER BY 1";
            using var reader = command.ExecuteReader();
            text.Append('[').Append(table).Append(']');
            while (reader.Read())
            {
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.GetValue(i);
                    text.Append(value is byte[] bytes ? Convert.ToHexString(SHA256.HashData(bytes)) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)).Append('\t');
                }
                text.Append('\n');
            }
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public void Dispose()
    {
        _directory?.Dispose();
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = OpenAdmin();
            using var command = connection.CreateCommand();
            command.CommandText = $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)";
            command.ExecuteNonQuery();
        }
    }

    private static NpgsqlConnection OpenAdmin()
    {
        var connection = new NpgsqlConnection(ConnectionString(AdminUrl));
        connection.Open();
        return connection;
    }

    private static string ConnectionString(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':');
        return $"Host={uri.Host};Port={uri.Port};Database={uri.AbsolutePath.TrimStart('/')};Username={user[0]}{(user.Length > 1 ? ";Password=" + user[1] : "")};Pooling=false";
    }
}

using System.Text;

namespace Kabigate.Store;

/// <summary>Which database engine holds a store.</summary>
public enum StoreProvider
{
    /// <summary>An SQLite file: the embedded default.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database, for a store shared by several machines.</summary>
    Postgres,
}

/// <summary>Where a store lives: <c>--db PATH</c>, <c>--db postgres://…</c>, <c>$KABIGATE_DB</c>, or the default file.</summary>
/// <param name="Provider">The engine.</param>
/// <param name="Target">The SQLite file path, or the Npgsql connection string.</param>
/// <param name="Display">How the store is named to the user (no password).</param>
public sealed record StoreLocation(StoreProvider Provider, string Target, string Display)
{
    /// <summary>The environment variable naming the store when <c>--db</c> is not given.</summary>
    public const string EnvironmentVariable = "KABIGATE_DB";

    /// <summary>The default SQLite file, <c>$XDG_DATA_HOME/kabigate/kabigate.db</c> (<c>~/.local/share/kabigate/kabigate.db</c>).</summary>
    public static string DefaultPath
    {
        get
        {
            var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            if (string.IsNullOrEmpty(dataHome) || !Path.IsPathRooted(dataHome))
                dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return Path.Combine(dataHome, "kabigate", "kabigate.db");
        }
    }

    /// <summary>Resolves <c>--db</c>, then <c>$KABIGATE_DB</c>, then the default.</summary>
    /// <exception cref="StoreException">A postgres URL is malformed.</exception>
    public static StoreLocation Resolve(string? db)
    {
        if (string.IsNullOrWhiteSpace(db))
            db = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(db))
            return new StoreLocation(StoreProvider.Sqlite, DefaultPath, DefaultPath);
        if (db.StartsWith("postgres://", StringComparison.Ordinal) || db.StartsWith("postgresql://", StringComparison.Ordinal))
            return FromPostgresUrl(db);
        if (db.StartsWith("sqlite:", StringComparison.Ordinal))
            db = db["sqlite:".Length..];
        var full = Path.GetFullPath(db);
        return new StoreLocation(StoreProvider.Sqlite, full, full);
    }

    /// <summary>Turns <c>postgres://user:password@host:port/database?sslmode=disable</c> into an Npgsql connection string.</summary>
    private static StoreLocation FromPostgresUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Host.Length == 0 && !uri.Query.Contains("host=", StringComparison.Ordinal)))
            throw new StoreException($"{Redact(url)}: not a PostgreSQL URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
        var parts = new List<(string Key, string Value)>();
        if (uri.Host.Length > 0)
            parts.Add(("Host", uri.Host));
        if (uri.Port > 0)
            parts.Add(("Port", uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0)
            throw new StoreException($"{Redact(url)}: the URL names no database (postgres://HOST/DATABASE)");
        parts.Add(("Database", database));
        if (uri.UserInfo.Length > 0)
        {
            var user = uri.UserInfo.Split(':', 2);
            parts.Add(("Username", Uri.UnescapeDataString(user[0])));
            if (user.Length == 2)
                parts.Add(("Password", Uri.UnescapeDataString(user[1])));
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            switch (kv[0])
            {
                case "sslmode": parts.Add(("SSL Mode", value)); break;
                case "host": parts.Add(("Host", value)); break;
                case "connect_timeout": parts.Add(("Timeout", value)); break;
                case "application_name": parts.Add(("Application Name", value)); break;
                default: throw new StoreException($"{Redact(url)}: unknown URL parameter '{kv[0]}' (known: sslmode, host, connect_timeout, application_name)");
            }
        }
        if (!parts.Any(p => p.Key == "Timeout"))
            parts.Add(("Timeout", "10"));
        var builder = new StringBuilder();
        foreach (var (key, value) in parts)
            builder.Append(key).Append("='").Append(value.Replace("'", "''", StringComparison.Ordinal)).Append("';");
        return new StoreLocation(StoreProvider.Postgres, builder.ToString(), Redact(url));
    }

    private static string Redact(string url)
    {
        int at = url.IndexOf('@', StringComparison.Ordinal);
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0)
            return url;
        var user = url[(scheme + 3)..at];
        int colon = user.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? url : url[..(scheme + 3)] + user[..colon] + ":***" + url[at..];
    }
}

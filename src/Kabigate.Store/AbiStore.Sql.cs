using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kabigate.Store;

/// <summary>The store's SQL plumbing: commands, queries, batched inserts, and one-line errors from both engines.</summary>
public sealed partial class AbiStore
{
    internal void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        Guard(() => command.ExecuteNonQuery(), "write");
    }

    internal List<T> Query<T>(string sql, (string Name, object? Value)[] parameters, Func<DbDataReader, T> map)
    {
        using var command = Command(sql, parameters);
        var results = new List<T>();
        Guard(() =>
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
                results.Add(map(reader));
        }, "read");
        return results;
    }

    /// <summary>Inserts many rows with multi-row VALUES lists, in batches both engines accept.</summary>
    internal void InsertMany(string table, string[] columns, IReadOnlyList<object?[]> rows)
    {
        // Small statements: binding looks parameters up by name, which grows with the square of their count.
        const int MaxParameters = 1000;
        int perBatch = Math.Max(1, MaxParameters / columns.Length);
        for (int start = 0; start < rows.Count; start += perBatch)
        {
            int count = Math.Min(perBatch, rows.Count - start);
            var sql = new System.Text.StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ");
            var parameters = new (string, object?)[count * columns.Length];
            for (int r = 0; r < count; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (int c = 0; c < columns.Length; c++)
                {
                    var name = $"p{r}_{c}";
                    sql.Append(c == 0 ? "@" : ", @").Append(name);
                    parameters[(r * columns.Length) + c] = (name, rows[start + r][c]);
                }
                sql.Append(')');
            }
            Execute(sql.ToString(), parameters);
        }
    }

    private DbCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        command.CommandTimeout = 600;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>Turns the engines' exceptions into one-line <see cref="StoreException"/>s.</summary>
    internal void Guard(Action action, string doing)
    {
        try
        {
            action();
        }
        catch (SqliteException e)
        {
            throw new StoreException($"{Location.Display}: cannot {doing}: {SqliteMessage(e)}", e);
        }
        catch (NpgsqlException e)
        {
            var inner = e.InnerException is { } i and not NpgsqlException ? $" ({i.Message})" : "";
            throw new StoreException($"{Location.Display}: cannot {doing}: {e.Message.TrimEnd('.')}{inner}", e);
        }
        catch (InvalidOperationException e) when (e.Source?.StartsWith("Npgsql", StringComparison.Ordinal) == true)
        {
            throw new StoreException($"{Location.Display}: cannot {doing}: {e.Message}", e);
        }
    }

    private static string SqliteMessage(SqliteException e) => e.SqliteErrorCode switch
    {
        26 => "not an SQLite database",
        _ => e.Message.Replace("SQLite Error " + e.SqliteErrorCode + ": ", "", StringComparison.Ordinal).Trim('\'', ' ', '.'),
    };
}

using System.Globalization;
using System.Security.Cryptography;
using Kabigate.Abi;

namespace Kabigate.Store;

/// <summary>One rebuild result: what a run did for one recipe on one target kernel, with its provenance.</summary>
/// <param name="RunId">The run it belongs to.</param>
/// <param name="Recipe">The recipe's name.</param>
/// <param name="RecipeDigest">SHA-256 of the recipe's sources.</param>
/// <param name="ClassKey">The ABI class key, or null for a reuse.</param>
/// <param name="Kernel">The target kernel's release.</param>
/// <param name="Status">reused, built, build-failed, built-but-refused or blocked.</param>
/// <param name="BuiltOn">The release whose headers the build used, or null.</param>
/// <param name="Headers">That headers directory, or null.</param>
/// <param name="Compiler">The compiler's version line, or null.</param>
/// <param name="KmodIds">The stored kmods of the build (built) or of the reused build (reused).</param>
/// <param name="Detail">The first error, the loader's words, or why it was blocked; null when there is nothing to say.</param>
/// <param name="LogPath">The build's full log, or null.</param>
/// <param name="Duration">The build's wall time, or null.</param>
public sealed record RebuildRecord(
    string RunId, string Recipe, string RecipeDigest, string? ClassKey, string Kernel, string Status, string? BuiltOn, string? Headers,
    string? Compiler, IReadOnlyList<long> KmodIds, string? Detail, string? LogPath, TimeSpan? Duration);

/// <summary>A stored rebuild result.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Record">What was recorded.</param>
/// <param name="RecordedAt">When (UTC).</param>
public sealed record StoredRebuild(long Id, RebuildRecord Record, DateTimeOffset RecordedAt);

public sealed partial class AbiStore
{
    /// <summary>Every stored rebuild result, oldest first.</summary>
    public IReadOnlyList<StoredRebuild> Rebuilds() =>
        Query("SELECT id, run_id, recipe, recipe_digest, class_key, kernel, status, built_on, headers, compiler, kmod_ids, detail, log_path, duration_ms, recorded_at FROM rebuilds ORDER BY id", [],
            r => new StoredRebuild(r.GetInt64(0),
                new RebuildRecord(r.GetString(1), r.GetString(2), r.GetString(3), Text(r, 4), r.GetString(5), r.GetString(6), Text(r, 7), Text(r, 8), Text(r, 9),
                    Text(r, 10) is string ids ? [.. ids.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(i => long.Parse(i, CultureInfo.InvariantCulture))] : [],
                    Text(r, 11), Text(r, 12), r.IsDBNull(13) ? null : TimeSpan.FromMilliseconds(r.GetInt64(13))),
                ParseTime(r.GetString(14))));

    private static string? Text(System.Data.Common.DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}

public sealed partial class IngestSession
{
    /// <summary>The id of a stored kmod with this content (what <see cref="AddKmod"/> stored or found), or null.</summary>
    public long? KmodId(ModuleImage kmod)
    {
        ArgumentNullException.ThrowIfNull(kmod);
        var hash = Convert.ToHexStringLower(SHA256.HashData(KmodCodec.Encode(kmod)));
        return _store.Query("SELECT id FROM kmods WHERE content_hash = @h", [("h", hash)], r => r.GetInt64(0)).Cast<long?>().SingleOrDefault();
    }

    /// <summary>Records one rebuild result.</summary>
    public void AddRebuild(RebuildRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        long id = _store.Query("SELECT COALESCE(MAX(id), 0) + 1 FROM rebuilds", [], r => r.GetInt64(0)).Single();
        _store.Execute(
            "INSERT INTO rebuilds (id, run_id, recipe, recipe_digest, class_key, kernel, status, built_on, headers, compiler, kmod_ids, detail, log_path, duration_ms, recorded_at) " +
            "VALUES (@id, @run, @recipe, @digest, @class, @kernel, @status, @on, @headers, @compiler, @kmods, @detail, @log, @ms, @at)",
            ("id", id), ("run", record.RunId), ("recipe", record.Recipe), ("digest", record.RecipeDigest), ("class", record.ClassKey), ("kernel", record.Kernel),
            ("status", record.Status), ("on", record.BuiltOn), ("headers", record.Headers), ("compiler", record.Compiler),
            ("kmods", record.KmodIds.Count == 0 ? null : string.Join(' ', record.KmodIds.Select(i => i.ToString(CultureInfo.InvariantCulture)))),
            ("detail", record.Detail), ("log", record.LogPath), ("ms", record.Duration is TimeSpan d ? (long?)(long)d.TotalMilliseconds : null), ("at", AbiStore.Now()));
    }
}

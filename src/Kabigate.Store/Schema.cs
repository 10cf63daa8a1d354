namespace Kabigate.Store;

/// <summary>
/// The store's schema as numbered migrations, applied in order inside one transaction. A migration may add, never
/// drop: a store is history nobody can download again. The SQL is written once; <see cref="ForProvider"/> maps the
/// three column types to each engine.
/// </summary>
internal static class Schema
{
    public sealed record Migration(int Version, string Description, string[] Statements);

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "symbols, names, ABIs as keyframes and deltas, kernels and kmods",
        [
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)",
            // Names are unique by construction: writers are serialized and intern through one in-memory table.
            "CREATE TABLE symbols (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
            "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
            "CREATE TABLE abis (id INTEGER PRIMARY KEY, content_hash TEXT NOT NULL UNIQUE, base_id INTEGER REFERENCES abis(id), depth INTEGER NOT NULL, export_count INTEGER NOT NULL, data BLOB NOT NULL)",
            "CREATE TABLE kernels (id INTEGER PRIMARY KEY, release TEXT NOT NULL, line TEXT NOT NULL, content_hash TEXT NOT NULL UNIQUE, abi_id INTEGER NOT NULL REFERENCES abis(id), vermagic TEXT, vermagic_unknown TEXT, export_kinds_unknown TEXT, force_load INTEGER, allow_missing_ns INTEGER, source TEXT NOT NULL, ingested_at TEXT NOT NULL)",
            "CREATE INDEX kernels_release ON kernels(release)",
            "CREATE INDEX kernels_line ON kernels(line)",
            "CREATE TABLE kmods (id INTEGER PRIMARY KEY, name TEXT NOT NULL, content_hash TEXT NOT NULL UNIQUE, vermagic TEXT, license TEXT, source TEXT NOT NULL, path TEXT NOT NULL, data BLOB NOT NULL, ingested_at TEXT NOT NULL)",
            "CREATE INDEX kmods_name ON kmods(name)",
        ]),
        // Migration 2 is the service's (merged separately); this one stands alone and refers only to migration 1's tables.
        new(3, "rebuild results: one row per recipe, target kernel and run, with provenance",
        [
            "CREATE TABLE rebuilds (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, recipe TEXT NOT NULL, recipe_digest TEXT NOT NULL, class_key TEXT, kernel TEXT NOT NULL, status TEXT NOT NULL, built_on TEXT, headers TEXT, compiler TEXT, kmod_ids TEXT, detail TEXT, log_path TEXT, duration_ms INTEGER, recorded_at TEXT NOT NULL)",
            "CREATE INDEX rebuilds_recipe ON rebuilds(recipe, kernel)",
        ]),
    ];

    public static int Latest => Migrations[^1].Version;

    public static string ForProvider(string statement, StoreProvider provider) => provider == StoreProvider.Postgres
        ? statement.Replace(" INTEGER", " BIGINT", StringComparison.Ordinal).Replace(" BLOB", " BYTEA", StringComparison.Ordinal)
        : statement;
}

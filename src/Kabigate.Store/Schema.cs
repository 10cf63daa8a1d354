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
        new(2, "the service: gate runs and their cases, watched sources, API tokens, webhook deliveries, submissions",
        [
            "CREATE TABLE gate_runs (id INTEGER PRIMARY KEY, kernel_id INTEGER NOT NULL REFERENCES kernels(id), previous_kernel_id INTEGER REFERENCES kernels(id), policy_digest TEXT NOT NULL, trigger TEXT NOT NULL, passed INTEGER NOT NULL, kmods INTEGER NOT NULL, new_breaks INTEGER NOT NULL, fixed INTEGER NOT NULL, still_broken INTEGER NOT NULL, started_at TEXT NOT NULL)",
            "CREATE INDEX gate_runs_kernel ON gate_runs(kernel_id)",
            // One row per registered kmod: its outcome on the run's kernel, the transition from the previous release of the line, and the kernel's words.
            "CREATE TABLE gate_run_cases (run_id INTEGER NOT NULL REFERENCES gate_runs(id), kmod TEXT NOT NULL, outcome TEXT NOT NULL, transition TEXT NOT NULL, build_id INTEGER, reasons TEXT NOT NULL, PRIMARY KEY (run_id, kmod))",
            "CREATE TABLE watched_sources (name TEXT PRIMARY KEY, source TEXT NOT NULL, fingerprint TEXT, polled_at TEXT, changed_at TEXT, last_error TEXT, failures INTEGER NOT NULL)",
            "CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)",
            "CREATE TABLE webhook_deliveries (id INTEGER PRIMARY KEY, url TEXT NOT NULL, event TEXT NOT NULL, run_id INTEGER REFERENCES gate_runs(id), payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, last_status INTEGER, last_error TEXT, created_at TEXT NOT NULL, delivered_at TEXT)",
            "CREATE TABLE submissions (id INTEGER PRIMARY KEY, file_name TEXT NOT NULL, role TEXT NOT NULL, spool TEXT NOT NULL, status TEXT NOT NULL, message TEXT, created_at TEXT NOT NULL, finished_at TEXT)",
        ]),
        new(3, "rebuild results: one row per recipe, target kernel and run, with provenance",
        [
            "CREATE TABLE rebuilds (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, recipe TEXT NOT NULL, recipe_digest TEXT NOT NULL, class_key TEXT, kernel TEXT NOT NULL, status TEXT NOT NULL, built_on TEXT, headers TEXT, compiler TEXT, kmod_ids TEXT, detail TEXT, log_path TEXT, duration_ms INTEGER, recorded_at TEXT NOT NULL)",
            "CREATE INDEX rebuilds_recipe ON rebuilds(recipe, kernel)",
        ]),
        new(4, "kernels: CONFIG_MODULE_ALLOW_BTF_MISMATCH, which the loader's BTF rule reads (null where ingested before)",
        [
            "ALTER TABLE kernels ADD COLUMN allow_btf_mismatch INTEGER",
        ]),
    ];

    public static int Latest => Migrations[^1].Version;

    public static string ForProvider(string statement, StoreProvider provider) => provider == StoreProvider.Postgres
        ? statement.Replace(" INTEGER", " BIGINT", StringComparison.Ordinal).Replace(" BLOB", " BYTEA", StringComparison.Ordinal)
        : statement;
}

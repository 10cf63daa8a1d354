using System.Security.Cryptography;
using System.Text;
using Kabigate.Abi;

namespace Kabigate.Store;

/// <summary>
/// One ingest: a write transaction in which kernels and kmods are added. Nothing is visible to readers until
/// <see cref="Commit"/>; disposing without committing (or the process dying) leaves the store exactly as before.
/// </summary>
public sealed partial class IngestSession : IDisposable
{
    /// <summary>The longest chain of deltas an ABI may sit on before a keyframe is written.</summary>
    internal const int MaxDeltaDepth = 16;

    private readonly AbiStore _store;
    private readonly List<string> _symbols;
    private readonly List<string> _names;
    private readonly Dictionary<string, int> _symbolIds;
    private readonly Dictionary<string, int> _nameIds;
    private readonly List<(long Id, string Release, string Line, long AbiId, int Depth)> _kernels;
    private long _nextAbiId, _nextKernelId, _nextKmodId;
    private bool _done;

    internal IngestSession(AbiStore store)
    {
        _store = store;
        _symbols = [.. store.SymbolNames()];
        _names = [.. store.Names()];
        _symbolIds = new Dictionary<string, int>(store.SymbolIds(), StringComparer.Ordinal);
        _nameIds = new Dictionary<string, int>(store.NameIds(), StringComparer.Ordinal);
        _kernels = store.Query("SELECT k.id, k.release, k.line, k.abi_id, a.depth FROM kernels k JOIN abis a ON a.id = k.abi_id", [],
            r => (r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), (int)r.GetInt64(4)));
        _nextAbiId = NextId("abis");
        _nextKernelId = NextId("kernels");
        _nextKmodId = NextId("kmods");
    }

    /// <summary>Adds a kernel release: stored once per content; the same release with other content is kept too, and flagged.</summary>
    public IngestResult AddKernel(KernelAbi kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var abiHash = AbiHash(kernel);
        var hash = KernelHash(kernel, abiHash);
        if (Exists("kernels", hash))
            return new IngestResult(IngestOutcome.AlreadyStored, kernel.Release, "already stored with the same content");
        var rows = Intern(kernel);
        var line = KernelReleases.Line(kernel.Release);
        var (abiId, depth, how) = StoreAbi(kernel.Release, line, abiHash, rows);
        var others = _kernels.Count(k => k.Release == kernel.Release);
        long id = _nextKernelId++;
        var loader = kernel.Loader;
        _store.Execute(
            "INSERT INTO kernels (id, release, line, content_hash, abi_id, vermagic, vermagic_unknown, export_kinds_unknown, force_load, allow_missing_ns, allow_btf_mismatch, source, ingested_at) " +
            "VALUES (@id, @release, @line, @hash, @abi, @vermagic, @vu, @ku, @force, @ns, @btf, @source, @at)",
            ("id", id), ("release", kernel.Release), ("line", line), ("hash", hash), ("abi", abiId), ("vermagic", kernel.Vermagic),
            ("vu", kernel.VermagicUnknownReason), ("ku", kernel.ExportKindsUnknownReason),
            ("force", loader is null ? null : (long?)(loader.ForceLoad ? 1 : 0)), ("ns", loader is null ? null : (long?)(loader.AllowMissingNamespaceImports ? 1 : 0)),
            ("btf", loader?.AllowBtfMismatch is bool btf ? (long?)(btf ? 1 : 0) : null),
            ("source", kernel.Source), ("at", AbiStore.Now()));
        _kernels.Add((id, kernel.Release, line, abiId, depth));
        var detail = $"{kernel.Exports.Count} exports, {how}";
        return others > 0
            ? new IngestResult(IngestOutcome.StoredConflicting, kernel.Release, $"{detail}; WARNING: already stored with other content ({others}×); both are kept, name one with id:{id}")
            : new IngestResult(IngestOutcome.Stored, kernel.Release, detail);
    }

    /// <summary>Adds a kmod: stored once per content (what the loader reads, not where it was found).</summary>
    public IngestResult AddKmod(ModuleImage kmod, string source)
    {
        ArgumentNullException.ThrowIfNull(kmod);
        var blob = KmodCodec.Encode(kmod);
        var hash = Convert.ToHexStringLower(SHA256.HashData(blob));
        if (Exists("kmods", hash))
            return new IngestResult(IngestOutcome.AlreadyStored, kmod.Name, "already stored with the same content");
        _store.Execute(
            "INSERT INTO kmods (id, name, content_hash, vermagic, license, source, path, data, ingested_at) VALUES (@id, @name, @hash, @vermagic, @license, @source, @path, @data, @at)",
            ("id", _nextKmodId++), ("name", kmod.Name), ("hash", hash), ("vermagic", kmod.Vermagic), ("license", kmod.License),
            ("source", source), ("path", kmod.Path), ("data", blob), ("at", AbiStore.Now()));
        return new IngestResult(IngestOutcome.Stored, kmod.Name, $"{kmod.Imports.Length} imports, built for {kmod.Vermagic?.Split(' ')[0] ?? "an unknown kernel"}");
    }

    /// <summary>Makes everything added visible at once.</summary>
    public void Commit()
    {
        _store.CommitWrite();
        _done = true;
    }

    /// <summary>Rolls back what was not committed; the store stays open.</summary>
    public void Dispose()
    {
        if (!_done)
            _store.RollbackWrite();
        _done = true;
    }

    private (long Id, int Depth, string How) StoreAbi(string release, string line, string abiHash, AbiRow[] rows)
    {
        var existing = _store.Query("SELECT id, depth FROM abis WHERE content_hash = @h", [("h", abiHash)], r => (Id: r.GetInt64(0), Depth: (int)r.GetInt64(1)));
        if (existing.Count > 0)
            return (existing[0].Id, existing[0].Depth, "ABI shared with an earlier release");

        byte[] best = AbiCodec.EncodeFull(rows);
        long? baseId = null;
        int depth = 0;
        string how = $"keyframe {Kib(best.Length)}";
        foreach (var candidate in BaseCandidates(release, line))
        {
            var delta = AbiCodec.EncodeDelta(_store.DecodeAbi(candidate.AbiId), rows);
            if (delta.Length < best.Length)
            {
                best = delta;
                baseId = candidate.AbiId;
                depth = candidate.Depth + 1;
                how = $"delta {Kib(delta.Length)} against {candidate.Release}";
            }
        }
        long id = _nextAbiId++;
        _store.Execute("INSERT INTO abis (id, content_hash, base_id, depth, export_count, data) VALUES (@id, @hash, @base, @depth, @count, @data)",
            ("id", id), ("hash", abiHash), ("base", baseId), ("depth", (long)depth), ("count", (long)rows.Length), ("data", best));
        return (id, depth, how);
    }

    /// <summary>The releases of the same line nearest below and above, and the last one ingested: deltas against them are small.</summary>
    private IEnumerable<(long AbiId, int Depth, string Release)> BaseCandidates(string release, string line)
    {
        // The nearest releases of the line, whatever their depth: a base whose chain is full means a keyframe now,
        // not a delta against some older, shallower release whose differences keep growing.
        var sameLine = _kernels.Where(k => k.Line == line).ToList();
        var candidates = new List<(long AbiId, int Depth, string Release)>();
        if (sameLine.Count == 0)
        {
            // A new line (another flavour) often shares most CRCs with the last kernel stored.
            if (_kernels.Count > 0)
                candidates.Add((_kernels[^1].AbiId, _kernels[^1].Depth, _kernels[^1].Release));
        }
        else
        {
            var below = sameLine.Where(k => KernelReleases.Compare(k.Release, release) <= 0).OrderByDescending(k => k.Release, KernelReleases.Comparer).FirstOrDefault();
            var above = sameLine.Where(k => KernelReleases.Compare(k.Release, release) > 0).OrderBy(k => k.Release, KernelReleases.Comparer).FirstOrDefault();
            foreach (var k in new[] { below, above, sameLine[^1] })
            {
                if (k.Release is not null)
                    candidates.Add((k.AbiId, k.Depth, k.Release));
            }
        }
        return candidates.Where(c => c.Depth < MaxDeltaDepth).DistinctBy(c => c.AbiId);
    }

    private AbiRow[] Intern(KernelAbi kernel)
    {
        var newSymbols = new List<object?[]>();
        var newNames = new List<object?[]>();
        var rows = new AbiRow[kernel.Exports.Count];
        int n = 0;
        foreach (var export in kernel.Exports.Values)
        {
            rows[n++] = new AbiRow(Intern(export.Symbol, _symbols, _symbolIds, newSymbols), export.Crc ?? 0, export.Crc.HasValue,
                Intern(export.Module, _names, _nameIds, newNames), export.Kind,
                export.Namespace is null ? 0 : Intern(export.Namespace, _names, _nameIds, newNames));
        }
        Array.Sort(rows, (a, b) => a.Symbol.CompareTo(b.Symbol));
        _store.InsertMany("symbols", ["id", "name"], newSymbols);
        _store.InsertMany("names", ["id", "name"], newNames);
        return rows;
    }

    private static int Intern(string name, List<string> names, Dictionary<string, int> ids, List<object?[]> added)
    {
        if (ids.TryGetValue(name, out var id))
            return id;
        id = names.Count;
        names.Add(name);
        ids[name] = id;
        added.Add([(long)id, name]);
        return id;
    }

    private bool Exists(string table, string hash) =>
        _store.Query($"SELECT 1 FROM {table} WHERE content_hash = @h", [("h", hash)], r => 1).Count > 0;

    private long NextId(string table) => _store.Query($"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}", [], r => r.GetInt64(0)).Single();

    /// <summary>SHA-256 of the exports as sorted Module.symvers-like lines: the same for the same ABI in any store.</summary>
    internal static string AbiHash(KernelAbi kernel)
    {
        var lines = kernel.Exports.Values
            .Select(e => $"{e.Symbol}\t{(e.Crc is { } c ? c.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) : "-")}\t{e.Module}\t{e.Kind.ToSymversName()}\t{e.Namespace}")
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var line in lines)
            hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string KernelHash(KernelAbi kernel, string abiHash)
    {
        var text = string.Join("\n", abiHash, kernel.Release, kernel.Vermagic, kernel.VermagicUnknownReason, kernel.ExportKindsUnknownReason,
            kernel.Loader is { } l ? $"{l.ForceLoad}/{l.AllowMissingNamespaceImports}" : "-");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static string Kib(int bytes) => $"{bytes / 1024.0:0.#} KiB";
}

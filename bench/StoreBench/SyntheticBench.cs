using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Store;
using Microsoft.Data.Sqlite;
using static Kabigate.Bench.Figures;

namespace Kabigate.Bench;

/// <summary>
/// Figure 2 (and the input of figure 5): a long synthetic history ingested through <see cref="IngestSession"/>, one
/// transaction per minor release, then synthetic kmods built for the first minor's kernels. Checks that sampled
/// releases come back exactly as they were added.
/// </summary>
internal static class SyntheticBench
{
    private const int RoundTripSamples = 6;

    public static int Run(string headers, string db, string oneSourceDb, int releaseCount, int kmodCount)
    {
        var origin = KernelSourceReader.Read(headers, new KernelSourceOptions());
        DeleteStore(db);
        var stream = new EnterpriseStream(origin);
        var pick = new Random(99);
        var samples = Enumerable.Range(0, RoundTripSamples - 1).Select(_ => pick.Next(releaseCount)).Append(releaseCount - 1).ToHashSet();
        var sampled = new Dictionary<string, KernelAbi>(StringComparer.Ordinal);
        var firstMinor = new List<KernelAbi>();
        var location = StoreLocation.Resolve(db);

        var ingest = new Stopwatch();
        var generate = new Stopwatch();
        var batchMs = new List<double>();
        int stored = 0;
        double firstMs = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        using (var store = AbiStore.Open(location, create: true))
        {
            for (int start = 0; start < releaseCount; start += EnterpriseStream.ZStreamsPerMinor)
            {
                var batch = Stopwatch.StartNew();
                ingest.Start();
                using var session = store.BeginIngest();
                for (int i = start; i < Math.Min(releaseCount, start + EnterpriseStream.ZStreamsPerMinor); i++)
                {
                    ingest.Stop();
                    generate.Start();
                    var abi = stream.Next(i);
                    if (samples.Contains(i))
                        sampled[abi.Release] = abi;
                    if (i < EnterpriseStream.ZStreamsPerMinor)
                        firstMinor.Add(abi);
                    generate.Stop();
                    ingest.Start();
                    var before = ingest.Elapsed;
                    if (session.AddKernel(abi).Outcome == IngestOutcome.Stored)
                        stored++;
                    if (i == 0)
                        firstMs = (ingest.Elapsed - before).TotalMilliseconds;
                }
                session.Commit();
                ingest.Stop();
                batch.Stop();
                batchMs.Add(batch.Ms() / Math.Min(EnterpriseStream.ZStreamsPerMinor, releaseCount - start));
            }
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        long bytes = new FileInfo(db).Length;
        var (crcs, added, removed) = stream.Changes;
        Say($"synthetic: {releaseCount} releases ({Release(0)} … {Release(releaseCount - 1)}), {crcs:N0} CRC changes, {added} symbols added, {removed} removed; {stored} stored");
        Say($"synthetic: ingest {ingest.Elapsed.TotalSeconds:0.0} s through IngestSession ({ingest.Ms() / releaseCount:0.0} ms per release; the process used {cpu.TotalSeconds:0.0} s of CPU including {generate.Elapsed.TotalSeconds:0.0} s generating them); store {bytes / 1e6:0.0} MB = {bytes / 1024.0 / releaseCount:0.0} KiB per release");
        Say($"synthetic: ms per release, by minor release: {string.Join(" ", batchMs.Select(m => m.ToString("0", CultureInfo.InvariantCulture)))}; the first release alone (into the empty store, every symbol name new) {firstMs / 1000:0.0} s");
        Say($"synthetic: peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB");
        Emit("synthetic_releases", releaseCount);
        Emit("synthetic_bytes", bytes);
        Emit("synthetic_ingest_s", ingest.Elapsed.TotalSeconds);
        Emit("synthetic_cpu_s", (cpu - generate.Elapsed).TotalSeconds); // generating is one thread: its wall time is its CPU time
        Emit("synthetic_first_s", firstMs / 1000);
        Emit("synthetic_peak_mb", Process.GetCurrentProcess().PeakWorkingSet64 / 1e6);
        Layout(db);

        int failures = RoundTrip(location, sampled);
        Emit("roundtrip_failures", failures);
        Emit("symvers_gz_bytes", sampled.Values.Average(GzippedSymversBytes));
        Emit("origin_gz_bytes", GzippedSymversBytes(origin)); // calibration: bench/store compares it with gzip -9 of the real file

        // The same kmods twice: one package each (as 'ingest kmod-*.rpm' records them: the CLI's matrix judges each
        // source apart), and all from one repository (as 'ingest REPO': one engine pass).
        var kmods = SyntheticKmods.Make(kmodCount, firstMinor);
        DeleteStore(oneSourceDb);
        File.Copy(db, oneSourceDb);
        var kmodWatch = Stopwatch.StartNew();
        using (var store = AbiStore.Open(location, create: false))
        {
            using var session = store.BeginIngest();
            foreach (var kmod in kmods)
                session.AddKmod(kmod, SyntheticKmods.Source(kmod));
            session.Commit();
        }
        kmodWatch.Stop();
        using (var store = AbiStore.Open(StoreLocation.Resolve(oneSourceDb), create: false))
        {
            using var session = store.BeginIngest();
            foreach (var kmod in kmods)
                session.AddKmod(kmod, SyntheticKmods.Repository);
            session.Commit();
        }
        long withKmods = new FileInfo(db).Length;
        Say($"kmods: {kmodCount} synthetic kmods ({kmods.Sum(k => k.Imports.Length) / (double)kmodCount:0} imports on average, built for {kmods.Select(k => k.Vermagic).Distinct().Count()} of the first {firstMinor.Count} releases, {kmods.Count(k => k.License == "Proprietary")} proprietary) ingested with AddKmod in {kmodWatch.Ms():0} ms; +{(withKmods - bytes) / 1024.0:0} KiB");
        Emit("kmods_ingest_ms", kmodWatch.Ms());
        return failures == 0 ? 0 : 1;

        static string Release(int index) => EnterpriseStream.Release(index);
    }

    /// <summary>What the bytes are: keyframes, deltas, interned names.</summary>
    private static void Layout(string db)
    {
        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        foreach (var row in Rows(connection, "SELECT base_id IS NULL, COUNT(*), SUM(length(data)), MAX(depth), MAX(length(data)) FROM abis GROUP BY 1 ORDER BY 1 DESC"))
        {
            Say($"synthetic: {(row[0] == 1 ? "keyframes" : "deltas   ")} {row[1],5}, {row[2] / 1e6,5:0.0} MB, {row[2] / 1024.0 / row[1],5:0.0} KiB each, largest {row[4] / 1024.0:0.0} KiB (deepest chain {row[3]})");
            Emit(row[0] == 1 ? "keyframes" : "deltas", row[1]);
        }
        var symbols = Rows(connection, "SELECT COUNT(*), SUM(length(name)) FROM symbols").Single();
        var pages = Rows(connection, "SELECT page_count * page_size, freelist_count * page_size FROM pragma_page_count, pragma_page_size, pragma_freelist_count").Single();
        Say($"synthetic: {symbols[0]:N0} interned symbol names ({symbols[1] / 1e6:0.0} MB of text); {pages[1] / 1e6:0.0} MB of free pages in the file");
    }

    private static List<long[]> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<long[]>();
        while (reader.Read())
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? 0 : reader.GetInt64(i))]);
        return rows;
    }

    private static int RoundTrip(StoreLocation location, Dictionary<string, KernelAbi> sampled)
    {
        int failures = 0;
        var loads = new List<double>();
        foreach (var (release, expected) in sampled.OrderBy(s => s.Key, KernelReleases.Comparer))
        {
            // A fresh store each time: a cold load decodes the release's whole delta chain.
            using var store = AbiStore.Open(location, create: false);
            store.BeginSnapshot();
            var watch = Stopwatch.StartNew();
            var stored = store.Kernels().Single(k => k.Release == release);
            var actual = store.LoadKernel(stored);
            loads.Add(watch.Ms());
            var problem = Differs(expected, actual);
            if (problem is not null)
            {
                failures++;
                Console.Error.WriteLine($"StoreBench: ERROR: round trip of {release}: {problem}");
            }
        }
        Say($"round trip: {sampled.Count - failures} of {sampled.Count} sampled releases load exactly as added ({string.Join(", ", sampled.Keys.Order(KernelReleases.Comparer))}); a cold load (open, list, decode the chain) takes {Median(loads):0} ms (median)");
        Emit("roundtrip_samples", sampled.Count);
        Emit("roundtrip_load_ms", Median(loads));
        return failures;
    }

    /// <summary>The release as a Module.symvers file, gzip -9'd (zlib's level 9, as gzip -9): what a distributor keeps.</summary>
    private static long GzippedSymversBytes(KernelAbi kernel)
    {
        var text = new StringBuilder(kernel.Exports.Count * 70);
        foreach (var e in kernel.Exports.Values.OrderBy(e => e.Module, StringComparer.Ordinal).ThenBy(e => e.Symbol, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"0x{e.Crc ?? 0:x8}\t{e.Symbol}\t{e.Module}\t{e.Kind.ToSymversName()}\t{e.Namespace}\n");
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(text.ToString()));
        return output.Length;
    }

    private static string? Differs(KernelAbi expected, KernelAbi actual)
    {
        if (expected.Release != actual.Release || expected.Vermagic != actual.Vermagic || expected.Loader != actual.Loader)
            return $"release, vermagic or loader differ ({actual.Release}, {actual.Vermagic}, {actual.Loader})";
        if (expected.Exports.Count != actual.Exports.Count)
            return $"{actual.Exports.Count} exports, expected {expected.Exports.Count}";
        foreach (var export in expected.Exports.Values)
        {
            if (!actual.TryGetExport(export.Symbol, out var got))
                return $"{export.Symbol} is missing";
            if (got != export)
                return $"{export.Symbol}: {got}, expected {export}";
        }
        return null;
    }
}

using System.Diagnostics;
using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Store;
using static Kabigate.Bench.Figures;

namespace Kabigate.Bench;

/// <summary>Figures 3 and 4: parsing Module.symvers from memory, and diffing two real ABIs in memory and from the store.</summary>
internal static class ReadBench
{
    private const int DiffRuns = 40;
    private const int StoreDiffRuns = 15;

    public static int Parse(string symvers, double seconds)
    {
        var bytes = File.ReadAllBytes(symvers);
        int rows = 0;
        for (int i = 0; i < 20; i++)
            rows = SymversReader.Read(bytes, symvers).Count; // warm up: tiered JIT and PGO settle
        int runs = 0;
        var times = new List<double>();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds)
        {
            var watch = Stopwatch.StartNew();
            rows = SymversReader.Read(bytes, symvers).Count;
            times.Add(watch.Ms());
            runs++;
        }
        total.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        double mbPerSecond = bytes.Length * (double)runs / total.Elapsed.TotalSeconds / 1e6;
        double mbPerCpuSecond = bytes.Length * (double)runs / cpu.TotalSeconds / 1e6;
        Say($"parse: {Path.GetFileName(symvers)} ({bytes.Length / 1e6:0.00} MB, {rows:N0} rows) from memory, {runs} runs in {total.Elapsed.TotalSeconds:0.0} s: {mbPerSecond:0} MB/s ({Median(times):0.00} ms per parse, median); per second of the process's CPU time (GC threads included): {mbPerCpuSecond:0} MB/s");
        Emit("parse_mb_s", mbPerSecond);
        Emit("parse_cpu_mb_s", mbPerCpuSecond);
        Emit("parse_rows", rows);
        return 0;
    }

    public static int Diff(string db, string oldHeaders, string newHeaders)
    {
        var options = new KernelSourceOptions();
        var oldAbi = KernelSourceReader.Read(oldHeaders, options);
        var newAbi = KernelSourceReader.Read(newHeaders, options);
        AbiDiff diff = AbiDiff.Compare(oldAbi, newAbi);
        var inMemory = new List<double>();
        for (int i = 0; i < DiffRuns + 5; i++)
        {
            var watch = Stopwatch.StartNew();
            diff = AbiDiff.Compare(oldAbi, newAbi);
            if (i >= 5)
                inMemory.Add(watch.Ms());
        }

        var location = StoreLocation.Resolve(db);
        var fromStore = new List<double>();
        AbiDiff stored = diff;
        for (int i = 0; i < StoreDiffRuns + 2; i++)
        {
            // What 'kabigate diff OLD NEW --db' does after starting: open, one snapshot, both releases decoded cold.
            var watch = Stopwatch.StartNew();
            using var store = AbiStore.Open(location, create: false);
            store.BeginSnapshot();
            var kernels = store.Kernels();
            var loadedOld = store.LoadKernel(kernels.Single(k => k.Release == oldAbi.Release));
            var loadedNew = store.LoadKernel(kernels.Single(k => k.Release == newAbi.Release));
            stored = AbiDiff.Compare(loadedOld, loadedNew);
            if (i >= 2)
                fromStore.Add(watch.Ms());
        }
        string Counts(AbiDiff d) =>
            $"{d.Count(AbiChangeKind.Added)} added, {d.Count(AbiChangeKind.Removed)} removed, {d.Count(AbiChangeKind.CrcChanged)} CRC changed, " +
            $"{d.Count(AbiChangeKind.ExportRestricted) + d.Count(AbiChangeKind.ExportRelaxed)} kind changed, {d.Count(AbiChangeKind.NamespaceChanged)} namespace changed, {d.Count(AbiChangeKind.Moved)} moved";
        Say($"diff: {oldAbi.Release} → {newAbi.Release} ({oldAbi.Exports.Count:N0} → {newAbi.Exports.Count:N0} exports), in memory: {Median(inMemory):0.0} ms (median of {DiffRuns}); {Counts(diff)}");
        Say($"diff: the same from the store (open, snapshot, decode both, diff): {Median(fromStore):0.0} ms (median of {StoreDiffRuns}); {(Counts(stored) == Counts(diff) ? "same counts" : "DIFFERENT counts: " + Counts(stored))}");
        Emit("diff_ms", Median(inMemory));
        Emit("diff_store_ms", Median(fromStore));
        Console.WriteLine($"@diff_counts=\"{diff.Count(AbiChangeKind.Added)} {diff.Count(AbiChangeKind.Removed)} {diff.Count(AbiChangeKind.CrcChanged)} " +
            $"{diff.Count(AbiChangeKind.ExportRestricted) + diff.Count(AbiChangeKind.ExportRelaxed)} {diff.Count(AbiChangeKind.NamespaceChanged)} {diff.Count(AbiChangeKind.Moved)}\"");
        return Counts(stored) == Counts(diff) ? 0 : 1;
    }
}

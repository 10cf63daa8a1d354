using System.Diagnostics;
using Kabigate.Abi;
using Kabigate.Store;
using static Kabigate.Bench.Figures;

namespace Kabigate.Bench;

/// <summary>
/// Figure 5 in process: the steps of <c>kabigate matrix</c> without rendering, timed apart: the store read, then the
/// verdicts through <see cref="Gate.CheckBySource"/>, the call the matrix operation makes (one engine pass per source,
/// a source split where two of its kmods share a name).
/// </summary>
internal static class MatrixBench
{
    public static int Run(string db, string kernelGlob, int rounds)
    {
        var location = StoreLocation.Resolve(db);
        var best = new double[4];
        Array.Fill(best, double.MaxValue);
        int kmodCount = 0, kernelCount = 0, groups = 0;
        long loads = 0;
        for (int round = 0; round < rounds; round++)
        {
            var phases = new double[4];
            var watch = Stopwatch.StartNew();
            using var store = AbiStore.Open(location, create: false);
            store.BeginSnapshot();
            var storedKmods = store.Kmods();
            var storedKernels = store.Kernels().Where(k => Glob.Matches(kernelGlob, k.Release)).ToList();
            phases[0] = watch.Ms();
            watch.Restart();
            var kmods = storedKmods.Select(store.LoadKmod).ToList();
            phases[1] = watch.Ms();
            watch.Restart();
            var projection = Gate.SymbolsJudged(kmods);
            var kernels = store.LoadKernels(storedKernels, projection);
            phases[2] = watch.Ms();

            watch.Restart();
            var sources = storedKmods.Select(k => k.Source).ToList();
            var verdicts = Gate.CheckBySource(kernels, kmods, sources);
            loads = verdicts.Sum(row => (long)row.Count(v => v.Loads));
            int bySource = Gate.GroupBySource(kmods, sources).Count;
            phases[3] = watch.Ms();
            for (int p = 0; p < phases.Length; p++)
                best[p] = Math.Min(best[p], phases[p]);
            (kmodCount, kernelCount, groups) = (kmods.Count, kernels.Count, bySource);
        }
        double read = best[0] + best[1] + best[2];
        Say($"matrix in process: {kmodCount} kmods × {kernelCount} kernels ({loads:N0} of {(long)kmodCount * kernelCount:N0} pairs load), best of {rounds} per phase: open and list {best[0]:0} ms, decode the kmods {best[1]:0} ms, decode the kernels (projected on {kmodCount} kmods' imports) {best[2]:0} ms, verdicts {best[3]:0} ms ({groups} engine pass{(groups == 1 ? "" : "es")}); {read + best[3]:0} ms in all");
        Emit("matrix_read_ms", read);
        Emit("matrix_check_ms", best[3]);
        Emit("matrix_loads", loads);
        return 0;
    }
}

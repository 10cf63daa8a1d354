using System.Diagnostics;
using Kabigate.Abi;
using Kabigate.Store;
using static Kabigate.Bench.Figures;

namespace Kabigate.Bench;

/// <summary>
/// Figure 5 in process: the steps of <c>kabigate matrix</c> (Kabigate.Cli's MatrixCommand, internal there) without
/// rendering, timed apart: the store read, then the verdicts as the CLI groups kmods (one engine pass per source, a
/// source split where two of its kmods share a name).
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
            var projection = Projection(kmods);
            var kernels = storedKernels.Select(k => store.LoadKernel(k, projection)).ToList();
            phases[2] = watch.Ms();

            watch.Restart();
            var bySource = Groups(kmods, storedKmods.Select(k => k.Source).ToList());
            loads = 0;
            foreach (var group in bySource)
            {
                var report = CompatibilityEngine.Check(kernels, [.. group.Select(i => kmods[i])], new CheckOptions());
                for (int m = 0; m < group.Count; m++)
                {
                    for (int k = 0; k < kernels.Count; k++)
                        loads += report[m, k].Loads ? 1 : 0;
                }
            }
            phases[3] = watch.Ms();
            for (int p = 0; p < phases.Length; p++)
                best[p] = Math.Min(best[p], phases[p]);
            (kmodCount, kernelCount, groups) = (kmods.Count, kernels.Count, bySource.Count);
        }
        double read = best[0] + best[1] + best[2];
        Say($"matrix in process: {kmodCount} kmods × {kernelCount} kernels ({loads:N0} of {(long)kmodCount * kernelCount:N0} pairs load), best of {rounds} per phase: open and list {best[0]:0} ms, decode the kmods {best[1]:0} ms, decode the kernels (projected on {kmodCount} kmods' imports) {best[2]:0} ms, verdicts {best[3]:0} ms ({groups} engine pass{(groups == 1 ? "" : "es")}); {read + best[3]:0} ms in all");
        Emit("matrix_read_ms", read);
        Emit("matrix_check_ms", best[3]);
        Emit("matrix_loads", loads);
        return 0;
    }

    /// <summary>As StoreAccess.Projection: the symbols the kmods import or export, and module_layout.</summary>
    private static HashSet<string> Projection(List<ModuleImage> kmods)
    {
        var symbols = new HashSet<string>(StringComparer.Ordinal) { "module_layout" };
        foreach (var kmod in kmods)
        {
            foreach (var import in kmod.Imports)
                symbols.Add(import.Symbol);
            foreach (var export in kmod.Exports)
                symbols.Add(export.Symbol);
        }
        return symbols;
    }

    /// <summary>As MatrixCommand.Compute groups kmods: by source, split wherever two share a name.</summary>
    private static List<List<int>> Groups(List<ModuleImage> kmods, List<string> sources)
    {
        var groups = new List<List<int>>();
        foreach (var bySource in Enumerable.Range(0, kmods.Count).GroupBy(i => sources[i], StringComparer.Ordinal))
        {
            var open = new List<(HashSet<string> Names, List<int> Members)>();
            foreach (var i in bySource)
            {
                var slot = open.FirstOrDefault(g => !g.Names.Contains(kmods[i].Name));
                if (slot.Members is null)
                {
                    slot = (new HashSet<string>(StringComparer.Ordinal), []);
                    open.Add(slot);
                }
                slot.Names.Add(kmods[i].Name);
                slot.Members.Add(i);
            }
            groups.AddRange(open.Select(g => g.Members));
        }
        return groups;
    }
}

// bench/engine's BenchmarkDotNet half: the loader's rules over real modules and real ABIs, nothing read or written
// while timed. Inputs come from bench/engine (the same modules and kernels as bench/matrix).
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Kabigate.Abi;
using Kabigate.Formats.Sources;

BenchmarkSwitcher.FromAssembly(typeof(EngineBenchmarks).Assembly).Run(args);

/// <summary>Verdicts for every (module, kernel) pair of the in-tree set, as <c>check</c> and the store's matrix ask them.</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private IReadOnlyList<KernelAbi> _kernels = [];
    private IReadOnlyList<ModuleImage> _modules = [];
    private IReadOnlyList<IReadOnlyList<int>> _oneSetEach = [];

    [GlobalSetup]
    public void Setup()
    {
        var tree = Environment.GetEnvironmentVariable("KABIGATE_BENCH_TREE") ?? throw new InvalidOperationException("KABIGATE_BENCH_TREE is not set (run bench/engine)");
        var kernels = (Environment.GetEnvironmentVariable("KABIGATE_BENCH_KERNELS") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        _kernels = [.. kernels.Select(k => SourceContentsReader.Read(k, SourceRole.Kernel, new KernelSourceOptions()).Kernels.Single())];
        _modules = SourceContentsReader.Read(tree, SourceRole.Kmods, new KernelSourceOptions()).Kmods;
        _oneSetEach = [.. Enumerable.Range(0, _modules.Count).Select(m => (IReadOnlyList<int>)[m])];
        Console.WriteLine($"@modules={_modules.Count}");
        Console.WriteLine($"@kernels={_kernels.Count}");
        Console.WriteLine($"@loads-one-set={OneSet()}");
        Console.WriteLine($"@loads-set-per-module={SetPerModule()}");
    }

    /// <summary>One set: the tree as <c>check</c> loads it (its modules satisfy each other's imports).</summary>
    [Benchmark(Baseline = true)]
    public int OneSet() => CompatibilityEngine.Check(_kernels, _modules).Verdicts.Count(v => v.Loads);

    /// <summary>Each module its own set: the store's one-source-per-kmod matrix (in-tree exporters from the kernels).</summary>
    [Benchmark]
    public int SetPerModule() => CompatibilityEngine.CheckSets(_kernels, _modules, _oneSetEach).Sum(row => row.Count(v => v.Loads));
}

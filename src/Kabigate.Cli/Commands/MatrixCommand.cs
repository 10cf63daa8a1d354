using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;
using Kabigate.Store;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate matrix</c>: stored kmods × stored kernels.</summary>
internal static class MatrixCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var format = CommonOptions.Format("text", "json", "csv", "html");
        var kmods = new Option<string[]>("--kmods") { Description = "Stored kmods (names, globs, id:N); all when not given.", HelpName = "GLOB" };
        var kernels = new Option<string[]>("--kernels") { Description = "Stored kernels (releases, lines, globs, id:N); all when not given.", HelpName = "GLOB" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (atomically) instead of stdout.", HelpName = "FILE" };
        var command = new Command("matrix", "Which stored kmod loads on which stored kernel: text, JSON, CSV, or a self-contained HTML page (the reason on hover).\nExit status: 0 every kmod loads on every kernel, 1 some does not, 2 usage, input or store error.")
        {
            db, format, kmods, kernels, output,
        };
        command.SetAction(parse => Run(parse.GetValue(db), parse.GetValue(kmods) ?? [], parse.GetValue(kernels) ?? [], parse.GetValue(format)!, parse.GetValue(output), stdout, stderr));
        return command;
    }

    public static int Run(string? db, IReadOnlyList<string> kmodPatterns, IReadOnlyList<string> kernelPatterns, string format, string? output, TextWriter stdout, TextWriter stderr)
    {
        var timings = new Timings(stderr);
        using var store = StoreAccess.OpenForReading(db);
        var storedKmods = StoreAccess.SelectKmods(store.Kmods(), kmodPatterns);
        var storedKernels = StoreAccess.SelectKernels(store.Kernels(), kernelPatterns);
        var modules = storedKmods.Select(store.LoadKmod).ToList();
        var projection = Gate.SymbolsJudged(modules);
        var abis = storedKernels.Select(k => store.LoadKernel(k, projection)).ToList();
        timings.Mark("load from store");
        var matrix = Compute(abis, modules, storedKmods.Select(k => k.Source).ToList());
        timings.Mark("check");
        var writer = output is null ? stdout : new StringWriter();
        switch (format)
        {
            case "json": MatrixReport.Json(writer, matrix, storedKmods, storedKernels); break;
            case "csv": MatrixReport.Csv(writer, matrix, storedKmods, storedKernels); break;
            case "html": writer.Write(MatrixReport.Html(matrix, storedKmods, storedKernels, store.Location.Display)); break;
            default: writer.Write(MatrixReport.Text(matrix, storedKmods, storedKernels)); break;
        }
        if (output is not null)
        {
            var temporary = output + ".tmp-" + Environment.ProcessId;
            File.WriteAllText(temporary, writer.ToString());
            File.Move(temporary, output, overwrite: true);
        }
        timings.Mark("render");
        return matrix.All(row => row.All(v => v.Loads)) ? ExitCodes.Ok : ExitCodes.Incompatible;
    }

    /// <summary>
    /// The verdicts of stored kmods. Kmods ingested from one source (a package, a driver disk, a build directory) are
    /// loaded together, so they satisfy each other's imports as they would on a machine; kmods from different sources,
    /// often builds of one module for different kernels, are judged apart, and a source is split wherever two of its
    /// kmods share a name. One engine pass per group covers every kernel.
    /// </summary>
    /// <returns>The verdicts, indexed [kmod][kernel].</returns>
    public static Verdict[][] Compute(IReadOnlyList<KernelAbi> kernels, IReadOnlyList<ModuleImage> kmods, IReadOnlyList<string> sources)
    {
        var groups = Gate.GroupBySource(kmods, sources);
        var rows = new Verdict[kmods.Count][];
        foreach (var group in groups)
        {
            var report = CompatibilityEngine.Check(kernels, [.. group.Select(i => kmods[i])], new CheckOptions());
            for (int m = 0; m < group.Count; m++)
                rows[group[m]] = [.. Enumerable.Range(0, kernels.Count).Select(k => report[m, k])];
        }
        return rows;
    }
}

using Kabigate.Abi;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.App.Json;

/// <summary>One module on one kernel in <c>check</c>'s results.</summary>
/// <param name="Kmod">The module.</param>
/// <param name="Kernel">The kernel's release (the kernel is in the document's <c>kernels</c>).</param>
/// <param name="Loads">Whether it loads.</param>
/// <param name="Problems">Why not.</param>
/// <param name="Warnings">The loader's warnings.</param>
public sealed record JsonCheckResult(JsonKmod Kmod, string Kernel, bool Loads, IReadOnlyList<JsonProblem> Problems, IReadOnlyList<JsonProblem> Warnings);

/// <summary><c>check --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Kernels">The kernels.</param>
/// <param name="Results">Every module on every kernel, module-major.</param>
/// <param name="Errors">The inputs that could not be read.</param>
public sealed record CheckDocument(int Schema, IReadOnlyList<JsonKernel> Kernels, IReadOnlyList<JsonCheckResult> Results, IReadOnlyList<JsonSourceError> Errors);

/// <summary>One row of a verdict matrix: a kmod and its verdict on each of the document's kernels, in their order.</summary>
/// <param name="Kmod">The kmod.</param>
/// <param name="Verdicts">One verdict per kernel.</param>
public sealed record JsonMatrixRow(JsonKmod Kmod, IReadOnlyList<JsonVerdict> Verdicts);

/// <summary>
/// <c>matrix</c>, <c>compatible</c> and <c>kmods-for</c> <c>--format json</c>: one shape for kmods × kernels, whichever
/// way it was asked.
/// </summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Kernels">The kernels (columns).</param>
/// <param name="Rows">The kmods (rows).</param>
public sealed record MatrixDocument(int Schema, IReadOnlyList<JsonKernel> Kernels, IReadOnlyList<JsonMatrixRow> Rows);

/// <summary>Maps the verdict results to their documents.</summary>
public static class VerdictDocuments
{
    /// <summary><c>check</c>.</summary>
    public static CheckDocument Check(CheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var report = result.Report;
        var rows = new List<JsonCheckResult>(report.Modules.Count * report.Kernels.Count);
        for (int m = 0; m < report.Modules.Count; m++)
        {
            var kmod = JsonShapes.Kmod(report.Modules[m]);
            for (int k = 0; k < report.Kernels.Count; k++)
            {
                var v = report[m, k];
                rows.Add(new JsonCheckResult(kmod, v.Kernel.Release, v.Loads, JsonShapes.Problems(v.Problems), JsonShapes.Problems(v.Warnings)));
            }
        }
        return new CheckDocument(JsonShapes.Schema, [.. result.Report.Kernels.Select(JsonShapes.Kernel)], rows, JsonShapes.Errors(result.Errors));
    }

    /// <summary><c>matrix</c>.</summary>
    public static MatrixDocument Matrix(MatrixResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Rows(result.Kernels, [.. result.Kmods.Select(JsonShapes.Kmod)], result.Verdicts);
    }

    /// <summary><c>compatible</c>.</summary>
    public static MatrixDocument Compatible(CompatibleResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Rows(result.Kernels, [.. result.Kmods.Select((k, m) => result.Stored[m] is { } s ? JsonShapes.Kmod(s) : JsonShapes.Kmod(k))], result.Verdicts);
    }

    /// <summary><c>kmods-for</c>.</summary>
    public static MatrixDocument KmodsFor(KmodsForResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var kernel = result.Stored is { } stored ? JsonShapes.Kernel(stored) : JsonShapes.Kernel(result.Kernel);
        return new MatrixDocument(JsonShapes.Schema, [kernel],
            [.. result.Kmods.Select((k, i) => new JsonMatrixRow(JsonShapes.Kmod(k), [JsonShapes.Verdict(result.Verdicts[i])]))]);
    }

    private static MatrixDocument Rows(IEnumerable<StoredKernel> kernels, IReadOnlyList<JsonKmod> kmods, Verdict[][] verdicts) =>
        new(JsonShapes.Schema, [.. kernels.Select(JsonShapes.Kernel)],
            [.. kmods.Select((k, m) => new JsonMatrixRow(k, [.. verdicts[m].Select(JsonShapes.Verdict)]))]);
}

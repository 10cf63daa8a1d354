using Kabigate.Abi;
using Kabigate.App.Operations;

namespace Kabigate.App.Json;

/// <summary>A symbol's export on one side of a change.</summary>
/// <param name="Crc">Its CRC.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Module">Its exporter.</param>
public sealed record JsonChangedExport(string? Crc, string Kind, string? Namespace, string Module);

/// <summary>The policy's word for one kmod a change breaks.</summary>
/// <param name="Kmod">The kmod.</param>
/// <param name="Fails">Whether the policy fails the break.</param>
/// <param name="Policy">Which rule or waiver decided.</param>
public sealed record JsonBreak(string Kmod, bool Fails, string Policy);

/// <summary>One change between two kernels, judged.</summary>
/// <param name="Kind">The change's kind.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Old">The old export, or null when added.</param>
/// <param name="New">The new export, or null when removed.</param>
/// <param name="Stablelisted">Whether the symbol is on the stablelist.</param>
/// <param name="Breaking">Whether the change can break a kmod.</param>
/// <param name="Relevant">Whether it makes the diff fail.</param>
/// <param name="Severity"><c>PASS</c> or <c>FAIL</c> for a breaking change, else null.</param>
/// <param name="Policy">Which rule or waiver decided, for a breaking change.</param>
/// <param name="Breaks">The kmods it breaks.</param>
public sealed record JsonChange(string Kind, string Symbol, JsonChangedExport? Old, JsonChangedExport? New, bool Stablelisted, bool Breaking, bool Relevant, string? Severity, string? Policy, IReadOnlyList<JsonBreak> Breaks);

/// <summary>A kmod problem no symbol change explains.</summary>
/// <param name="Kmod">The kmod.</param>
/// <param name="Problem">The problem on the new kernel.</param>
/// <param name="Relevant">Whether the policy fails it.</param>
/// <param name="Policy">Which rule or waiver decided.</param>
public sealed record JsonRegression(string Kmod, JsonProblem Problem, bool Relevant, string Policy);

/// <summary>A kmod on both kernels of a diff.</summary>
/// <param name="Kmod">The kmod.</param>
/// <param name="Old">Its verdict on the old kernel.</param>
/// <param name="New">Its verdict on the new kernel.</param>
public sealed record JsonDiffKmod(JsonKmod Kmod, JsonVerdict Old, JsonVerdict New);

/// <summary><c>diff --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Old">The old kernel.</param>
/// <param name="New">The new kernel.</param>
/// <param name="Stablelist">The stablelist, or null.</param>
/// <param name="Policy">The policy's origin.</param>
/// <param name="Counts">How many changes of each kind.</param>
/// <param name="Relevant">How many changes and regressions the policy fails.</param>
/// <param name="Changes">Every change.</param>
/// <param name="KmodRegressions">Kmod problems no symbol change explains.</param>
/// <param name="Kmods">The kmods judged on both kernels (empty without kmods).</param>
public sealed record DiffDocument(int Schema, JsonKernel Old, JsonKernel New, string? Stablelist, string Policy, IReadOnlyDictionary<string, int> Counts, int Relevant,
    IReadOnlyList<JsonChange> Changes, IReadOnlyList<JsonRegression> KmodRegressions, IReadOnlyList<JsonDiffKmod> Kmods);

/// <summary>A problem of a gate case, with the policy's word.</summary>
/// <param name="Problem">The loader's finding.</param>
/// <param name="Severity"><c>PASS</c> or <c>FAIL</c>.</param>
/// <param name="Fails">Whether it fails the case.</param>
/// <param name="Waiver">The waiver that applied, or null.</param>
/// <param name="ExpiredWaiver">A waiver that would have applied but expired, or null.</param>
/// <param name="Policy">Which rule or waiver decided.</param>
public sealed record JsonGateProblem(JsonProblem Problem, string Severity, bool Fails, string? Waiver, string? ExpiredWaiver, string Policy);

/// <summary>A registered kmod on one kernel under the gate.</summary>
/// <param name="Name">The kmod's name.</param>
/// <param name="Outcome"><c>loads</c>, <c>tolerated</c> or <c>fails</c>.</param>
/// <param name="Passed">Whether it passes.</param>
/// <param name="Build">The build the outcome is about.</param>
/// <param name="BuildsTried">How many builds of it were tried.</param>
/// <param name="Problems">The build's problems, judged.</param>
/// <param name="Warnings">The loader's warnings for the build.</param>
public sealed record JsonGateCase(string Name, string Outcome, bool Passed, JsonKmod Build, int BuildsTried, IReadOnlyList<JsonGateProblem> Problems, IReadOnlyList<JsonProblem> Warnings);

/// <summary>One kernel under the gate.</summary>
/// <param name="Kernel">The kernel.</param>
/// <param name="Passed">Whether every case on it passes.</param>
/// <param name="Kmods">Every registered kmod on it.</param>
public sealed record JsonGateKernel(JsonKernel Kernel, bool Passed, IReadOnlyList<JsonGateCase> Kmods);

/// <summary><c>gate --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Passed">Whether the gate passed.</param>
/// <param name="Policy">The policy's origin.</param>
/// <param name="Stablelist">The stablelist, or null.</param>
/// <param name="Kernels">Every kernel.</param>
public sealed record GateDocument(int Schema, bool Passed, string Policy, string? Stablelist, IReadOnlyList<JsonGateKernel> Kernels);

/// <summary>A kernel package of the source repository under <c>publish-gated</c>.</summary>
/// <param name="Package">Its NEVRA.</param>
/// <param name="Kernel">Its kernel.</param>
/// <param name="Published">Whether it was published.</param>
/// <param name="FailingKmods">The kmods that failed the gate on it.</param>
public sealed record JsonPublishedKernel(string Package, JsonKernel Kernel, bool Published, IReadOnlyList<string> FailingKmods);

/// <summary><c>publish-gated --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="From">The source repository.</param>
/// <param name="To">The gated repository.</param>
/// <param name="Published">How many packages were published.</param>
/// <param name="Omitted">The packages left out.</param>
/// <param name="Kernels">Every kernel package of the source.</param>
public sealed record PublishDocument(int Schema, string From, string To, int Published, IReadOnlyList<string> Omitted, IReadOnlyList<JsonPublishedKernel> Kernels);

/// <summary>Maps diff and gate results to their documents.</summary>
public static class GateDocuments
{
    /// <summary><c>diff</c>.</summary>
    public static DiffDocument Diff(DiffResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var diff = result.Diff;
        var counts = Enum.GetValues<AbiChangeKind>().ToDictionary(k => k.ToJsonName(), k => result.Changes.Count(j => j.Change.Kind == k), StringComparer.Ordinal);
        var changes = result.Changes.Select(j =>
        {
            var breaking = j.Change.Kind.Breaks();
            return new JsonChange(j.Change.Kind.ToJsonName(), j.Change.Symbol, Export(j.Change.Old), Export(j.Change.New), j.Change.Stablelisted, breaking, j.Relevant,
                breaking ? Severity(j.Judgement) : null, breaking ? j.Judgement.Explain() : null,
                [.. j.KmodJudgements.Select(k => new JsonBreak(k.Kmod, k.Judgement.Fails, k.Judgement.Explain()))]);
        }).ToList();
        var regressions = result.Regressions.Select(r => new JsonRegression(r.Kmod, JsonShapes.Problem(r.Problem), r.Judgement.Fails, r.Judgement.Explain())).ToList();
        var kmods = diff.Kmods is { } report
            ? report.Modules.Select((m, i) => new JsonDiffKmod(JsonShapes.Kmod(m), JsonShapes.Verdict(report[i, 0]), JsonShapes.Verdict(report[i, 1]))).ToList()
            : [];
        return new DiffDocument(JsonShapes.Schema, JsonShapes.Kernel(diff.Old), JsonShapes.Kernel(diff.New), result.Stablelist?.Source, result.Policy.Origin, counts,
            result.RelevantCount, changes, regressions, kmods);
    }

    /// <summary><c>gate</c>.</summary>
    public static GateDocument Gate(GateResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var report = result.Report;
        var kernels = report.Kernels.Select(kernel => new JsonGateKernel(JsonShapes.Kernel(kernel), report.KernelPasses(kernel),
            [.. report.Cases.Where(c => ReferenceEquals(c.Kernel, kernel)).Select(Case)])).ToList();
        return new GateDocument(JsonShapes.Schema, report.Passes, result.Policy.Origin, result.Stablelist?.Source, kernels);
    }

    /// <summary><c>publish-gated</c>.</summary>
    public static PublishDocument Publish(PublishGatedResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new PublishDocument(JsonShapes.Schema, result.From, result.To, result.Published.Kept.Count, [.. result.Published.Omitted.Select(p => p.Nevra)],
            [.. result.Kernels.Select(k => new JsonPublishedKernel(k.Package.Nevra, JsonShapes.Kernel(k.Kernel), k.Published, [.. k.Failing.Select(c => c.Kmod)]))]);
    }

    private static JsonGateCase Case(GateCase c) => new(c.Kmod, c.Outcome.ToString().ToLowerInvariant(), c.Passes, JsonShapes.Kmod(c.Build), c.Builds,
        [.. c.Problems.Select(p => new JsonGateProblem(JsonShapes.Problem(p.Problem), Severity(p.Judgement), p.Judgement.Fails, p.Judgement.Waiver?.Describe(),
            p.Judgement.ExpiredWaiver?.Describe(), p.Judgement.Explain()))],
        JsonShapes.Problems(c.Warnings));

    private static string Severity(Judgement judgement) => judgement.Severity == Abi.Severity.Pass ? "PASS" : "FAIL";

    private static JsonChangedExport? Export(KernelExport? export) =>
        export is null ? null : new JsonChangedExport(JsonShapes.Crc(export.Crc), export.Kind.ToSymversName(), export.Namespace, export.Module);
}

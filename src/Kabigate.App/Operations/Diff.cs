using Kabigate.Abi;
using Kabigate.App.Inputs;

namespace Kabigate.App.Operations;

/// <summary>What <c>diff</c> is asked.</summary>
/// <param name="Old">The old kernel: a source or a stored release (or <c>id:N</c>).</param>
/// <param name="New">The new kernel, likewise.</param>
/// <param name="Db">The store, or null for the default.</param>
/// <param name="Kmods">Kmods to judge on both kernels (sources or stored kmods); with kmods, only changes that break one count.</param>
/// <param name="Stablelist">A stablelist (wins over the policy's), or null.</param>
/// <param name="Policy">A policy file, or null for the default (every break fails).</param>
public sealed record DiffRequest(string Old, string New, string? Db, IReadOnlyList<string> Kmods, string? Stablelist = null, string? Policy = null);

/// <summary>One change as the policy judged it.</summary>
/// <param name="Change">The change.</param>
/// <param name="Judgement">The policy's word on it.</param>
/// <param name="KmodJudgements">The policy's word for each kmod it breaks.</param>
/// <param name="Relevant">Whether it makes the diff fail.</param>
public sealed record JudgedChange(AbiChange Change, Judgement Judgement, IReadOnlyList<(string Kmod, Judgement Judgement)> KmodJudgements, bool Relevant);

/// <summary>A kmod's new problem that no symbol change explains (a vermagic that no longer matches), as the policy judged it.</summary>
/// <param name="Kmod">The kmod.</param>
/// <param name="Problem">The problem on the new kernel.</param>
/// <param name="Judgement">The policy's word on it.</param>
public sealed record KmodRegression(string Kmod, Problem Problem, Judgement Judgement);

/// <summary>How a diff came out.</summary>
public enum DiffOutcome
{
    /// <summary>No change the policy fails.</summary>
    NoRelevantChange,

    /// <summary>A change (or a kmod regression) the policy fails.</summary>
    RelevantChange,
}

/// <summary>The diff, judged.</summary>
/// <param name="Diff">What changed, and the kmods' verdicts on both kernels.</param>
/// <param name="Changes">Every change, judged.</param>
/// <param name="Regressions">Kmod problems no symbol change explains, judged.</param>
/// <param name="Policy">The policy.</param>
/// <param name="Stablelist">The stablelist, or null.</param>
/// <param name="RelevantCount">How many changes and regressions the policy fails.</param>
/// <param name="Outcome">How it came out: a relevant change when <paramref name="RelevantCount"/> is not zero.</param>
public sealed record DiffResult(AbiDiff Diff, IReadOnlyList<JudgedChange> Changes, IReadOnlyList<KmodRegression> Regressions, Policy Policy, Stablelist? Stablelist, int RelevantCount, DiffOutcome Outcome);

/// <summary><c>diff</c>: what changed between two kernels, whom it hurts, and whether it matters under the policy.</summary>
public static class DiffOperation
{
    private static readonly Judgement NotABreak = new(Severity.Pass, null, null, null);

    /// <summary>Compares the two kernels and judges every change.</summary>
    /// <exception cref="OperationException">A kmod names nothing or cannot be read.</exception>
    public static DiffResult Run(DiffRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var (policy, list) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
        using var arguments = new KernelArguments(request.Db, log);
        var kmods = request.Kmods.Count > 0 ? arguments.Kmods(request.Kmods) : new KmodSelection([], [], [], []);
        if (kmods.Errors.Count > 0)
            throw new OperationException(kmods.Errors);
        var oldKernel = arguments.Kernel(request.Old);
        var newKernel = arguments.Kernel(request.New);
        var diff = AbiDiff.Compare(oldKernel, newKernel, list, kmods.Kmods);
        var evaluation = policy.Evaluate(DateOnly.FromDateTime(DateTime.UtcNow));
        var judged = Judge(diff, evaluation, kmods.Kmods.Count > 0);
        var regressions = Regressions(diff, evaluation);
        foreach (var warning in evaluation.UnusedWarnings())
            log.Lint(warning);
        var relevant = judged.Count(j => j.Relevant) + regressions.Count(r => r.Judgement.Fails);
        return new DiffResult(diff, judged, regressions, policy, list, relevant, relevant > 0 ? DiffOutcome.RelevantChange : DiffOutcome.NoRelevantChange);
    }

    /// <summary>
    /// Judges every change. A breaking change is relevant when the policy fails it; with kmods, only when it breaks a
    /// kmod and the policy fails that break.
    /// </summary>
    public static List<JudgedChange> Judge(AbiDiff diff, PolicyEvaluation evaluation, bool withKmods)
    {
        ArgumentNullException.ThrowIfNull(diff);
        ArgumentNullException.ThrowIfNull(evaluation);
        var judged = new List<JudgedChange>(diff.Changes.Count);
        foreach (var change in diff.Changes)
        {
            if (!change.Kind.Breaks())
            {
                judged.Add(new JudgedChange(change, NotABreak, [], false));
                continue;
            }
            var export = change.Old ?? change.New!;
            var judgement = evaluation.Judge(change.Symbol, export.Module, export.Namespace, change.Stablelisted, null);
            var perKmod = change.Breaks.Select(k => (k, evaluation.Judge(change.Symbol, export.Module, export.Namespace, change.Stablelisted, k))).ToList();
            bool relevant = withKmods ? perKmod.Any(j => j.Item2.Fails) : judgement.Fails;
            judged.Add(new JudgedChange(change, judgement, perKmod, relevant));
        }
        return judged;
    }

    /// <summary>The problems a kmod has on the new kernel but not the old that no symbol change explains, judged for that kmod.</summary>
    public static List<KmodRegression> Regressions(AbiDiff diff, PolicyEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(diff);
        ArgumentNullException.ThrowIfNull(evaluation);
        var regressions = new List<KmodRegression>();
        if (diff.Kmods is not { } report)
            return regressions;
        for (int m = 0; m < report.Modules.Count; m++)
        {
            var before = report[m, 0].Problems.Select(p => (p.Kind, p.Symbol)).ToHashSet();
            foreach (var problem in report[m, 1].Problems.Where(p => p.Symbol is null && !before.Contains((p.Kind, p.Symbol))))
                regressions.Add(new KmodRegression(report.Modules[m].Name, problem, evaluation.Judge(null, null, null, false, report.Modules[m].Name)));
        }
        return regressions;
    }
}

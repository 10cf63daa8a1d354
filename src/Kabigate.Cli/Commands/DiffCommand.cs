using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>diff</c> was asked.</summary>
internal sealed record DiffRequest(string Old, string New, string? Db, IReadOnlyList<string> Kmods, string? Stablelist, string? Policy, string Format);

/// <summary>One change as the policy judged it.</summary>
internal sealed record JudgedChange(AbiChange Change, Judgement Judgement, IReadOnlyList<(string Kmod, Judgement Judgement)> KmodJudgements, bool Relevant);

/// <summary>A kmod's new problem that is not about one symbol, as the policy judged it.</summary>
internal sealed record KmodRegression(string Kmod, Problem Problem, Judgement Judgement);

/// <summary><c>kabigate diff</c>: what changed between two kernels, whom it hurts, and whether it matters under the policy.</summary>
internal static class DiffCommand
{
    public const string ExitHelp = "Exit status: 0 no relevant change, 1 a relevant change under the policy, 2 usage, input or store error.";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var stablelist = CommonOptions.Stablelist();
        var policy = StoreAccess.Policy();
        var format = CommonOptions.Format("text", "json", "markdown");
        var kmods = new Option<string[]>("--kmods") { Description = "Kmods to judge on both kernels: sources (files, dirs, packages) or stored kmods (names, globs, id:N). Repeatable. With kmods, only changes that break one count.", HelpName = "KMODS" };
        var oldKernel = new Argument<string>("OLD") { Description = "The old kernel: a source ('check --kernel' reads) or a stored release (or id:N)." };
        var newKernel = new Argument<string>("NEW") { Description = "The new kernel, likewise." };
        var command = new Command("diff", "Compare two kernel ABIs: added, removed, CRC changed, became GPL-only, namespace changed, moved; each marked stablelisted or not, with the kmods each change breaks.\n" + ExitHelp)
        {
            db, stablelist, policy, format, kmods, oldKernel, newKernel,
        };
        command.SetAction(parse => Run(new DiffRequest(parse.GetValue(oldKernel)!, parse.GetValue(newKernel)!, parse.GetValue(db), parse.GetValue(kmods) ?? [],
            parse.GetValue(stablelist), parse.GetValue(policy), parse.GetValue(format)!), stdout, stderr));
        return command;
    }

    public static int Run(DiffRequest request, TextWriter stdout, TextWriter stderr)
    {
        var (policy, list) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
        using var arguments = new KernelArguments(request.Db, stderr);
        var (kmods, _, errors) = request.Kmods.Count > 0 ? arguments.Kmods(request.Kmods) : ([], [], []);
        if (errors.Count > 0)
        {
            foreach (var error in errors)
                stderr.WriteLine($"kabigate: ERROR: {error}");
            return ExitCodes.Error;
        }
        var oldKernel = arguments.Kernel(request.Old);
        var newKernel = arguments.Kernel(request.New);
        var diff = AbiDiff.Compare(oldKernel, newKernel, list, kmods);
        var evaluation = policy.Evaluate(DateOnly.FromDateTime(DateTime.UtcNow));
        var judged = Judge(diff, evaluation, kmods.Count > 0);
        foreach (var warning in evaluation.UnusedWarnings())
            stderr.WriteLine(warning);
        var regressions = Regressions(diff, evaluation);
        var relevant = judged.Count(j => j.Relevant) + regressions.Count(r => r.Judgement.Fails);
        switch (request.Format)
        {
            case "json":
                DiffReport.Json(stdout, diff, judged, regressions, policy, list);
                break;
            case "markdown":
                stdout.Write(DiffReport.Markdown(diff, judged, regressions, policy, list));
                break;
            default:
                stdout.Write(DiffReport.Text(diff, judged, regressions, policy, list));
                break;
        }
        return relevant > 0 ? ExitCodes.Incompatible : ExitCodes.Ok;
    }

    /// <summary>
    /// The problems a kmod has on the new kernel but not the old that no symbol change explains (a vermagic that no
    /// longer matches), judged for that kmod.
    /// </summary>
    public static List<KmodRegression> Regressions(AbiDiff diff, PolicyEvaluation evaluation)
    {
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

    private static readonly Judgement NotABreak = new(Severity.Pass, null, null, null);

    /// <summary>
    /// Judges every change. A breaking change is relevant when the policy fails it; with kmods, only when it breaks a
    /// kmod and the policy fails that break.
    /// </summary>
    public static List<JudgedChange> Judge(AbiDiff diff, PolicyEvaluation evaluation, bool withKmods)
    {
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
            bool relevant = (withKmods ? perKmod.Any(j => j.Item2.Fails) : judgement.Fails);
            judged.Add(new JudgedChange(change, judgement, perKmod, relevant));
        }
        return judged;
    }
}

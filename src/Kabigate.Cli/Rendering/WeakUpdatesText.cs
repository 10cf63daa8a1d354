using System.Text;
using Kabigate.Abi;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli.Rendering;

/// <summary>The human report of <c>weak-updates plan</c>: per kernel, one line per module and the reasons below it.</summary>
internal static class WeakUpdatesText
{
    public static string Render(InstalledTree tree, WeakUpdatesPlan plan)
    {
        var text = new StringBuilder();
        var rules = plan.Rules == WeakUpdatesRules.Loader ? "the loader's" : "weak-modules' depmod";
        text.AppendLine($"weak-updates of {tree.Root} ({rules} rules)");
        var width = plan.Decisions.Select(d => d.Module.Length).DefaultIfEmpty(0).Max();
        foreach (var kernel in plan.Kernels)
        {
            text.AppendLine().Append(kernel.Release);
            if (!kernel.IsTarget)
            {
                text.AppendLine($": not a target: {kernel.NotTargetReason}");
                continue;
            }
            text.AppendLine();
            var rows = plan.Decisions.Where(d => d.Kernel == kernel.Release).ToList();
            if (rows.Count == 0)
                text.AppendLine("  no modules of other kernels");
            foreach (var decision in rows)
                Row(text, decision, width, plan.Rules);
        }

        text.AppendLine();
        var targets = plan.Kernels.Count(k => k.IsTarget);
        text.AppendLine($"{plan.Kernels.Count} kernel(s), {targets} target(s): " +
            $"{Count(plan, WeakAction.Link)} to link, {Count(plan, WeakAction.Remove)} to remove, {Count(plan, WeakAction.Keep)} kept, {Count(plan, WeakAction.Skip)} skipped; " +
            $"{plan.Decisions.Count(d => d.LoaderOnly)} refused by the loader only (GPL-only, namespaces, vermagic), which weak-modules would link");
        return text.ToString();
    }

    private static int Count(WeakUpdatesPlan plan, WeakAction action) => plan.Decisions.Count(d => d.Action == action);

    private static void Row(StringBuilder text, WeakDecision d, int width, WeakUpdatesRules rules)
    {
        text.Append("  ").Append(d.Action.ToJsonName().PadRight(7)).Append(d.Module.PadRight(width)).Append("  ");
        var from = d.Candidate is null ? "" : $"from {d.Candidate.Release}: ";
        switch (d.Reason)
        {
            case WeakReason.Compatible:
                text.Append(d.LinkPath).Append(" -> ").Append(d.LinkTarget);
                break;
            case WeakReason.Incompatible:
                text.Append(from).Append("incompatible");
                break;
            case WeakReason.GroupIncompatible:
                text.Append(from).Append($"its group ({string.Join(", ", d.Group)}) links whole or not at all, and {d.Because} is incompatible");
                break;
            case WeakReason.OwnModule:
                text.Append(from).Append($"{d.Because} has its own {d.Module}");
                break;
            case WeakReason.Superseded:
                text.Append(from).Append($"the build installed for {d.Because} is linked");
                break;
            case WeakReason.OtherFlavour:
                text.Append(from).Append("another flavour");
                break;
            case WeakReason.Dangling:
                text.Append(d.LinkPath).Append(" -> ").Append(d.LinkTarget).Append(": dangling");
                break;
            case WeakReason.Duplicate:
                text.Append(d.LinkPath).Append(d.Because is null
                    ? $": {d.Candidate?.Release} has another {d.Module} (updates/ before extra/), which is the one offered"
                    : $": a second link to {d.LinkTarget}; {d.Because} is kept");
                break;
            default:
                text.Append(d.LinkPath).Append(d.LinkTarget is null ? ": not a link; left alone" : $" -> {d.LinkTarget}: not an out-of-tree module of an installed kernel; left alone");
                break;
        }
        if (d.Action == WeakAction.Remove && d.Reason is not (WeakReason.Dangling or WeakReason.Duplicate or WeakReason.Foreign))
            text.Append(" (").Append(d.LinkPath).Append(')');
        text.AppendLine();

        // The deciding rule's findings, in the kernel's or depmod's words; then where the other rule parts.
        if (d.Reason == WeakReason.Incompatible)
        {
            foreach (var problem in rules == WeakUpdatesRules.Loader ? d.Problems : d.DepmodFindings)
                text.Append("      ").AppendLine(rules == WeakUpdatesRules.Loader ? TextReport.Describe(problem) : Depmod(problem));
        }
        if (d.LoaderOnly)
            text.AppendLine("      weak-modules' depmod rule finds nothing: it would link this module");
        else if (d.LoaderCompatible == true && d.DepmodCompatible == false)
            text.AppendLine($"      the loader accepts it; depmod -aeE reports: {string.Join(", ", d.DepmodFindings.Select(Depmod))}");
    }

    /// <summary>A depmod finding in depmod's words.</summary>
    public static string Depmod(Problem finding) => finding.Kind == ProblemKind.UnknownSymbol
        ? $"needs unknown symbol {finding.Symbol}"
        : $"disagrees about version of symbol {finding.Symbol} (kernel {Hex.Crc(finding.Expected) ?? "none"}, module {Hex.Crc(finding.Found) ?? "none"})";
}

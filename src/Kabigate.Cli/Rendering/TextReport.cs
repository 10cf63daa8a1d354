using System.Text;
using Kabigate.Abi;

namespace Kabigate.Cli.Rendering;

/// <summary>The human report of <c>check</c>: a module × kernel table, then each refusal in the kernel's words.</summary>
internal static class TextReport
{
    /// <summary>Renders the report; <paramref name="brief"/> keeps only the modules that fail somewhere and no details.</summary>
    public static string Render(CheckReport report, bool brief)
    {
        var text = new StringBuilder();
        var kernels = report.Kernels;
        var nameWidth = Math.Max("MODULE".Length, report.Modules.Select(m => m.Name.Length).DefaultIfEmpty(0).Max());
        var widths = kernels.Select(k => Math.Max(k.Release.Length, "FAILS (99)".Length)).ToArray();

        text.Append("MODULE".PadRight(nameWidth));
        for (var k = 0; k < kernels.Count; k++)
            text.Append("  ").Append(kernels[k].Release.PadRight(widths[k]));
        text.AppendLine();
        for (var m = 0; m < report.Modules.Count; m++)
        {
            if (brief && Enumerable.Range(0, kernels.Count).All(k => report[m, k].Loads))
                continue;
            text.Append(report.Modules[m].Name.PadRight(nameWidth));
            for (var k = 0; k < kernels.Count; k++)
                text.Append("  ").Append(Cell(report[m, k]).PadRight(widths[k]));
            text.AppendLine();
        }

        if (!brief)
        {
            foreach (var verdict in report.Verdicts.Where(v => !v.Loads))
            {
                text.AppendLine().AppendLine($"{verdict.Module.Name} does not load on {verdict.Kernel.Release} ({verdict.Module.Path}):");
                foreach (var problem in verdict.Problems)
                    text.Append("  ").AppendLine(Describe(problem));
            }
        }

        text.AppendLine();
        if (kernels.Count > 1)
        {
            for (var k = 0; k < kernels.Count; k++)
            {
                var onKernel = Enumerable.Range(0, report.Modules.Count).Count(m => report[m, k].Loads);
                text.AppendLine($"{kernels[k].Release}: {onKernel} load, {report.Modules.Count - onKernel} do not");
            }
        }
        var loads = report.Verdicts.Count(v => v.Loads);
        var warned = report.Verdicts.Count(v => v.Warnings.Count > 0);
        text.AppendLine(
            $"{report.Modules.Count} module(s) x {kernels.Count} kernel(s): {loads} load, {report.Verdicts.Count - loads} do not; {warned} with warnings (see 'kabigate why')");
        return text.ToString();
    }

    private static string Cell(Verdict verdict) =>
        verdict.Loads ? (verdict.Warnings.Count > 0 ? "loads (w)" : "loads") : $"FAILS ({verdict.Problems.Count})";

    /// <summary>One problem on one line: kind, symbol, CRCs, stablelist mark, then the kernel's message.</summary>
    public static string Describe(Problem problem)
    {
        var line = new StringBuilder(problem.Kind.ToJsonName());
        if (problem.Symbol is not null)
            line.Append(' ').Append(problem.Symbol);
        if (problem.Expected is not null || problem.Found is not null)
            line.Append($" (kernel {Hex.Crc(problem.Expected) ?? "none"}, module {Hex.Crc(problem.Found) ?? "none"})");
        if (problem.Stablelisted is bool listed)
            line.Append(listed ? " [stablelisted]" : " [not stablelisted]");
        return line.Append(": ").Append(problem.Message).ToString();
    }
}

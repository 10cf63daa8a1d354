using System.Globalization;
using System.Text;
using Kabigate.Abi;
using Kabigate.App.Json;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>The reports of <c>compatible</c> (a kmod on every stored kernel) and <c>kmods-for</c> (every stored kmod on a kernel).</summary>
internal static class VerdictReports
{
    public static void CompatibleJson(TextWriter stdout, CompatibleResult result) => Json.Write(stdout, VerdictDocuments.Compatible(result));

    public static string CompatibleText(CompatibleResult result)
    {
        var text = new StringBuilder();
        var stored = result.Kernels;
        for (int m = 0; m < result.Kmods.Count; m++)
        {
            var module = result.Kmods[m];
            var loads = Enumerable.Range(0, stored.Count).Where(k => result.Verdicts[m][k].Loads).Select(k => Labels.Kernel(stored[k])).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"{module.Name} (built for {Labels.BuiltFor(module.Vermagic)}, {module.Path}) loads on {loads.Count} of {stored.Count} stored releases{(loads.Count > 0 ? ":" : "")}");
            foreach (var release in loads)
                text.AppendLine(CultureInfo.InvariantCulture, $"  {release}");
            var fails = Enumerable.Range(0, stored.Count).Where(k => !result.Verdicts[m][k].Loads).ToList();
            if (fails.Count == 0)
                continue;
            text.AppendLine("  does not load on:");
            foreach (var k in fails)
            {
                var problems = result.Verdicts[m][k].Problems;
                text.AppendLine(CultureInfo.InvariantCulture, $"  {Labels.Kernel(stored[k])}: {problems[0].Message}{(problems.Count > 1 ? $" (+{problems.Count - 1} more)" : "")}");
            }
        }
        return text.ToString();
    }

    public static void KmodsForJson(TextWriter stdout, KmodsForResult result) => Json.Write(stdout, VerdictDocuments.KmodsFor(result));

    public static string KmodsForText(KmodsForResult result)
    {
        var table = new TextTable("ID", "KMOD", "BUILT FOR", "VERDICT", "FIRST PROBLEM");
        for (int i = 0; i < result.Kmods.Count; i++)
        {
            var kmod = result.Kmods[i];
            var verdict = result.Verdicts[i];
            table.Add(kmod.Id.ToString(CultureInfo.InvariantCulture), kmod.Name, Labels.BuiltFor(kmod.Vermagic), verdict.Loads ? "loads" : "FAILS", verdict.Problems.FirstOrDefault()?.Message ?? "");
        }
        return table.Render() + $"{result.Verdicts.Count(v => v.Loads)} of {result.Kmods.Count} stored kmods load on {result.Kernel.Release}\n";
    }
}

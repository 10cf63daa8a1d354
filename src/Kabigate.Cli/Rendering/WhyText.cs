using System.Text;
using Kabigate.Abi;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>The text of <c>why</c>: the module, then its whole verdict on each kernel.</summary>
internal static class WhyText
{
    public static string Render(WhyResult result)
    {
        var text = new StringBuilder();
        if (result.Module is null)
            return "";
        AppendModule(text, result.Module);
        foreach (var verdict in result.Verdicts)
            AppendVerdict(text, verdict);
        return text.ToString();
    }

    private static void AppendModule(StringBuilder text, ModuleImage module)
    {
        text.AppendLine($"module {module.Name} ({module.Path})");
        text.AppendLine($"  vermagic:    '{module.Vermagic ?? "(none)"}'");
        text.AppendLine($"  license:     {module.License ?? "(none)"} ({(Licenses.IsGplCompatible(module.License) ? "GPL-compatible" : "not GPL-compatible: GPL-only exports are invisible to it")})");
        text.AppendLine($"  modversions: {ModuleDescription.Versions(module)}");
        text.AppendLine($"  import_ns:   {string.Join(", ", module.ImportedNamespaces.DefaultIfEmpty("(none)"))}");
        text.AppendLine($"  imports {module.Imports.Length}, exports {module.Exports.Length}, signed: {(module.Signed ? "yes" : "no")}");
    }

    private static void AppendVerdict(StringBuilder text, Verdict verdict)
    {
        var kernel = verdict.Kernel;
        text.AppendLine();
        text.AppendLine($"kernel {kernel.Release} ({kernel.Source})");
        text.AppendLine(kernel.Vermagic is null
            ? $"  vermagic:    unknown ({kernel.VermagicUnknownReason}): not compared"
            : $"  vermagic:    '{kernel.Vermagic}' ({(verdict.Module.HasBasicVersions ? "release word ignored: the module has __versions" : "compared in full: the module has no __versions")})");
        text.AppendLine($"  loader:      {(kernel.Loader is null ? "configuration unknown: strict defaults assumed" : $"force-load {(kernel.Loader.ForceLoad ? "on" : "off")}, missing namespace imports {(kernel.Loader.AllowMissingNamespaceImports ? "allowed" : "refused")}")}");
        text.AppendLine($"  verdict:     {(verdict.Loads ? "LOADS" : $"DOES NOT LOAD ({verdict.Problems.Count} problem(s))")}{(verdict.Warnings.Count > 0 ? $", {verdict.Warnings.Count} warning(s)" : "")}");
        foreach (var problem in verdict.Problems)
            text.AppendLine($"  problem  {TextReport.Describe(problem)}");
        foreach (var warning in verdict.Warnings)
            text.AppendLine($"  warning  {TextReport.Describe(warning)}");
        text.AppendLine("  imports:");
        foreach (var import in verdict.Imports ?? [])
        {
            var state = import.Exporter is null
                ? (import.Weak ? "weak, unresolved (allowed)" : "exported by nobody")
                : $"from {import.Exporter}{(import.GplOnly ? ", GPL-only" : "")}{(import.Namespace is null ? "" : $", namespace {import.Namespace}")}";
            var crcs = $"kernel {Hex.Crc(import.ExporterCrc) ?? "-"}, module {Hex.Crc(import.ModuleCrc) ?? "-"}";
            var same = import.ExporterCrc is uint a && import.ModuleCrc is uint b ? (a == b ? " same" : " DIFFER") : "";
            text.AppendLine($"    {import.Symbol,-40} {crcs}{same}; {state}");
        }
    }
}

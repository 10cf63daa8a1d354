using System.CommandLine;
using System.Text;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>why</c> was asked.</summary>
internal sealed record WhyRequest(string Module, IReadOnlyList<string> Kernels, IReadOnlyList<string> With, string? Release, string? Stablelist);

/// <summary><c>kabigate why</c>: the whole reasoning behind one module's verdict on each given kernel.</summary>
internal static class WhyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kernels = CommonOptions.Kernels(required: true);
        var release = CommonOptions.Release();
        var stablelist = CommonOptions.Stablelist();
        var with = new Option<string[]>("--with")
        {
            Description = "Other modules loaded with it (files, directories, .debs, apt:PACKAGE), which may export what it needs. MODULE may then be a module name among them.",
            HelpName = "SOURCE",
        };
        var module = new Argument<string>("MODULE") { Description = "The module file, or the name of a module given with --with." };
        var command = new Command("why", "Explain one module's verdict: vermagic, modversions, every import and who exports it, every problem.\n" + ExitCodes.Help)
        {
            kernels, release, stablelist, with, module,
        };
        command.SetAction(parse => Run(
            new WhyRequest(parse.GetValue(module)!, parse.GetValue(kernels)!, parse.GetValue(with) ?? [], parse.GetValue(release), parse.GetValue(stablelist)),
            stdout, stderr));
        return command;
    }

    public static int Run(WhyRequest request, TextWriter stdout, TextWriter stderr)
    {
        var isFile = File.Exists(request.Module) || request.Module.StartsWith(AptCache.Prefix, StringComparison.Ordinal);
        var sources = isFile ? request.With.Prepend(request.Module).ToList() : request.With.ToList();
        var inputs = Inputs.Load(request.Kernels, sources, request.Release, request.Stablelist, stderr);
        Inputs.ReportErrors(inputs, stderr);
        var target = isFile
            ? inputs.Modules.FirstOrDefault(m => m.Path == request.Module || m.Path.StartsWith(request.Module + "!", StringComparison.Ordinal))
            : inputs.Modules.FirstOrDefault(m => m.Name == ModuleNames.Normalize(request.Module));
        if (target is null)
        {
            if (inputs.Errors.Count == 0)
                stderr.WriteLine($"kabigate: ERROR: {request.Module}: no such module file, and no module of that name among --with");
            return ExitCodes.Error;
        }
        var report = CompatibilityEngine.Check(inputs.Kernels, inputs.Modules, new CheckOptions(inputs.Stablelist, Explain: true));
        var index = inputs.Modules.ToList().IndexOf(target);
        var text = new StringBuilder();
        AppendModule(text, target);
        for (var k = 0; k < inputs.Kernels.Count; k++)
            AppendVerdict(text, report[index, k]);
        stdout.Write(text.ToString());
        if (inputs.Errors.Count > 0 || inputs.Kernels.Count == 0)
            return ExitCodes.Error;
        return Enumerable.Range(0, inputs.Kernels.Count).All(k => report[index, k].Loads) ? ExitCodes.Ok : ExitCodes.Incompatible;
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

using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>check</c> was asked.</summary>
internal sealed record CheckRequest(IReadOnlyList<string> Kernels, IReadOnlyList<string> Modules, string? Release, string? Stablelist, string Format, bool Brief);

/// <summary><c>kabigate check</c>: does each module load on each kernel?</summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kernels = CommonOptions.Kernels(required: true);
        var release = CommonOptions.Release();
        var stablelist = CommonOptions.Stablelist();
        var format = CommonOptions.Format("text", "json");
        var brief = new Option<bool>("--brief") { Description = "Text format: only the rows of modules that fail on some kernel, and the summary; no details." };
        var modules = new Argument<string[]>("MODULE")
        {
            Description = "Modules: .ko files (plain, .xz, .zst, .gz), directories searched recursively, .debs, or apt:PACKAGE. They satisfy each other's imports.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("check", "Decide, as the kernel's module loader would, whether each module loads on each kernel.\n" + ExitCodes.Help)
        {
            kernels, release, stablelist, format, brief, modules,
        };
        command.SetAction(parse => Run(
            new CheckRequest(parse.GetValue(kernels)!, parse.GetValue(modules)!, parse.GetValue(release), parse.GetValue(stablelist), parse.GetValue(format)!, parse.GetValue(brief)),
            stdout, stderr));
        return command;
    }

    public static int Run(CheckRequest request, TextWriter stdout, TextWriter stderr)
    {
        if (request.Release is not null && request.Kernels.Count > 1)
        {
            stderr.WriteLine("kabigate: ERROR: --release applies to a single --kernel");
            return ExitCodes.Error;
        }
        var timings = new Timings(stderr);
        var inputs = Inputs.Load(request.Kernels, request.Modules, request.Release, request.Stablelist, stderr);
        timings.Mark("read inputs");
        Inputs.ReportErrors(inputs, stderr);
        var report = CompatibilityEngine.Check(inputs.Kernels, inputs.Modules, new CheckOptions(inputs.Stablelist));
        timings.Mark("check");
        if (request.Format == "json")
            JsonReport.Write(report, inputs.Errors, stdout);
        else if (inputs.Kernels.Count > 0 && inputs.Modules.Count > 0)
            stdout.Write(TextReport.Render(report, request.Brief));
        timings.Mark("render");
        if (inputs.Errors.Count > 0 || inputs.Kernels.Count == 0 || inputs.Modules.Count == 0)
            return ExitCodes.Error;
        return report.AllLoad ? ExitCodes.Ok : ExitCodes.Incompatible;
    }
}

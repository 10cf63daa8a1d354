using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>gate</c> was asked.</summary>
internal sealed record KernelGateRequest(IReadOnlyList<string> Kernels, IReadOnlyList<string> Kmods, bool Store, string? Db, string? Policy, string? Stablelist, string Format, string? Output);

/// <summary><c>kabigate gate</c>: the CI gate for a kernel build.</summary>
internal static class GateCommand
{
    public const string ExitHelp = "Exit status: 0 every registered kmod loads (or its problems are tolerated or waived), 1 some kmod fails under the policy, 2 usage, input, policy or store error (the gate fails closed).";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kernels = new Option<string[]>("--kernel", "-k") { Description = "The kernel build under test: any kernel source, or a stored release (id:N). Repeat for several flavours.", Required = true, HelpName = "SRC" };
        var kmods = new Option<string[]>("--kmods") { Description = "Registered kmods: sources (files, dirs, packages, repositories, driver disks) or stored kmods (names, globs, id:N). Repeatable.", HelpName = "KMODS" };
        var store = new Option<bool>("--store") { Description = "Every kmod in the store is registered." };
        var db = StoreAccess.Db();
        var policy = StoreAccess.Policy();
        var stablelist = CommonOptions.Stablelist();
        var format = CommonOptions.Format("text", "json", "junit", "markdown");
        var output = new Option<string?>("--output", "-o") { Description = "Write the report to this file (atomically) instead of stdout.", HelpName = "FILE" };
        var command = new Command("gate", "The CI gate for a kernel build: every registered kmod is checked on each kernel; a kmod passes when a build of it loads, or when the policy tolerates or waives every problem.\n" + ExitHelp)
        {
            kernels, kmods, store, db, policy, stablelist, format, output,
        };
        command.SetAction(parse => Run(new KernelGateRequest(parse.GetValue(kernels)!, parse.GetValue(kmods) ?? [], parse.GetValue(store), parse.GetValue(db),
            parse.GetValue(policy), parse.GetValue(stablelist), parse.GetValue(format)!, parse.GetValue(output)), stdout, stderr));
        return command;
    }

    public static int Run(KernelGateRequest request, TextWriter stdout, TextWriter stderr)
    {
        if (request.Kmods.Count == 0 && !request.Store)
        {
            stderr.WriteLine("kabigate: ERROR: no kmods registered: give --kmods, --store, or both");
            return ExitCodes.Error;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (policy, list) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
        using var arguments = new KernelArguments(request.Db, stderr);
        var (kmods, sources, errors) = arguments.Kmods(request.Kmods, request.Store);
        var kernels = new List<KernelAbi>();
        foreach (var kernel in request.Kernels)
        {
            try
            {
                kernels.Add(arguments.Kernel(kernel));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(e.Message);
            }
        }
        if (errors.Count > 0)
        {
            foreach (var error in errors)
                stderr.WriteLine($"kabigate: ERROR: {error}");
            stderr.WriteLine("kabigate: ERROR: the gate cannot decide; failing closed");
            return ExitCodes.Error;
        }
        if (kmods.Count == 0)
        {
            stderr.WriteLine("kabigate: ERROR: the registered sources hold no kmods; failing closed");
            return ExitCodes.Error;
        }
        var groups = Gate.GroupBySource(kmods, sources).Select(g => (IReadOnlyList<ModuleImage>)g.Select(i => kmods[i]).ToList()).ToList();
        var evaluation = policy.Evaluate(DateOnly.FromDateTime(DateTime.UtcNow));
        var report = Gate.Evaluate(kernels, groups, evaluation, list);
        foreach (var warning in evaluation.UnusedWarnings())
            stderr.WriteLine(warning);
        var text = request.Format switch
        {
            "json" => GateReportRenderer.Json(report, policy, list),
            "junit" => GateReportRenderer.JUnit(report, policy, clock.Elapsed),
            "markdown" => GateReportRenderer.Markdown(report, policy, list),
            _ => GateReportRenderer.Text(report, policy, list),
        };
        if (request.Output is null)
        {
            stdout.Write(text);
        }
        else
        {
            var temporary = request.Output + ".tmp-" + Environment.ProcessId;
            File.WriteAllText(temporary, text);
            File.Move(temporary, request.Output, overwrite: true);
            stderr.WriteLine($"kabigate: gate {(report.Passes ? "passed" : "FAILED")}: report written to {request.Output}");
        }
        return report.Passes ? ExitCodes.Ok : ExitCodes.Incompatible;
    }
}

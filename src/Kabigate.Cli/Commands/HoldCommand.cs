using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>hold</c> was asked.</summary>
/// <param name="Inputs">The repositories and the install root.</param>
/// <param name="InUse">Judge only the kmods whose modules are loaded.</param>
/// <param name="ProcModules">The /proc/modules to read for <paramref name="InUse"/>, or null for the root's.</param>
/// <param name="Format">text, json or excludes.</param>
/// <param name="Policy">A policy file whose rules and waivers may tolerate a kmod's unmet requirements, or null.</param>
/// <param name="Stablelist">A stablelist (overrides the policy's), or null.</param>
internal sealed record HoldRequest(GateRequest Inputs, bool InUse, string? ProcModules, string Format, string? Policy = null, string? Stablelist = null);

/// <summary><c>kabigate hold</c>: which available kernels would strand an installed kmod?</summary>
internal static class HoldCommand
{
    public const string Help = "Exit status: 0 nothing held, 1 some kernel held back, 2 usage or input error (then nothing is listed).";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var repositories = GateOptions.Repositories();
        var installRoot = GateOptions.InstallRoot();
        var dbPath = GateOptions.DbPath();
        var format = GateOptions.Format();
        var inUse = new Option<bool>("--in-use") { Description = "Judge only the installed kmods with a module listed in /proc/modules (the running system's loaded modules)." };
        var procModules = new Option<string?>("--proc-modules")
        {
            Description = "The /proc/modules file --in-use reads (default: INSTALLROOT/proc/modules).",
            HelpName = "FILE",
        };
        var policy = StoreAccess.Policy();
        var stablelist = CommonOptions.Stablelist();
        var command = new Command("hold", "List the kernel packages the repositories offer on which an installed kmod package would not load (its kABI requirements against the kernel's kABI provides, by CRC), with the reason, and the newest available kernel on which every installed kmod loads. 'excludes' prints one name-[epoch:]version-release.arch per line, for dnf's --exclude.\n" + Help)
        {
            repositories, installRoot, dbPath, inUse, procModules, format, policy, stablelist,
        };
        command.SetAction(parse => Run(
            new HoldRequest(new GateRequest(parse.GetValue(repositories)!, parse.GetValue(installRoot), parse.GetValue(dbPath), DatabaseRequired: true),
                parse.GetValue(inUse), parse.GetValue(procModules), parse.GetValue(format)!, parse.GetValue(policy), parse.GetValue(stablelist)),
            stdout, stderr));
        return command;
    }

    public static int Run(HoldRequest request, TextWriter stdout, TextWriter stderr)
    {
        HashSet<string>? loaded = null;
        if (request.InUse)
        {
            var path = request.ProcModules ?? Path.Join(request.Inputs.InstallRoot ?? "/", "proc/modules");
            try
            {
                loaded = [.. Formats.InputFiles.ReadAllLines(path, Formats.InputLimits.MaxProcModulesBytes).Select(l => l.Split(' ', 2)[0]).Where(n => n.Length > 0)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"kabigate: ERROR: {path}: cannot read the loaded modules: {Formats.InputFailures.WithoutSource(e, path)}");
                return ExitCodes.Error;
            }
        }

        // A kernel is not held back for a kmod whose every unmet requirement the policy tolerates or waives (for the
        // kmod package's name, or one of its modules'). Symbols from kABI provides are vmlinux's.
        var (policy, list) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
        var evaluation = policy.Evaluate(DateOnly.FromDateTime(DateTime.UtcNow));
        bool Tolerated(KmodOnKernel broken) => request.Policy is not null && broken.Unmet.All(u =>
            new[] { broken.Kmod.Name }.Concat(broken.Kmod.ModuleNames).Any(kmod =>
                !evaluation.Judge(u.Requirement.Symbol, "vmlinux", null, list?.Contains(u.Requirement.Symbol ?? "") == true, kmod).Fails));

        var timings = new Timings(stderr);
        var inputs = GateInputReader.Read(request.Inputs);
        timings.Mark("read repositories and rpm database");
        if (GateInputReader.Report(inputs, stderr))
            return ExitCodes.Error;
        var report = KabiGate.Hold(inputs.Installed, inputs.Available, loaded is null ? null : p => p.ModuleNames.Any(loaded.Contains), Tolerated);
        if (request.Policy is not null)
        {
            foreach (var warning in evaluation.UnusedWarnings())
                stderr.WriteLine(warning);
        }
        timings.Mark("hold");
        stdout.Write(request.Format switch
        {
            "json" => GateReports.HoldJson(report, inputs.Database),
            "excludes" => GateReports.Excludes(report.Excluded.Select(e => e.Package)),
            _ => GateReports.HoldText(report),
        });
        return report.Excluded.Any() ? ExitCodes.Incompatible : ExitCodes.Ok;
    }
}

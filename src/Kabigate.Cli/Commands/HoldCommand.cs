using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate hold</c>: which available kernels would strand an installed kmod?</summary>
internal static class HoldCommand
{
    public const string Help = "Exit status: 0 nothing held, 1 some kernel held back, 2 usage or input error (then nothing is listed).";

    public static Command Create(CliContext cli)
    {
        var options = new GateOptions();
        var inUse = new Option<bool>("--in-use") { Description = "Judge only the installed kmods with a module listed in /proc/modules (the running system's loaded modules)." };
        var procModules = new Option<string?>("--proc-modules") { Description = "The /proc/modules file --in-use reads (default: INSTALLROOT/proc/modules).", HelpName = "FILE" };
        var policy = StoreOptions.Policy();
        var stablelist = CommonOptions.Stablelist();
        var command = new Command("hold", "List the kernel packages the repositories offer on which an installed kmod package would not load (its kABI requirements against the kernel's kABI provides, by CRC), with the reason, and the newest available kernel on which every installed kmod loads. 'excludes' prints one name-[epoch:]version-release.arch per line, for dnf's --exclude.\n" + Help)
        {
            inUse, procModules, policy, stablelist,
        };
        foreach (var option in options.All)
            command.Add(option);
        command.SetAction(parse =>
        {
            var result = PackageGates.Hold(new HoldRequest(options.Sources(parse), parse.GetValue(inUse), parse.GetValue(procModules), parse.GetValue(policy), parse.GetValue(stablelist)), cli.Log);
            cli.Stdout.Write(parse.GetValue(options.Format) switch
            {
                "json" => GateReports.HoldJson(result),
                "excludes" => GateReports.Excludes(result.Report.Excluded.Select(e => e.Package)),
                _ => GateReports.HoldText(result.Report),
            });
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

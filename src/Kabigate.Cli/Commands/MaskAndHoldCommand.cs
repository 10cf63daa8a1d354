using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate mask-and-hold</c>: <c>mask</c> and <c>hold</c> from one read (what the dnf plugin runs in mode both).</summary>
internal static class MaskAndHoldCommand
{
    public const string Help = "Exit status: 0 nothing masked or held, 1 some package masked or held back, 2 usage or input error (then nothing is listed).";

    public static Command Create(CliContext cli)
    {
        var options = new GateOptions();
        var inUse = new Option<bool>("--in-use") { Description = "hold judges only the installed kmods with a module listed in /proc/modules (the running system's loaded modules)." };
        var procModules = new Option<string?>("--proc-modules") { Description = "The /proc/modules file --in-use reads (default: INSTALLROOT/proc/modules).", HelpName = "FILE" };
        var policy = StoreOptions.Policy();
        var stablelist = CommonOptions.Stablelist();
        var command = new Command("mask-and-hold", "Answer mask and hold from one read of the repositories and the rpm database (which needs one, as hold does): text prints mask's report then hold's; json one document with both ({\"mask\": ..., \"hold\": ...}, each as its verb prints it); excludes the packages either excludes.\n" + Help)
        {
            inUse, procModules, policy, stablelist,
        };
        foreach (var option in options.All)
            command.Add(option);
        command.SetAction(parse =>
        {
            var result = PackageGates.MaskAndHold(new HoldRequest(options.Sources(parse), parse.GetValue(inUse), parse.GetValue(procModules), parse.GetValue(policy), parse.GetValue(stablelist)), cli.Log);
            cli.Stdout.Write(parse.GetValue(options.Format) switch
            {
                "json" => GateReports.MaskAndHoldJson(result),
                "excludes" => GateReports.Excludes(result.Mask.Report.Excluded.Concat(result.Hold.Report.Excluded.Select(e => e.Package))),
                _ => GateReports.MaskText(result.Mask.Report) + GateReports.HoldText(result.Hold.Report),
            });
            cli.Log.Phase("render");
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

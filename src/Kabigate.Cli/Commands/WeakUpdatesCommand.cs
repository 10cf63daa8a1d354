using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;
using Kabigate.App.Json;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate weak-updates plan|apply</c>: the weak-modules decisions for every installed kernel at once.</summary>
internal static class WeakUpdatesCommand
{
    private const string PlanHelp = "Exit status: 0 nothing to change, 1 links to create or remove, 2 usage or input error.";
    private const string ApplyHelp = "Exit status: 0 the links are as planned (changed or not), 2 usage or input error (nothing is changed then).";

    public static Command Create(CliContext cli) =>
        new("weak-updates", "Decide, like weak-modules but for every installed kernel at once, which out-of-tree modules (lib/modules/R/extra/ and updates/) each other kernel of the same flavour may use through links in its lib/modules/R/weak-updates/.")
        {
            Verb("plan", "Print, per kernel and module, what to do (link, keep, remove, skip) and why, in the kernel's words.\n" + PlanHelp, apply: false, cli),
            Verb("apply", "Create and remove the links the plan calls for, only below the root; with --depmod, then run depmod for each changed kernel.\n" + ApplyHelp, apply: true, cli),
        };

    private static Command Verb(string name, string description, bool apply, CliContext cli)
    {
        var root = new Option<string>("--root")
        {
            Description = "The system's root: every ROOT/lib/modules/RELEASE is a kernel; symvers from lib/modules/R/symvers.gz or boot/symvers-R.gz (.xz, .zst, plain). Default: /.",
            DefaultValueFactory = _ => "/",
            HelpName = "DIR",
        };
        var format = CommonOptions.Format("text", "json");
        var rules = new Option<string>("--rules")
        {
            Description = "What compatible means: 'loader' (the kernel loader's rules: symbols, CRCs, GPL-only, namespaces, vermagic) or 'depmod' (weak-modules' rule: depmod -aeE reports no unknown symbol and no CRC disagreement). Both verdicts are always shown.",
            DefaultValueFactory = _ => "loader",
            HelpName = "RULES",
        };
        rules.AcceptOnlyFromAmong("loader", "depmod");
        var command = new Command(name, description) { root, format, rules };
        Option<bool>? depmod = null;
        if (apply)
        {
            depmod = new Option<bool>("--depmod") { Description = "After changing a kernel's links, run 'depmod -b ROOT -a RELEASE' for it." };
            command.Add(depmod);
        }
        command.SetAction(parse =>
        {
            var rulesChosen = parse.GetValue(rules) == "depmod" ? WeakUpdatesRules.Depmod : WeakUpdatesRules.Loader;
            var result = WeakUpdatesOperation.Run(new WeakUpdatesRequest(parse.GetValue(root)!, rulesChosen, apply, depmod is not null && parse.GetValue(depmod)), cli.Log);
            cli.Log.Errors(result.Tree.Errors.Select(e => e.Message));
            var json = parse.GetValue(format) == "json";
            if (json)
                Json.Write(cli.Stdout, WeakUpdatesDocuments.Of(result, apply));
            else if (!apply)
                cli.Stdout.Write(WeakUpdatesText.Render(result.Tree, result.Plan));
            if (apply && result.Applied is null)
                cli.Log.Error("nothing applied: some files cannot be read, so the plan may be wrong");
            if (result.Applied is { } applied)
            {
                if (!json)
                {
                    foreach (var line in applied.Done)
                        cli.Stdout.WriteLine(line);
                }
                cli.Log.Errors(applied.Errors);
            }
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

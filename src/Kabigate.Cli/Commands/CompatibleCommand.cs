using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate compatible</c>: the stored releases a kmod loads on.</summary>
internal static class CompatibleCommand
{
    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var format = CommonOptions.Format("text", "json");
        var kernels = new Option<string[]>("--kernels") { Description = "Only these stored kernels (releases, lines, id:N; globs).", HelpName = "GLOB" };
        var kmod = new Argument<string>("KMOD") { Description = "A stored kmod (name, glob or id:N; every build of that name), or a .ko file or anything 'check' reads as modules." };
        var command = new Command("compatible", "The stored kernel releases a kmod loads on, and why it fails on the others.\nExit status: 0 it loads on some stored release, 1 on none, 2 usage, input or store error.") { db, format, kernels, kmod };
        command.SetAction(parse =>
        {
            var result = StoredVerdicts.Compatible(new CompatibleRequest(parse.GetValue(db), parse.GetValue(kmod)!, parse.GetValue(kernels) ?? []), cli.Log);
            if (parse.GetValue(format) == "json")
                VerdictReports.CompatibleJson(cli.Stdout, result);
            else
                cli.Stdout.Write(VerdictReports.CompatibleText(result));
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

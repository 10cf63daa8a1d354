using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate kmods-for</c>: the stored kmods that load on a kernel.</summary>
internal static class KmodsForCommand
{
    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var format = CommonOptions.Format("text", "json");
        var kmods = new Option<string[]>("--kmods") { Description = "Only these stored kmods (names, id:N; globs).", HelpName = "GLOB" };
        var kernel = new Argument<string>("KERNEL") { Description = "A stored release (or id:N), or a kernel source ('check --kernel' reads)." };
        var command = new Command("kmods-for", "The stored kmods that load on a kernel, and why the others do not.\n" + KernelsCommand.ReadExit) { db, format, kmods, kernel };
        command.SetAction(parse =>
        {
            var result = StoredVerdicts.KmodsFor(new KmodsForRequest(parse.GetValue(db), parse.GetValue(kernel)!, parse.GetValue(kmods) ?? []), cli.Log);
            if (parse.GetValue(format) == "json")
                VerdictReports.KmodsForJson(cli.Stdout, result);
            else
                cli.Stdout.Write(VerdictReports.KmodsForText(result));
            return ExitCodes.Ok;
        });
        return command;
    }
}

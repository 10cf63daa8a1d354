using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate kmods</c>: the stored kmods.</summary>
internal static class KmodsCommand
{
    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var format = CommonOptions.Format("text", "json");
        var patterns = new Argument<string[]>("PATTERN") { Description = "Names or id:N to list (globs); all when none.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("kmods", "List the stored kmods.\n" + KernelsCommand.ReadExit) { db, format, patterns };
        command.SetAction(parse =>
        {
            var kmods = StoreQueries.Kmods(new ListRequest(parse.GetValue(db), parse.GetValue(patterns) ?? []));
            if (parse.GetValue(format) == "json")
                StoreReports.KmodsJson(cli.Stdout, kmods);
            else
                cli.Stdout.Write(StoreReports.KmodsText(kmods));
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate history</c>: one symbol across every stored release.</summary>
internal static class HistoryCommand
{
    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var format = CommonOptions.Format("text", "json");
        var line = new Option<string[]>("--line") { Description = "Only these kernel lines or releases (globs), e.g. '6.1.0-*-amd64'.", HelpName = "GLOB" };
        var symbol = new Argument<string>("SYMBOL") { Description = "The exported symbol." };
        var command = new Command("history", "A symbol's CRC, export kind, namespace and exporter across every stored release, line by line; changes are marked.\nExit status: 0 answered, 1 the symbol is in no stored release, 2 usage, input or store error.") { db, format, line, symbol };
        command.SetAction(parse =>
        {
            var result = StoreQueries.History(new HistoryRequest(parse.GetValue(db), parse.GetValue(symbol)!, parse.GetValue(line) ?? []));
            if (parse.GetValue(format) == "json")
                StoreReports.HistoryJson(cli.Stdout, result);
            else
                cli.Stdout.Write(StoreReports.HistoryText(result));
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

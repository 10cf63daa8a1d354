using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate greylist</c>: the unlisted symbols stored kmods depend on, ranked.</summary>
internal static class GreylistCommand
{
    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var format = CommonOptions.Format("text", "json", "csv");
        var stablelist = CommonOptions.Stablelist();
        var policy = StoreOptions.Policy();
        var limit = new Option<int>("--limit") { Description = "Show only the first N symbols (0: all).", DefaultValueFactory = _ => 0, HelpName = "N" };
        var kernels = CommonOptions.Many("--kernels", "GLOB", "Count CRC changes over these stored kernels only (globs).");
        var command = new Command("greylist", "The symbols stored kmods import that are not on the stablelist, ranked by how many kmods use them and how often their CRC changed across stored releases.\n" + KernelsCommand.ReadExit)
        {
            db, format, stablelist, policy, limit, kernels,
        };
        command.SetAction(parse =>
        {
            var result = StoreQueries.Greylist(new GreylistRequest(parse.GetValue(db), parse.GetValue(policy), parse.GetValue(stablelist), parse.GetValue(kernels) ?? [], parse.GetValue(limit)));
            switch (parse.GetValue(format))
            {
                case "json": StoreReports.GreylistJson(cli.Stdout, result); break;
                case "csv": StoreReports.GreylistCsv(cli.Stdout, result); break;
                default: cli.Stdout.Write(StoreReports.GreylistText(result)); break;
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}

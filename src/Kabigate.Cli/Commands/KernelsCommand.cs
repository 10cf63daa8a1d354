using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate kernels</c>: the stored kernel releases.</summary>
internal static class KernelsCommand
{
    public const string ReadExit = "Exit status: 0 answered, 2 usage, input or store error.";

    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var format = CommonOptions.Format("text", "json");
        var patterns = new Argument<string[]>("PATTERN") { Description = "Releases, lines or id:N to list (globs); all when none.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("kernels", "List the stored kernel releases, by line and version.\n" + ReadExit) { db, format, patterns };
        command.SetAction(parse =>
        {
            var kernels = StoreQueries.Kernels(new ListRequest(parse.GetValue(db), parse.GetValue(patterns) ?? []));
            if (parse.GetValue(format) == "json")
                StoreReports.KernelsJson(cli.Stdout, kernels);
            else
                cli.Stdout.Write(StoreReports.KernelsText(kernels));
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate matrix</c>: stored kmods × stored kernels.</summary>
internal static class MatrixCommand
{
    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var format = CommonOptions.Format("text", "json", "csv", "html");
        var kmods = CommonOptions.Many("--kmods", "GLOB", "Stored kmods (names, globs, id:N); all when not given.");
        var kernels = CommonOptions.Many("--kernels", "GLOB", "Stored kernels (releases, lines, globs, id:N); all when not given.");
        var output = CommonOptions.Output();
        var command = new Command("matrix", "Which stored kmod loads on which stored kernel: text, JSON, CSV, or a self-contained HTML page (the reason on hover).\nExit status: 0 every kmod loads on every kernel, 1 some does not, 2 usage, input or store error.")
        {
            db, format, kmods, kernels, output,
        };
        command.SetAction(parse =>
        {
            var result = StoredVerdicts.Matrix(new MatrixRequest(parse.GetValue(db), parse.GetValue(kmods) ?? [], parse.GetValue(kernels) ?? []), cli.Log);
            OutputFile.Write(cli.Stdout, parse.GetValue(output), writer =>
            {
                switch (parse.GetValue(format))
                {
                    case "json": MatrixReport.Json(writer, result); break;
                    case "csv": MatrixReport.Csv(writer, result); break;
                    case "html": writer.Write(MatrixReport.Html(result)); break;
                    default: writer.Write(MatrixReport.Text(result)); break;
                }
            });
            cli.Log.Phase("render");
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

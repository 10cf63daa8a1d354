using System.CommandLine;
using Kabigate.App.Reports;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate gate</c>: the CI gate for a kernel build.</summary>
internal static class GateCommand
{
    public const string ExitHelp = "Exit status: 0 every registered kmod loads (or its problems are tolerated or waived), 1 some kmod fails under the policy, 2 usage, input, policy or store error (the gate fails closed).";

    public static Command Create(CliContext cli)
    {
        var kernels = CommonOptions.Many("--kernel", "SRC", "The kernel build under test: any kernel source, or a stored release (id:N). Several (or repeated) for several flavours.", required: true, alias: "-k");
        var kmods = CommonOptions.Many("--kmods", "KMODS", "Registered kmods: sources (files, dirs, packages, repositories, driver disks) or stored kmods (names, globs, id:N). Several, or repeated.");
        var store = new Option<bool>("--store") { Description = "Every kmod in the store is registered." };
        var db = StoreOptions.Db();
        var policy = StoreOptions.Policy();
        var stablelist = CommonOptions.Stablelist();
        var format = CommonOptions.Format("text", "json", "junit", "markdown");
        var output = CommonOptions.Output();
        var command = new Command("gate", "The CI gate for a kernel build: every registered kmod is checked on each kernel; a kmod passes when a build of it loads, or when the policy tolerates or waives every problem.\n" + ExitHelp)
        {
            kernels, kmods, store, db, policy, stablelist, format, output,
        };
        command.SetAction(parse =>
        {
            var result = GateOperation.Run(new Kabigate.App.Operations.GateRequest(parse.GetValue(kernels)!, parse.GetValue(kmods) ?? [], parse.GetValue(store), parse.GetValue(db),
                parse.GetValue(policy), parse.GetValue(stablelist)), cli.Log);
            var text = parse.GetValue(format) switch
            {
                "json" => GateReportRenderer.Json(result),
                "junit" => GateReportRenderer.JUnit(result),
                "markdown" => GateReportRenderer.Markdown(result),
                _ => GateReportRenderer.Text(result),
            };
            var path = parse.GetValue(output);
            OutputFile.Write(cli.Stdout, path, writer => writer.Write(text));
            if (path is not null)
                cli.Log.Note($"gate {(result.Verdict == GateVerdict.Pass ? "passed" : "FAILED")}: report written to {path}");
            return ExitCodes.Of(result.Verdict);
        });
        return command;
    }
}

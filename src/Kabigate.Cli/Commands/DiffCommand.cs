using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate diff</c>: what changed between two kernels, whom it hurts, and whether it matters under the policy.</summary>
internal static class DiffCommand
{
    public const string ExitHelp = "Exit status: 0 no relevant change, 1 a relevant change under the policy, 2 usage, input or store error.";

    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var stablelist = CommonOptions.Stablelist();
        var policy = StoreOptions.Policy();
        var format = CommonOptions.Format("text", "json", "markdown");
        var kmods = new Option<string[]>("--kmods") { Description = "Kmods to judge on both kernels: sources (files, dirs, packages) or stored kmods (names, globs, id:N). Repeatable. With kmods, only changes that break one count.", HelpName = "KMODS" };
        var oldKernel = new Argument<string>("OLD") { Description = "The old kernel: a source ('check --kernel' reads) or a stored release (or id:N)." };
        var newKernel = new Argument<string>("NEW") { Description = "The new kernel, likewise." };
        var command = new Command("diff", "Compare two kernel ABIs: added, removed, CRC changed, became GPL-only, namespace changed, moved; each marked stablelisted or not, with the kmods each change breaks.\n" + ExitHelp)
        {
            db, stablelist, policy, format, kmods, oldKernel, newKernel,
        };
        command.SetAction(parse =>
        {
            var result = DiffOperation.Run(new DiffRequest(parse.GetValue(oldKernel)!, parse.GetValue(newKernel)!, parse.GetValue(db), parse.GetValue(kmods) ?? [],
                parse.GetValue(stablelist), parse.GetValue(policy)), cli.Log);
            switch (parse.GetValue(format))
            {
                case "json": DiffReport.Json(cli.Stdout, result); break;
                case "markdown": cli.Stdout.Write(DiffReport.Markdown(result)); break;
                default: cli.Stdout.Write(DiffReport.Text(result)); break;
            }
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

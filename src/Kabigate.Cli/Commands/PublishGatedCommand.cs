using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary>
/// <c>kabigate publish-gated</c>: repository metadata without the kernel packages that fail the gate, so any
/// yum/dnf/zypper client gets gating without a plugin.
/// </summary>
internal static class PublishGatedCommand
{
    public static Command Create(CliContext cli)
    {
        var from = new Option<string>("--from") { Description = "The source repository: a local directory holding repodata/.", Required = true, HelpName = "REPO" };
        var to = new Option<string>("--to") { Description = "The gated repository to write (package files are hard-linked from REPO, so the same file system).", Required = true, HelpName = "DIR" };
        var kmods = CommonOptions.Many("--kmods", "KMODS", "Registered kmods: sources or stored kmods (names, globs, id:N). Default: the kmod packages of REPO.");
        var store = new Option<bool>("--store") { Description = "Every kmod in the store is registered." };
        var db = StoreOptions.Db();
        var policy = StoreOptions.Policy();
        var stablelist = CommonOptions.Stablelist();
        var format = CommonOptions.Format("text", "json");
        var command = new Command("publish-gated", "Write repository metadata (repomd.xml, primary, filelists, other) that leaves out the kernel packages failing the gate, and their same-release kernel subpackages.\nExit status: 0 every kernel published, 1 some kernels held back, 2 usage, input, policy or store error (nothing published).")
        {
            from, to, kmods, store, db, policy, stablelist, format,
        };
        command.SetAction(parse =>
        {
            var result = PublishGatedOperation.Run(new PublishGatedRequest(parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(kmods) ?? [], parse.GetValue(store), parse.GetValue(db),
                parse.GetValue(policy), parse.GetValue(stablelist)), cli.Log);
            if (parse.GetValue(format) == "json")
                PublishReport.Json(cli.Stdout, result);
            else
                cli.Stdout.Write(PublishReport.Text(result));
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate ingest</c>: kernels and kmods into the store, all or nothing.</summary>
internal static class IngestCommand
{
    public static Command Create(CliContext cli)
    {
        var db = StoreOptions.Db();
        var kernels = new Option<string[]>("--kernel", "-k") { Description = "A source to read as a kernel (anything 'check --kernel' reads). Repeatable.", HelpName = "SRC" };
        var kmods = new Option<string[]>("--kmods") { Description = "A source to read as kmods (anything 'check' reads as modules). Repeatable.", HelpName = "SRC" };
        var release = CommonOptions.Release();
        var sources = new Argument<string[]>("SOURCE")
        {
            Description = "Sources whose kind is found out: Module.symvers, headers and /lib/modules trees, kernel packages and apt:linux-headers-*/linux-image-* are kernels; .ko files, directories of them, kmod packages and driver update disks are kmods; a repository gives both.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("ingest", "Store kernels and kmods in the history. Idempotent (by content) and transactional: all sources are read first, then written in one transaction, or nothing is.\nExit status: 0 stored, 2 usage or input error (nothing written).")
        {
            db, kernels, kmods, release, sources,
        };
        command.SetAction(parse =>
        {
            var summary = IngestOperation.Run(new IngestRequest(parse.GetValue(db), parse.GetValue(sources) ?? [], parse.GetValue(kernels) ?? [], parse.GetValue(kmods) ?? [], parse.GetValue(release)), cli.Log);
            cli.Stdout.Write(IngestText.Render(summary));
            return ExitCodes.Ok;
        });
        return command;
    }
}

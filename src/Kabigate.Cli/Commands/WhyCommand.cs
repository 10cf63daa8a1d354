using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate why</c>: the whole reasoning behind one module's verdict on each given kernel.</summary>
internal static class WhyCommand
{
    public static Command Create(CliContext cli)
    {
        var kernels = CommonOptions.Kernels(required: true);
        var release = CommonOptions.Release();
        var stablelist = CommonOptions.Stablelist();
        var with = new Option<string[]>("--with")
        {
            Description = "Other modules loaded with it (files, directories, .debs, apt:PACKAGE), which may export what it needs. MODULE may then be a module name among them.",
            HelpName = "SOURCE",
        };
        var module = new Argument<string>("MODULE") { Description = "The module file, or the name of a module given with --with." };
        var command = new Command("why", "Explain one module's verdict: vermagic, modversions, every import and who exports it, every problem.\n" + ExitCodes.Help)
        {
            kernels, release, stablelist, with, module,
        };
        command.SetAction(parse =>
        {
            var result = WhyOperation.Run(new WhyRequest(parse.GetValue(module)!, parse.GetValue(kernels)!, parse.GetValue(with) ?? [], parse.GetValue(release), parse.GetValue(stablelist)), cli.Log);
            cli.Log.Errors(result.Errors.Select(e => e.Message));
            cli.Stdout.Write(WhyText.Render(result));
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

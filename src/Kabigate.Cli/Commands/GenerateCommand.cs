using System.CommandLine;
using System.Reflection;
using Kabigate.Cli.Packaging;

namespace Kabigate.Cli.Commands;

/// <summary>
/// <c>kabigate generate man|bash-completion</c> (hidden): the man page and the bash completion, written from this
/// binary's own command tree by packaging/build-packages.sh, so that neither drifts from the verbs.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext cli)
    {
        var what = new Argument<string>("WHAT") { Description = "man (kabigate.1, roff) or bash-completion." };
        what.AcceptOnlyFromAmong("man", "bash-completion");
        var command = new Command("generate", "Write kabigate(1) or the bash completion, from the command tree, to stdout.") { what };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            var root = (RootCommand)parse.RootCommandResult.Command;
            cli.Stdout.Write(parse.GetValue(what) == "man" ? ManPage.Render(root, Version) : BashCompletion.Render(root));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What --version prints (packaging/version.targets sets it from packaging/version.sh).</summary>
    internal static string Version =>
        typeof(GenerateCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}

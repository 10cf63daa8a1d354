using System.CommandLine;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate install-dnf-plugin</c>: the dnf 4 plugin (embedded in the binary) where dnf looks for it.</summary>
internal static class InstallDnfPluginCommand
{
    public static Command Create(CliContext cli)
    {
        var root = new Option<string>("--root")
        {
            Description = "Install under this root instead of / (an image or an --installroot).",
            HelpName = "DIR",
            DefaultValueFactory = _ => "/",
        };
        var command = new Command("install-dnf-plugin", "Install the dnf 4 plugin (kabigate.py) into dnf's plugin directory, found as dnf finds it (PLUGINPATH in ROOT's dnf/const.py), and /etc/dnf/plugins/kabigate.conf unless that exists.\nExit status: 0 installed, 2 dnf not found under ROOT or a file cannot be written.")
        {
            root,
        };
        command.SetAction(parse =>
        {
            var installed = InstallDnfPluginOperation.Run(new InstallDnfPluginRequest(parse.GetValue(root)!));
            cli.Stdout.WriteLine($"installed {installed.Plugin}");
            cli.Stdout.WriteLine(installed.KeptConfiguration ? $"kept {installed.Configuration} (exists)" : $"installed {installed.Configuration}");
            return ExitCodes.Ok;
        });
        return command;
    }
}

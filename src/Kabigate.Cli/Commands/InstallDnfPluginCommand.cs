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
        var kabigate = new Option<string?>("--kabigate")
        {
            Description = "The kabigate binary the new configuration names (an absolute path). Default: this binary.",
            HelpName = "PATH",
        };
        var command = new Command("install-dnf-plugin", "Install the dnf 4 plugin (kabigate.py) into dnf's plugin directory, found as dnf finds it (PLUGINPATH in ROOT's dnf/const.py), and /etc/dnf/plugins/kabigate.conf naming this binary by its absolute path, unless that exists.\nExit status: 0 installed, 2 dnf not found under ROOT or a file cannot be written.")
        {
            root, kabigate,
        };
        command.SetAction(parse =>
        {
            var binary = parse.GetValue(kabigate) ?? ThisBinary();
            var installed = InstallDnfPluginOperation.Run(new InstallDnfPluginRequest(parse.GetValue(root)!, binary));
            cli.Stdout.WriteLine($"installed {installed.Plugin}");
            cli.Stdout.WriteLine(installed.KeptConfiguration ? $"kept {installed.Configuration} (exists)" : $"installed {installed.Configuration} (kabigate = {installed.Kabigate})");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The binary running now: the native one, or under 'dotnet kabigate.dll' the apphost beside the dll.</summary>
    private static string ThisBinary()
    {
        var process = Environment.ProcessPath ?? "";
        if (Path.GetFileNameWithoutExtension(process) != "dotnet" && Path.IsPathFullyQualified(process))
            return process;
        return Path.Combine(AppContext.BaseDirectory, "kabigate");
    }
}

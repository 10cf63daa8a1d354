using System.CommandLine;
using System.CommandLine.Help;
using Kabigate.Cli.Commands;

namespace Kabigate.Cli;

/// <summary>The command-line application: parses the verbs and returns an exit code.</summary>
public static class KabigateApp
{
    /// <summary>Runs one command line with the given writers; returns the exit status (see <see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("kabigate: will each out-of-tree kernel module load on each kernel release? Decided with the kernel loader's own rules, before anything is installed.\n" + ExitCodes.Help)
        {
            CheckCommand.Create(stdout, stderr),
            WhyCommand.Create(stdout, stderr),
            InspectCommand.Create(stdout, stderr),
            IngestCommand.Create(stdout, stderr),
            StoreCommands.Kernels(stdout, stderr),
            StoreCommands.Kmods(stdout, stderr),
            DiffCommand.Create(stdout, stderr),
            StoreCommands.History(stdout, stderr),
            MatrixCommand.Create(stdout, stderr),
            StoreCommands.Compatible(stdout, stderr),
            StoreCommands.KmodsFor(stdout, stderr),
            StoreCommands.GreylistCommand(stdout, stderr),
            GateCommand.Create(stdout, stderr),
            PublishGatedCommand.Create(stdout, stderr),
            MaskCommand.Create(stdout, stderr),
            HoldCommand.Create(stdout, stderr),
            InstallDnfPluginCommand.Create(stdout, stderr),
            WeakUpdatesCommand.Create(stdout, stderr),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            foreach (var error in parse.Errors)
                stderr.WriteLine($"kabigate: ERROR: {error.Message}");
            stderr.WriteLine("Try 'kabigate --help'.");
            return ExitCodes.Error;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Formats.InputFailures.Describe(e) is { } line)
        {
            stderr.WriteLine($"kabigate: ERROR: {line}");
            return ExitCodes.Error;
        }
    }
}

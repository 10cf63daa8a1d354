using System.CommandLine;
using System.CommandLine.Help;
using Kabigate.App;
using Kabigate.Cli.Commands;

namespace Kabigate.Cli;

/// <summary>Where a verb writes: its report on stdout, its diagnostics through <see cref="Diagnostics"/>.</summary>
/// <param name="Stdout">The report.</param>
/// <param name="Log">Errors, warnings, notes, progress.</param>
internal sealed record CliContext(TextWriter Stdout, Diagnostics Log);

/// <summary>The command-line application: parses the verbs and returns an exit code.</summary>
public static class KabigateApp
{
    /// <summary>Runs one command line with the given writers; returns the exit status (see <see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = new CliContext(new TerminalSafeWriter(stdout), new Diagnostics(stderr));
        var root = CreateRoot(cli);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            // System.CommandLine lists the allowed values on lines of their own: one line each, as every error is.
            cli.Log.Errors(parse.Errors.Select(e => string.Join(' ', e.Message.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))));
            stderr.WriteLine("Try 'kabigate --help'.");
            return ExitCodes.Error;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (OperationException e)
        {
            cli.Log.Errors(e.Messages);
            return ExitCodes.Error;
        }
        catch (Exception e) when (Formats.InputFailures.Describe(e) is { } line)
        {
            cli.Log.Error(line);
            return ExitCodes.Error;
        }
    }

    /// <summary>The root command and every verb: the tree the man page and the completion are generated from.</summary>
    internal static RootCommand CreateRoot(CliContext cli) =>
        new RootCommand("kabigate: will each out-of-tree kernel module load on each kernel release? Decided with the kernel loader's own rules, before anything is installed.\n" + ExitCodes.Help)
        {
            CheckCommand.Create(cli),
            WhyCommand.Create(cli),
            InspectCommand.Create(cli),
            IngestCommand.Create(cli),
            KernelsCommand.Create(cli),
            KmodsCommand.Create(cli),
            DiffCommand.Create(cli),
            HistoryCommand.Create(cli),
            MatrixCommand.Create(cli),
            CompatibleCommand.Create(cli),
            KmodsForCommand.Create(cli),
            GreylistCommand.Create(cli),
            GateCommand.Create(cli),
            PublishGatedCommand.Create(cli),
            MaskCommand.Create(cli),
            HoldCommand.Create(cli),
            MaskAndHoldCommand.Create(cli),
            InstallDnfPluginCommand.Create(cli),
            WeakUpdatesCommand.Create(cli),
            ServeCommand.Create(cli),
            ServeCommand.CreateWorker(cli),
            TokenCommand.Create(cli),
            RebuildCommand.Create(cli),
            GenerateCommand.Create(cli),
        };
}

namespace Kabigate.Cli;

/// <summary>The command-line application: parses the verbs and returns an exit code.</summary>
public static class KabigateApp
{
    /// <summary>Runs one command line.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        _ = args;
        _ = stdout;
        stderr.WriteLine("kabigate: ERROR: not built yet");
        return 2;
    }
}

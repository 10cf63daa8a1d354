namespace Kabigate.Cli;

/// <summary>The documented exit status contract; only the entry point returns these.</summary>
public static class ExitCodes
{
    /// <summary>Every module loads on every kernel (or nothing to report).</summary>
    public const int Ok = 0;

    /// <summary>Some module does not load on some kernel.</summary>
    public const int Incompatible = 1;

    /// <summary>Usage error or unreadable/malformed input (the other inputs still get their verdicts).</summary>
    public const int Error = 2;

    /// <summary>The text shown under EXIT STATUS in --help.</summary>
    public const string Help = "Exit status: 0 every module loads, 1 some module does not load, 2 usage or input error.";
}

using Kabigate.App.Operations;

namespace Kabigate.Cli;

/// <summary>The documented exit status contract: every outcome maps to its code here, and only the entry point returns them.</summary>
public static class ExitCodes
{
    /// <summary>Every module loads on every kernel (or nothing to report).</summary>
    public const int Ok = 0;

    /// <summary>Some module does not load on some kernel (or: a relevant change, a failing gate, something excluded).</summary>
    public const int Incompatible = 1;

    /// <summary>Usage error or unreadable/malformed input (the other inputs still get their verdicts).</summary>
    public const int Error = 2;

    /// <summary>The text shown under EXIT STATUS in --help.</summary>
    public const string Help = "Exit status: 0 every module loads, 1 some module does not load, 2 usage or input error.";

    internal static int Of(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.AllLoad => Ok,
        CheckOutcome.SomeFail => Incompatible,
        _ => Error,
    };

    internal static int Of(DiffOutcome outcome) => outcome == DiffOutcome.NoRelevantChange ? Ok : Incompatible;

    internal static int Of(GateVerdict verdict) => verdict == GateVerdict.Pass ? Ok : Incompatible;

    internal static int Of(HistoryOutcome outcome) => outcome == HistoryOutcome.Exported ? Ok : Incompatible;

    internal static int Of(PublishOutcome outcome) => outcome == PublishOutcome.AllPublished ? Ok : Incompatible;

    internal static int Of(PackageGateOutcome outcome) => outcome == PackageGateOutcome.NothingExcluded ? Ok : Incompatible;

    internal static int Of(RebuildPlanOutcome outcome) => outcome == RebuildPlanOutcome.Covered ? Ok : Incompatible;

    internal static int Of(RebuildRunOutcome outcome) => outcome == RebuildRunOutcome.Covered ? Ok : Incompatible;

    internal static int Of(RebuildStatusOutcome outcome) => outcome == RebuildStatusOutcome.Covered ? Ok : Incompatible;

    internal static int Of(WeakUpdatesOutcome outcome) => outcome switch
    {
        WeakUpdatesOutcome.NothingToChange => Ok,
        WeakUpdatesOutcome.Changes => Incompatible,
        _ => Error,
    };
}

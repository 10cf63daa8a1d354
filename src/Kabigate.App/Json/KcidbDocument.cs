using Kabigate.App.Service;

namespace Kabigate.App.Json;

/// <summary>The KCIDB schema version.</summary>
/// <param name="Major">Major (5).</param>
/// <param name="Minor">Minor.</param>
public sealed record KcidbVersion(int Major, int Minor);

/// <summary>A KCIDB checkout: the kernel release as kabigate saw it.</summary>
/// <param name="Id">origin:id.</param>
/// <param name="Origin">kabigate.</param>
/// <param name="TreeName">The kernel line.</param>
/// <param name="GitCommitName">The release.</param>
/// <param name="StartTime">When the run started.</param>
/// <param name="Valid">Always true: the kernel was read.</param>
public sealed record KcidbCheckout(string Id, string Origin, string TreeName, string GitCommitName, string StartTime, bool Valid);

/// <summary>A KCIDB build: the kernel build whose ABI was judged.</summary>
/// <param name="Id">origin:id.</param>
/// <param name="CheckoutId">Its checkout.</param>
/// <param name="Origin">kabigate.</param>
/// <param name="ConfigName">The release.</param>
/// <param name="StartTime">When the run started.</param>
/// <param name="Valid">Always true.</param>
public sealed record KcidbBuild(string Id, string CheckoutId, string Origin, string ConfigName, string StartTime, bool Valid);

/// <summary>What KCIDB's free-form <c>misc</c> carries for kabigate: the outcome, the transition and the kernel's words.</summary>
/// <param name="Outcome">loads, tolerated or fails.</param>
/// <param name="Transition">Against the previous release.</param>
/// <param name="Reasons">The kernel's words.</param>
public sealed record KcidbTestMisc(string Outcome, string Transition, IReadOnlyList<string> Reasons);

/// <summary>A KCIDB test: one kmod on the kernel, path <c>kabi.load.KMOD</c>.</summary>
/// <param name="Id">origin:id.</param>
/// <param name="BuildId">The kernel build.</param>
/// <param name="Origin">kabigate.</param>
/// <param name="Path">kabi.load.KMOD.</param>
/// <param name="Status">PASS or FAIL.</param>
/// <param name="Comment">The first reason, or the outcome.</param>
/// <param name="StartTime">When.</param>
/// <param name="Misc">The details.</param>
public sealed record KcidbTest(string Id, string BuildId, string Origin, string Path, string Status, string Comment, string StartTime, KcidbTestMisc Misc);

/// <summary>Gate runs as a KCIDB v5 submission (checkouts, builds, tests), for KernelCI.</summary>
/// <param name="Version">The schema version.</param>
/// <param name="Checkouts">One per kernel release.</param>
/// <param name="Builds">One per kernel release.</param>
/// <param name="Tests">One per kmod and run.</param>
public sealed record KcidbDocument(KcidbVersion Version, IReadOnlyList<KcidbCheckout> Checkouts, IReadOnlyList<KcidbBuild> Builds, IReadOnlyList<KcidbTest> Tests)
{
    /// <summary>The origin kabigate submits as.</summary>
    public const string Origin = "kabigate";

    /// <summary>The runs as one submission; a kernel gated several times is one checkout and build with a test per run and kmod.</summary>
    public static KcidbDocument From(IReadOnlyList<GateRunReport> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var checkouts = new List<KcidbCheckout>();
        var builds = new List<KcidbBuild>();
        var tests = new List<KcidbTest>();
        foreach (var report in runs)
        {
            var run = report.Run;
            var kernel = $"{Origin}:kernel-{run.KernelId}";
            var start = ServiceDocuments.Time(run.StartedAt);
            if (checkouts.All(c => c.Id != kernel))
            {
                checkouts.Add(new KcidbCheckout(kernel, Origin, run.Line, run.Release, start, true));
                builds.Add(new KcidbBuild(kernel, kernel, Origin, run.Release, start, true));
            }
            foreach (var c in report.Cases)
            {
                tests.Add(new KcidbTest($"{Origin}:run-{run.Id}-{c.Kmod}", kernel, Origin, $"kabi.load.{c.Kmod}", c.Outcome == "fails" ? "FAIL" : "PASS",
                    c.Reasons.Count > 0 ? c.Reasons[0] : c.Outcome, start, new KcidbTestMisc(c.Outcome, c.Transition, c.Reasons)));
            }
        }
        return new KcidbDocument(new KcidbVersion(5, 3), checkouts, builds, tests);
    }
}

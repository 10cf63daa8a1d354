using System.Diagnostics;

namespace Kabigate.Cli;

/// <summary>Phase timings on stderr when KABIGATE_TIMINGS is set: where the time of a run goes.</summary>
internal sealed class Timings(TextWriter stderr)
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("KABIGATE_TIMINGS") is { Length: > 0 };
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _last;

    public void Mark(string phase)
    {
        if (!Enabled)
            return;
        var now = _clock.ElapsedMilliseconds;
        stderr.WriteLine($"kabigate: timing: {phase} {now - _last} ms (total {now} ms, since process start {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:0} ms)");
        _last = now;
    }
}

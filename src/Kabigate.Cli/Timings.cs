using System.Diagnostics;

namespace Kabigate.Cli;

/// <summary>Phase timings on stderr when KABIGATE_TIMINGS is set: where the time of a run goes.</summary>
internal sealed class Timings
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("KABIGATE_TIMINGS") is { Length: > 0 };
    private readonly TextWriter _stderr;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _last;

    public Timings(TextWriter stderr)
    {
        _stderr = stderr;
        if (Enabled)
            _stderr.WriteLine($"kabigate: timing: startup {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:0} ms");
    }

    public void Mark(string phase)
    {
        if (!Enabled)
            return;
        var now = _clock.ElapsedMilliseconds;
        _stderr.WriteLine($"kabigate: timing: {phase} {now - _last} ms");
        _last = now;
    }
}

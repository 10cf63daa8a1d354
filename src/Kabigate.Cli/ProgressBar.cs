using System.Diagnostics;

namespace Kabigate.Cli;

/// <summary>
/// A progress bar on stderr, drawn only when stderr is a terminal and only once the work has taken a second.
/// </summary>
internal sealed class ProgressBar : Kabigate.App.IProgressScope
{
    private const int Width = 30;
    private readonly TextWriter _error;
    private readonly string _label;
    private readonly bool _enabled;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _lastDrawMs = -1000;
    private bool _drawn;

    public ProgressBar(TextWriter error, string label, bool enabled)
    {
        _error = error;
        _label = label;
        _enabled = enabled;
    }

    /// <summary>Whether stderr is an interactive terminal of this process.</summary>
    public static bool StderrIsTerminal(TextWriter error) => ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;

    public void Report((int Done, int Total) value)
    {
        if (!_enabled || _clock.ElapsedMilliseconds < 1000)
            return;
        lock (_lock)
        {
            var now = _clock.ElapsedMilliseconds;
            if (now - _lastDrawMs < 100 && value.Done < value.Total)
                return;
            _lastDrawMs = now;
            var filled = value.Total == 0 ? Width : (int)((long)value.Done * Width / value.Total);
            _error.Write($"\r{_label} [{new string('#', filled)}{new string('.', Width - filled)}] {value.Done}/{value.Total}");
            _drawn = true;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_drawn)
                _error.Write("\r" + new string(' ', _label.Length + Width + 30) + "\r");
        }
    }
}

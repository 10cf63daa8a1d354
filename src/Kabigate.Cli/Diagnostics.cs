using System.Diagnostics;
using System.Text;
using Kabigate.App;

namespace Kabigate.Cli;

/// <summary>
/// The one writer of kabigate's diagnostics on stderr: <c>kabigate: ERROR: …</c>, <c>kabigate: WARNING: …</c>,
/// notes, lint lines, the progress bar and (with KABIGATE_TIMINGS) phase timings. Everything it prints that came from
/// an input is made safe for a terminal first: control characters become <c>\xNN</c>.
/// </summary>
internal sealed class Diagnostics : IOperationLog
{
    private static readonly bool TimingsEnabled = Environment.GetEnvironmentVariable("KABIGATE_TIMINGS") is { Length: > 0 };
    private readonly TextWriter _stderr;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastPhase;

    public Diagnostics(TextWriter stderr)
    {
        _stderr = stderr;
        if (TimingsEnabled)
            Line($"kabigate: timing: startup {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:0} ms");
    }

    /// <summary>Whether any error was printed.</summary>
    public bool HadErrors { get; private set; }

    public void Error(string message)
    {
        HadErrors = true;
        Line("kabigate: ERROR: " + message);
    }

    public void Errors(IEnumerable<string> messages)
    {
        foreach (var message in messages)
            Error(message);
    }

    public void Warning(string message) => Line("kabigate: WARNING: " + message);

    public void Note(string message) => Line("kabigate: " + message);

    public void Lint(string line) => Line(line);

    public IProgressScope Progress(string label) => new ProgressBar(_stderr, label, ProgressBar.StderrIsTerminal(_stderr));

    public void Phase(string name)
    {
        if (!TimingsEnabled)
            return;
        var now = _clock.ElapsedMilliseconds;
        Line($"kabigate: timing: {name} {now - _lastPhase} ms");
        _lastPhase = now;
    }

    private void Line(string line)
    {
        lock (_stderr)
            _stderr.WriteLine(TerminalText.Escape(line));
    }
}

/// <summary>Text from inputs made safe to print on a terminal.</summary>
internal static class TerminalText
{
    /// <summary>Control characters (C0, DEL, C1) as <c>\xNN</c>, so no input can move the cursor, set a title or clear the screen; tabs are kept.</summary>
    public static string Escape(string text, bool keepNewlines = false)
    {
        if (!text.AsSpan().ContainsAnyExcept(Safe))
            return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (NeedsEscape(c) && !(keepNewlines && c == '\n'))
                escaped.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            else
                escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>Whether a character is written as <c>\xNN</c> (every control character but tab, and the Unicode line separators).</summary>
    public static bool NeedsEscape(char c) => c != '\t' && (char.IsControl(c) || c is '\u2028' or '\u2029');

    /// <summary>Printable ASCII, space and tab: text made only of these needs no look at all.</summary>
    public static readonly System.Buffers.SearchValues<char> Safe = System.Buffers.SearchValues.Create(
        "\t\n !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");
}

using System.Text;

namespace Kabigate.Cli;

/// <summary>
/// The report writer of the text formats: what inputs put into a report (module and package names, paths inside
/// packages, symbols) cannot move the cursor, set a window title or clear the screen, since control characters other
/// than newline and tab are written as <c>\xNN</c>. JSON goes to <see cref="Inner"/> untouched (its encoder escapes).
/// </summary>
internal sealed class TerminalSafeWriter(TextWriter inner) : TextWriter
{
    /// <summary>The writer underneath.</summary>
    public TextWriter Inner { get; } = inner;

    public override Encoding Encoding => Inner.Encoding;

    public override void Write(char value)
    {
        if (value != '\n' && TerminalText.NeedsEscape(value))
            Inner.Write(TerminalText.Escape(value.ToString()));
        else
            Inner.Write(value);
    }

    public override void Write(string? value)
    {
        if (value is not null)
            Inner.Write(TerminalText.Escape(value, keepNewlines: true));
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value)
    {
        Write(value);
        Inner.Write('\n');
    }

    public override void Flush() => Inner.Flush();
}

using System.Text;

namespace Kabigate.Cli.Rendering;

/// <summary>
/// Large reports go straight to the process's standard output as bytes; a captured writer (tests, embedding)
/// gets the same bytes as text.
/// </summary>
internal static class StdoutStream
{
    public static void Write(TextWriter stdout, Action<Stream> render)
    {
        // JSON is exact (its encoder escapes what a terminal must not see): past the text formats' escaping writer.
        if (stdout is TerminalSafeWriter safe)
            stdout = safe.Inner;
        if (ReferenceEquals(stdout, Console.Out))
        {
            stdout.Flush();
            using var raw = Console.OpenStandardOutput();
            using var buffered = new BufferedStream(raw, 1 << 16);
            render(buffered);
            return;
        }
        using var memory = new MemoryStream();
        render(memory);
        stdout.Write(Encoding.UTF8.GetString(memory.GetBuffer(), 0, (int)memory.Length));
    }
}

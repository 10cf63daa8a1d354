namespace Kabigate.Cli.Rendering;

/// <summary>Where a report goes: stdout, or a file written atomically (readers never see half a report).</summary>
internal static class OutputFile
{
    public static void Write(TextWriter stdout, string? path, Action<TextWriter> render)
    {
        if (path is null)
        {
            render(stdout);
            return;
        }
        var buffer = new StringWriter();
        render(buffer);
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, buffer.ToString());
        File.Move(temporary, path, overwrite: true);
    }
}

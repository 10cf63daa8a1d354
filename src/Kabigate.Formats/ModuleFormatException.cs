namespace Kabigate.Formats;

/// <summary>
/// The one exception the readers throw for malformed input. It names the source, and where in it the fault is:
/// a byte offset for binary formats, a line number for text.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/>: <see cref="InvalidDataException"/> is sealed, so it cannot be the base.
/// </remarks>
public sealed class ModuleFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="sourcePath">The file (or <c>package!member</c>) being read.</param>
    /// <param name="message">What is wrong, without the path.</param>
    /// <param name="offset">The byte offset of the fault, when binary.</param>
    /// <param name="line">The 1-based line of the fault, when text.</param>
    /// <param name="lineText">The offending line, when text.</param>
    /// <param name="inner">The underlying fault, if any.</param>
    public ModuleFormatException(string sourcePath, string message, long? offset = null, int? line = null, string? lineText = null, Exception? inner = null)
        : base(Compose(sourcePath, message, offset, line, lineText), inner)
    {
        SourcePath = sourcePath;
        Offset = offset;
        Line = line;
        Reason = message;
    }

    /// <summary>The file being read.</summary>
    public string SourcePath { get; }

    /// <summary>The byte offset of the fault, or null.</summary>
    public long? Offset { get; }

    /// <summary>The 1-based line of the fault, or null.</summary>
    public int? Line { get; }

    /// <summary>The message without location.</summary>
    public string Reason { get; }

    private static string Compose(string path, string message, long? offset, int? line, string? lineText)
    {
        if (line is int l)
            return lineText is null ? $"{path}:{l}: {message}" : $"{path}:{l}: {message} | {lineText}";
        return offset is long o ? $"{path}: {message} (at offset 0x{o:x})" : $"{path}: {message}";
    }
}

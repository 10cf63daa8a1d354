using System.IO.MemoryMappedFiles;

namespace Kabigate.Formats.Sources;

/// <summary>
/// Gives a file's bytes as a span through a read-only memory map, so that parsing touches only the pages it
/// reads (a module's symbol table, not its code).
/// </summary>
internal static class MappedFile
{
    /// <summary>The largest file mapped at once (a span is int-indexed).</summary>
    public const long MaxLength = int.MaxValue;

    public delegate T SpanFunc<T>(ReadOnlySpan<byte> data);

    public static unsafe T Use<T>(string path, SpanFunc<T> read)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        var length = stream.Length;
        if (length == 0)
            throw new ModuleFormatException(path, "empty file");
        if (length > MaxLength)
            throw new ModuleFormatException(path, $"file too large ({length} bytes)");
        using var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            return read(new ReadOnlySpan<byte>(pointer + view.PointerOffset, (int)length));
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }
}

using System.Buffers;

namespace Kabigate.Formats;

/// <summary>
/// Gives a file's bytes as a span: one positional read into a pooled buffer. For thousands of small module
/// files this beats a memory map (whose setup and page faults cost more than copying from the page cache).
/// </summary>
internal static class FileBytes
{
    /// <summary>The largest file read at once (a span is int-indexed).</summary>
    public const long MaxLength = int.MaxValue - 64;

    public delegate T SpanFunc<T>(ReadOnlySpan<byte> data);

    /// <summary>
    /// Refuses, before opening it, a path that is not a regular file once symlinks are resolved (opening a FIFO blocks
    /// until a writer comes; devices and /proc files report no size), or is empty.
    /// </summary>
    /// <exception cref="ModuleFormatException">The file is empty or not a regular file.</exception>
    public static void RequireRegularFile(string path)
    {
        InputFiles.RequireRegularFile(path);
        var info = new FileInfo(path);
        if (info.Exists && info.Length == 0)
            throw new ModuleFormatException(path, "empty file, or not a regular file");
    }

    public static T Use<T>(string path, SpanFunc<T> read) => Use(path, MaxLength, read);

    /// <summary>Gives the bytes of a regular file of at most <paramref name="maxLength"/> bytes to <paramref name="read"/>.</summary>
    public static T Use<T>(string path, long maxLength, SpanFunc<T> read)
    {
        RequireRegularFile(path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        if (length == 0)
            throw new ModuleFormatException(path, "empty file");
        if (length > Math.Min(maxLength, MaxLength))
            throw new ModuleFormatException(path, Messages.FileTooLarge(length, Math.Min(maxLength, MaxLength)));
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var total = 0;
            while (total < length)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(total, (int)length - total), total);
                if (n == 0)
                    break; // the file shrank while being read: parse what is there, the reader bounds-checks it
                total += n;
            }
            return read(buffer.AsSpan(0, total));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

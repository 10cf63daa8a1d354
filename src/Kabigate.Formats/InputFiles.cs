using System.Runtime.InteropServices;
using System.Text;

namespace Kabigate.Formats;

/// <summary>
/// The one way readers open a file named by a user or a policy: what the path resolves to (through every symlink) must
/// be a regular file, checked before it is opened, so that a FIFO, a device or a symlink to either is refused instead
/// of blocking or streaming forever; and what is read is capped.
/// </summary>
public static partial class InputFiles
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const uint StatxInode = 0x100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int StatxInodeOffset = 32;
    private const int StatxDeviceMajorOffset = 136;
    private const int StatxDeviceMinorOffset = 140;
    private const int StatxBufferSize = 256;

    /// <summary><c>stx_mode</c>'s offset in <c>struct statx</c>, the same on every architecture.</summary>
    private const int StatxModeOffset = 28;

    private const int FileTypeMask = 0xF000;
    private const int RegularFileType = 0x8000;

    private static bool s_statxMissing;

    /// <summary>
    /// Refuses a path that exists but is not a regular file once symlinks are resolved. A missing path passes (opening
    /// it then reports it missing); a /proc file is regular and passes.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <exception cref="ModuleFormatException">The path is a FIFO, a device, a socket or a directory.</exception>
    public static void RequireRegularFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (FileTypeOf(path) is { } type && type != RegularFileType)
            throw new ModuleFormatException(path, Messages.NotRegularFile(Describe(type)));
    }

    /// <summary>Reads a whole regular file of at most <paramref name="maxBytes"/> bytes (a /proc file included).</summary>
    /// <exception cref="ModuleFormatException">The path is not a regular file, or holds more than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        RequireRegularFile(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        long declared = stream.CanSeek ? stream.Length : 0;
        if (declared > maxBytes)
            throw new ModuleFormatException(path, Messages.InputExceeds(maxBytes));
        using var memory = new MemoryStream((int)Math.Max(declared, 0) + 1);
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (memory.Length + read > maxBytes)
                throw new ModuleFormatException(path, Messages.InputExceeds(maxBytes));
            memory.Write(chunk, 0, read);
        }
        return memory.ToArray();
    }

    /// <summary>Reads a whole regular text file (UTF-8) of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="ModuleFormatException">The path is not a regular file, or holds more than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static string ReadAllText(string path, long maxBytes)
    {
        var bytes = ReadAllBytes(path, maxBytes);
        var text = bytes.AsSpan();
        if (text.StartsWith(Encoding.UTF8.Preamble))
            text = text[Encoding.UTF8.Preamble.Length..];
        return Encoding.UTF8.GetString(text);
    }

    /// <summary>
    /// Reads the lines of a regular text file of at most <paramref name="maxBytes"/> bytes, none longer than
    /// <see cref="InputLimits.MaxLineBytes"/>.
    /// </summary>
    /// <exception cref="ModuleFormatException">
    /// The path is not a regular file, holds more than <paramref name="maxBytes"/>, or a line is too long (with its number).
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static string[] ReadAllLines(string path, long maxBytes)
    {
        var text = ReadAllText(path, maxBytes);
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
            lines = lines[..^1];
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].EndsWith('\r'))
                lines[i] = lines[i][..^1];
            CheckLine(lines[i].Length, path, i + 1);
        }
        return lines;
    }

    /// <summary>Refuses a line longer than <see cref="InputLimits.MaxLineBytes"/>.</summary>
    /// <exception cref="ModuleFormatException">The line is too long.</exception>
    public static void CheckLine(int length, string sourceName, int lineNumber)
    {
        if (length > InputLimits.MaxLineBytes)
            throw new ModuleFormatException(sourceName, Messages.LineTooLong(InputLimits.MaxLineBytes), line: lineNumber);
    }

    /// <summary>
    /// Whether two paths are the same file (device and inode), without following a final symlink; false when either
    /// cannot be examined.
    /// </summary>
    internal static bool SameFile(string first, string second) =>
        Identity(first) is { } a && Identity(second) is { } b && a == b;

    private static (uint Major, uint Minor, ulong Inode)? Identity(string path)
    {
        if (s_statxMissing || !OperatingSystem.IsLinux())
            return null;
        try
        {
            Span<byte> buffer = stackalloc byte[StatxBufferSize];
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxInode, ref MemoryMarshal.GetReference(buffer)) != 0)
                return null;
            return (BitConverter.ToUInt32(buffer[StatxDeviceMajorOffset..]), BitConverter.ToUInt32(buffer[StatxDeviceMinorOffset..]),
                BitConverter.ToUInt64(buffer[StatxInodeOffset..]));
        }
        catch (EntryPointNotFoundException)
        {
            s_statxMissing = true;
            return null;
        }
    }

    /// <summary>The <c>S_IFMT</c> bits of what the path resolves to, or null when it does not exist or cannot be examined.</summary>
    private static int? FileTypeOf(string path)
    {
        if (!s_statxMissing && OperatingSystem.IsLinux())
        {
            try
            {
                Span<byte> buffer = stackalloc byte[StatxBufferSize];
                if (Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
                    return null;
                return BitConverter.ToUInt16(buffer[StatxModeOffset..]) & FileTypeMask;
            }
            catch (EntryPointNotFoundException)
            {
                s_statxMissing = true;
            }
        }

        // Without statx: follow the links, then take a directory for what it is and a zero-length "file" for a
        // FIFO or a device (both report no size).
        FileSystemInfo info = new FileInfo(path);
        if (info.LinkTarget is not null)
            info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
        if (Directory.Exists(info.FullName))
            return 0x4000;
        return info.Exists && new FileInfo(info.FullName).Length == 0 && !info.FullName.StartsWith("/proc/", StringComparison.Ordinal)
            ? 0x1000
            : info.Exists ? RegularFileType : null;
    }

    private static string Describe(int type) => type switch
    {
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x4000 => "a directory",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "not a file",
    };

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, ref byte buffer);
}

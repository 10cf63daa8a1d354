using Kabigate.Abi;
using Kabigate.Formats.Elf;

namespace Kabigate.Formats.Sources;

/// <summary>Reads one module file, plain or compressed (.ko, .ko.xz, .ko.zst, .ko.gz), sniffing its magic bytes.</summary>
/// <remarks>
/// Modules are read in parallel, so memory is budgeted across reads: each may hold up to
/// <see cref="InputLimits.ModuleSharedBytes"/> at once, and one that needs more (a large file, or one decompressing
/// beyond that) first waits until no other read holds more, so that at most one buffer of up to
/// <see cref="InputLimits.MaxModuleBytes"/> exists at a time.
/// </remarks>
public static class ModuleFileReader
{
    /// <summary>The most a module may hold, as a file or decompressed: <see cref="InputLimits.MaxModuleBytes"/>.</summary>
    public const long MaxModuleBytes = InputLimits.MaxModuleBytes;

    /// <summary>Held by the one read that may go beyond <see cref="InputLimits.ModuleSharedBytes"/>.</summary>
    private static readonly SemaphoreSlim s_largeRead = new(1, 1);

    /// <summary>Reads a module file.</summary>
    /// <exception cref="ModuleFormatException">
    /// The file is not a regular file, not a (compressed) module, is malformed, or holds more than
    /// <see cref="MaxModuleBytes"/>.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ModuleImage Read(string path)
    {
        // A FIFO or device reports no length, so it is not "large"; FileBytes refuses it before opening it.
        bool large = new FileInfo(path).Length > InputLimits.ModuleSharedBytes;
        if (large)
            s_largeRead.Wait();
        try
        {
            return FileBytes.Use(path, MaxModuleBytes, data => Read(data, path, holdsLargeRead: large));
        }
        finally
        {
            if (large)
                ReleaseLargeRead();
        }
    }

    /// <summary>Reads a module from bytes, decompressing them first when they are compressed.</summary>
    /// <exception cref="ModuleFormatException">
    /// The bytes are not a (compressed) module, are malformed, or decompress to more than <see cref="MaxModuleBytes"/>.
    /// </exception>
    public static ModuleImage Read(ReadOnlySpan<byte> data, string sourceName) => Read(data, sourceName, holdsLargeRead: false);

    private static ModuleImage Read(ReadOnlySpan<byte> data, string sourceName, bool holdsLargeRead)
    {
        if (ElfModuleReader.IsElf(data))
            return ElfModuleReader.Read(data, sourceName);
        var kind = Compression.Sniff(data);
        if (kind == CompressionKind.None)
            throw new ModuleFormatException(sourceName, "not a kernel module: neither ELF nor a known compression format", 0);
        bool waited = false;
        try
        {
            var plain = Compression.DecompressAll(data, sourceName, MaxModuleBytes, InputLimits.ModuleSharedBytes, holdsLargeRead ? null : () =>
            {
                s_largeRead.Wait();
                waited = true;
            });
            if (!ElfModuleReader.IsElf(plain))
                throw new ModuleFormatException(sourceName, $"not a kernel module: {kind} data that is not ELF inside", 0);
            return ElfModuleReader.Read(plain, sourceName);
        }
        finally
        {
            if (waited)
                ReleaseLargeRead();
        }
    }

    /// <summary>
    /// Frees the large read's buffers before the next may start: they are on the large-object heap, which is collected
    /// only in full collections, so without this each large read (or bomb) would leave its hundreds of MiB behind.
    /// </summary>
    private static void ReleaseLargeRead()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        s_largeRead.Release();
    }
}

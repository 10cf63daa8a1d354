using Kabigate.Abi;
using Kabigate.Formats.Elf;

namespace Kabigate.Formats.Sources;

/// <summary>Reads one module file, plain or compressed (.ko, .ko.xz, .ko.zst, .ko.gz), sniffing its magic bytes.</summary>
public static class ModuleFileReader
{
    /// <summary>The most a compressed module may expand to.</summary>
    public const long MaxModuleBytes = 1L << 30;

    /// <summary>Reads a module file.</summary>
    /// <exception cref="ModuleFormatException">The file is not a (compressed) module or is malformed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ModuleImage Read(string path) => FileBytes.Use(path, data => Read(data, path));

    /// <summary>Reads a module from bytes, decompressing them first when they are compressed.</summary>
    /// <exception cref="ModuleFormatException">The bytes are not a (compressed) module or are malformed.</exception>
    public static ModuleImage Read(ReadOnlySpan<byte> data, string sourceName)
    {
        if (ElfModuleReader.IsElf(data))
            return ElfModuleReader.Read(data, sourceName);
        var kind = Compression.Sniff(data);
        if (kind == CompressionKind.None)
            throw new ModuleFormatException(sourceName, "not a kernel module: neither ELF nor a known compression format", 0);
        var plain = Compression.DecompressAll(data, sourceName, MaxModuleBytes);
        if (!ElfModuleReader.IsElf(plain))
            throw new ModuleFormatException(sourceName, $"not a kernel module: {kind} data that is not ELF inside", 0);
        return ElfModuleReader.Read(plain, sourceName);
    }
}

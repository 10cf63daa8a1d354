namespace Kabigate.Formats;

/// <summary>A compression format, as recognised by its magic bytes (<see cref="Compression.Sniff"/>).</summary>
public enum CompressionKind
{
    /// <summary>Not compressed (no known magic).</summary>
    None,

    /// <summary>gzip (RFC 1952), magic <c>1f 8b</c>. Decoded with the system zlib (<c>libz.so.1</c>).</summary>
    Gzip,

    /// <summary>xz, magic <c>FD 37 7A 58 5A 00</c>. Decoded with the system liblzma (<c>liblzma.so.5</c>).</summary>
    Xz,

    /// <summary>Zstandard, magic <c>28 B5 2F FD</c>. Decoded with the system libzstd (<c>libzstd.so.1</c>).</summary>
    Zstd,

    /// <summary>bzip2, magic <c>BZh</c>. Recognised but not decoded.</summary>
    Bzip2,

    /// <summary>
    /// The lz4 legacy frame (<c>lz4 -l</c>, the kernel's <c>CONFIG_KERNEL_LZ4</c>), magic <c>02 21 4C 18</c>. Decoded with
    /// the system liblz4 (<c>liblz4.so.1</c>).
    /// </summary>
    Lz4Legacy,
}

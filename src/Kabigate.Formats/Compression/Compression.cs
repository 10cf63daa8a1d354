namespace Kabigate.Formats;

/// <summary>
/// Recognises and decompresses the formats kernels and packages are shipped in: gzip (<c>symvers.gz</c>,
/// <c>data.tar.gz</c>), xz (<c>.ko.xz</c>, <c>data.tar.xz</c>), zstd (<c>.ko.zst</c>, <c>data.tar.zst</c>) and the lz4
/// legacy frame (an x86 <c>bzImage</c> payload built with <c>CONFIG_KERNEL_LZ4</c>).
/// </summary>
/// <remarks>
/// All four decoders are the system's native libraries reached through P/Invoke (<c>libz.so.1</c>,
/// <c>liblzma.so.5</c>, <c>libzstd.so.1</c>, <c>liblz4.so.1</c>), loaded on first use. gzip does not use
/// <see cref="System.IO.Compression.GZipStream"/> because that stream ends silently at a truncated input, even one cut
/// inside the deflate data or missing its CRC trailer, and a truncated <c>symvers.gz</c> must be an error rather than
/// a shorter symbol list. Every decoder reports truncation, corruption and trailing garbage as a
/// <see cref="ModuleFormatException"/>, and none decodes more than the caller's output cap plus one byte.
/// </remarks>
public static class Compression
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    private static ReadOnlySpan<byte> XzMagic => [0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00];

    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xb5, 0x2f, 0xfd];

    private static ReadOnlySpan<byte> Bzip2Magic => "BZh"u8;

    private static ReadOnlySpan<byte> Lz4LegacyMagic => Lz4LegacyLayout.MagicBytes;

    /// <summary>The number of leading bytes <see cref="Sniff"/> needs to recognise every format.</summary>
    public const int SniffLength = 6;

    /// <summary>Recognises a compression format by its magic bytes.</summary>
    /// <param name="head">The first bytes of the data; <see cref="SniffLength"/> bytes suffice.</param>
    /// <returns>The format, or <see cref="CompressionKind.None"/> when no magic matches.</returns>
    public static CompressionKind Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(GzipMagic))
            return CompressionKind.Gzip;
        if (head.StartsWith(XzMagic))
            return CompressionKind.Xz;
        if (head.StartsWith(ZstdMagic))
            return CompressionKind.Zstd;
        if (head.StartsWith(Bzip2Magic))
            return CompressionKind.Bzip2;
        if (head.StartsWith(Lz4LegacyMagic))
            return CompressionKind.Lz4Legacy;
        return CompressionKind.None;
    }

    /// <summary>
    /// Wraps a compressed stream in a read-only, forward-only stream of its decompressed bytes. Concatenated gzip
    /// members, xz streams, zstd frames and lz4 legacy frames are decoded one after another.
    /// </summary>
    /// <param name="compressed">The compressed data, read forward only. Disposing the result disposes it.</param>
    /// <param name="kind">The format; <see cref="CompressionKind.None"/> passes the bytes through (still capped).</param>
    /// <param name="sourceName">The name errors report (a path, or <c>package!member</c>).</param>
    /// <param name="maxOutputBytes">The most decompressed bytes the caller accepts.</param>
    /// <returns>The decompressing stream. Its reads throw <see cref="ModuleFormatException"/> for bad data.</returns>
    /// <exception cref="ModuleFormatException">
    /// The format is bzip2 (not supported), or its native library cannot be loaded (the message names the package).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxOutputBytes"/> is negative.</exception>
    public static Stream OpenDecompressing(Stream compressed, CompressionKind kind, string sourceName, long maxOutputBytes)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutputBytes);
        Decoder decoder = kind switch
        {
            CompressionKind.None => new CopyDecoder(),
            CompressionKind.Gzip => new ZlibDecoder(sourceName),
            CompressionKind.Xz => new XzDecoder(sourceName),
            CompressionKind.Zstd => new ZstdDecoder(sourceName),
            CompressionKind.Lz4Legacy => new Lz4Decoder(sourceName),
            CompressionKind.Bzip2 => new Bzip2Decoder(sourceName),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return new DecompressingStream(compressed, decoder, sourceName, maxOutputBytes);
    }

    /// <summary>
    /// Decompresses a whole buffer whose format is sniffed from its magic; uncompressed data is returned as a copy.
    /// </summary>
    /// <param name="data">The possibly compressed bytes.</param>
    /// <param name="sourceName">The name errors report.</param>
    /// <param name="maxOutputBytes">The most decompressed bytes the caller accepts.</param>
    /// <returns>The decompressed bytes.</returns>
    /// <exception cref="ModuleFormatException">
    /// The data is truncated or corrupt, exceeds <paramref name="maxOutputBytes"/>, is bzip2, or needs a native
    /// library that cannot be loaded.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxOutputBytes"/> is negative.</exception>
    public static byte[] DecompressAll(ReadOnlySpan<byte> data, string sourceName, long maxOutputBytes) =>
        DecompressAll(data, sourceName, maxOutputBytes, long.MaxValue, beforeExceeding: null);

    /// <summary>
    /// <see cref="DecompressAll(ReadOnlySpan{byte}, string, long)"/>, calling <paramref name="beforeExceeding"/> once
    /// before the buffer holding the output grows beyond <paramref name="softLimit"/> bytes (a caller's memory budget).
    /// The buffer never grows beyond the cap plus one byte, so a bomb holds at most the cap.
    /// </summary>
    internal static unsafe byte[] DecompressAll(ReadOnlySpan<byte> data, string sourceName, long maxOutputBytes, long softLimit, Action? beforeExceeding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutputBytes);
        var kind = Sniff(data);
        if (kind == CompressionKind.None)
            return data.ToArray();

        // The result is one array, so the cap cannot usefully exceed the largest array.
        long cap = Math.Min(maxOutputBytes, Array.MaxLength - 1);
        fixed (byte* p = data)
        {
            // The span stays pinned while the stream exists: everything is read before the block ends.
            using var input = new UnmanagedMemoryStream(p, data.Length);
            using var output = OpenDecompressing(input, kind, sourceName, cap);
            return ReadToEnd(output, InitialCapacity(data.Length, Math.Min(cap, softLimit)), cap + 1, softLimit, beforeExceeding);
        }
    }

    private static int InitialCapacity(int compressedLength, long maxOutputBytes)
    {
        // A guess of 4:1 (text compresses about that well), never above the cap or the largest array.
        long guess = Math.Min((long)compressedLength * 4 + 4096, Math.Min(maxOutputBytes + 1, Array.MaxLength));
        return (int)guess;
    }

    /// <summary>Reads the stream to its end into one array of at most <paramref name="maxLength"/> bytes.</summary>
    private static byte[] ReadToEnd(Stream stream, int initialCapacity, long maxLength, long softLimit, Action? beforeExceeding)
    {
        var buffer = new byte[Math.Max(initialCapacity, 1)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                // The stream throws once past its cap, which is one below maxLength: a full buffer of maxLength
                // bytes cannot be reached by a stream that ends in time.
                if (buffer.Length >= maxLength)
                    throw new InvalidOperationException("the decompressing stream exceeded its cap");
                long grown = Math.Min((long)buffer.Length * 2, maxLength);
                if (beforeExceeding is not null && grown > softLimit)
                {
                    beforeExceeding();
                    beforeExceeding = null;
                }

                Array.Resize(ref buffer, (int)grown);
            }

            int read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
                break;
            length += read;
        }

        Array.Resize(ref buffer, length);
        return buffer;
    }
}

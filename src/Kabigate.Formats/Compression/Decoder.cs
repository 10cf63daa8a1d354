namespace Kabigate.Formats;

/// <summary>
/// One decompression engine behind a <see cref="DecompressingStream"/>: it turns input bytes into output bytes and
/// says when the compressed data has ended. Engines own native state and throw <see cref="ModuleFormatException"/>
/// for corrupt data.
/// </summary>
internal abstract class Decoder : IDisposable
{
    /// <summary>The format's name in messages: <c>gzip</c>, <c>xz</c>, <c>zstd</c>.</summary>
    internal abstract string Name { get; }

    /// <summary>Decodes as much as fits.</summary>
    /// <param name="input">Compressed bytes not yet consumed. Empty only when <paramref name="inputEnded"/>.</param>
    /// <param name="output">Room for decompressed bytes; never empty.</param>
    /// <param name="inputEnded">Whether <paramref name="input"/> is all that is left of the compressed data.</param>
    /// <param name="consumed">How many input bytes were consumed.</param>
    /// <param name="written">How many output bytes were written.</param>
    /// <returns>True once the compressed data has ended and all its output has been written.</returns>
    internal abstract bool Decode(ReadOnlySpan<byte> input, Span<byte> output, bool inputEnded, out int consumed, out int written);

    /// <summary>Frees the engine's native state.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the engine's native state.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>The identity engine, for <see cref="CompressionKind.None"/>.</summary>
internal sealed class CopyDecoder : Decoder
{
    internal override string Name => "none";

    internal override bool Decode(ReadOnlySpan<byte> input, Span<byte> output, bool inputEnded, out int consumed, out int written)
    {
        int n = Math.Min(input.Length, output.Length);
        input[..n].CopyTo(output);
        consumed = written = n;
        return n == 0 && inputEnded;
    }
}

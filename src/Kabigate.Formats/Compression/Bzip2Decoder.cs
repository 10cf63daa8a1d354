using System.Runtime.InteropServices;

namespace Kabigate.Formats;

/// <summary>
/// <c>bz_stream</c> from bzlib.h, field for field: 80 bytes on LP64 (two pointers, six 32-bit counters, four
/// pointers, with the padding the C compiler inserts before each pointer).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BzStream
{
    /// <summary><c>char *next_in</c>.</summary>
    public byte* NextIn;

    /// <summary><c>unsigned int avail_in</c>.</summary>
    public uint AvailIn;

    /// <summary><c>unsigned int total_in_lo32</c>.</summary>
    public uint TotalInLo32;

    /// <summary><c>unsigned int total_in_hi32</c>.</summary>
    public uint TotalInHi32;

    /// <summary><c>char *next_out</c>.</summary>
    public byte* NextOut;

    /// <summary><c>unsigned int avail_out</c>.</summary>
    public uint AvailOut;

    /// <summary><c>unsigned int total_out_lo32</c>.</summary>
    public uint TotalOutLo32;

    /// <summary><c>unsigned int total_out_hi32</c>.</summary>
    public uint TotalOutHi32;

    /// <summary><c>void *state</c>: the decoder, owned by libbz2.</summary>
    public void* State;

    /// <summary><c>bzalloc</c>; null means malloc.</summary>
    public void* Alloc;

    /// <summary><c>bzfree</c>; null means free.</summary>
    public void* Free;

    /// <summary><c>void *opaque</c>.</summary>
    public void* Opaque;
}

/// <summary>The libbz2 functions the bzip2 decoder calls, resolved once from <c>libbz2.so.1.0</c>.</summary>
internal sealed unsafe class Bzip2Api
{
    internal const string Library = "libbz2.so.1.0";
    internal const string Package = "libbz2-1.0";
    internal const int Ok = 0;
    internal const int StreamEnd = 4;

    private static Bzip2Api? s_shared;

    private Bzip2Api(nint lib, string library, string sourceName)
    {
        DecompressInit = (delegate* unmanaged<BzStream*, int, int, int>)NativeLibraries.Export(lib, library, "BZ2_bzDecompressInit", sourceName);
        Decompress = (delegate* unmanaged<BzStream*, int>)NativeLibraries.Export(lib, library, "BZ2_bzDecompress", sourceName);
        DecompressEnd = (delegate* unmanaged<BzStream*, int>)NativeLibraries.Export(lib, library, "BZ2_bzDecompressEnd", sourceName);
    }

    /// <summary><c>int BZ2_bzDecompressInit(bz_stream *strm, int verbosity, int small)</c>.</summary>
    internal delegate* unmanaged<BzStream*, int, int, int> DecompressInit { get; }

    /// <summary><c>int BZ2_bzDecompress(bz_stream *strm)</c>.</summary>
    internal delegate* unmanaged<BzStream*, int> Decompress { get; }

    /// <summary><c>int BZ2_bzDecompressEnd(bz_stream *strm)</c>.</summary>
    internal delegate* unmanaged<BzStream*, int> DecompressEnd { get; }

    /// <summary>The process-wide instance, loaded on first use.</summary>
    /// <exception cref="ModuleFormatException">libbz2 cannot be loaded.</exception>
    internal static Bzip2Api Shared(string sourceName) =>
        s_shared ??= new(NativeLibraries.Load(Library, "bzip2", Package, sourceName), Library, sourceName);

    /// <summary>bzlib.h's error codes in words.</summary>
    internal static string Describe(int ret) => ret switch
    {
        -1 => "sequence error",
        -2 => "parameter error",
        -3 => "out of memory",
        -4 => "data integrity error (corrupt data)",
        -5 => "not bzip2 data (bad magic)",
        -7 => "unexpected end of data",
        _ => $"error {ret}",
    };
}

/// <summary>
/// Decodes bzip2 through libbz2, one stream after another (pbzip2 and some packagers concatenate streams). The data
/// has ended when the input is exhausted right after a complete stream.
/// </summary>
internal sealed unsafe class Bzip2Decoder : Decoder
{
    private readonly Bzip2Api _api;
    private readonly string _sourceName;
    private readonly BzStream* _stream;
    private bool _open;
    private bool _atStreamEnd;
    private bool _sawInput;

    internal Bzip2Decoder(string sourceName)
    {
        _api = Bzip2Api.Shared(sourceName);
        _sourceName = sourceName;
        _stream = (BzStream*)NativeMemory.AllocZeroed((nuint)sizeof(BzStream));
        Open();
    }

    internal override string Name => "bzip2";

    private void Open()
    {
        *_stream = default;
        var ret = _api.DecompressInit(_stream, 0, 0);
        if (ret != Bzip2Api.Ok)
            throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, Bzip2Api.Describe(ret)));
        _open = true;
    }

    internal override bool Decode(ReadOnlySpan<byte> input, Span<byte> output, bool inputEnded, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        if (_atStreamEnd)
        {
            if (input.IsEmpty)
                return inputEnded && _sawInput;
            _api.DecompressEnd(_stream);
            _open = false;
            Open(); // another stream follows
            _atStreamEnd = false;
        }
        fixed (byte* inPtr = input)
        fixed (byte* outPtr = output)
        {
            _stream->NextIn = inPtr;
            _stream->AvailIn = (uint)Math.Min(input.Length, int.MaxValue);
            _stream->NextOut = outPtr;
            _stream->AvailOut = (uint)Math.Min(output.Length, int.MaxValue);
            var ret = _api.Decompress(_stream);
            consumed = input.Length - (int)_stream->AvailIn;
            written = output.Length - (int)_stream->AvailOut;
            if (ret == Bzip2Api.StreamEnd)
                _atStreamEnd = true;
            else if (ret != Bzip2Api.Ok)
                throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, Bzip2Api.Describe(ret)));
        }
        if (consumed > 0 || written > 0)
            _sawInput = true;
        return _atStreamEnd && inputEnded && consumed == input.Length && _sawInput;
    }

    protected override void Dispose(bool disposing)
    {
        if (_open)
            _api.DecompressEnd(_stream);
        _open = false;
        NativeMemory.Free(_stream);
        base.Dispose(disposing);
    }
}

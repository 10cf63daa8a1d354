using System.Runtime.InteropServices;

namespace Kabigate.Formats;

/// <summary>
/// <c>z_stream</c> from zlib's <c>zlib.h</c>, field for field. On LP64 Linux it is 112 bytes: <c>uInt</c> is 4
/// bytes (followed by padding) and <c>uLong</c> is C <c>unsigned long</c>, 8 bytes. All zeros means the default
/// allocator (<c>Z_NULL</c> zalloc, zfree and opaque).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZStream
{
    /// <summary><c>z_const Bytef *next_in</c>.</summary>
    public byte* NextIn;

    /// <summary><c>uInt avail_in</c>.</summary>
    public uint AvailIn;

    /// <summary><c>uLong total_in</c>.</summary>
    public CULong TotalIn;

    /// <summary><c>Bytef *next_out</c>.</summary>
    public byte* NextOut;

    /// <summary><c>uInt avail_out</c>.</summary>
    public uint AvailOut;

    /// <summary><c>uLong total_out</c>.</summary>
    public CULong TotalOut;

    /// <summary><c>z_const char *msg</c>: the last error message, or null.</summary>
    public byte* Msg;

    /// <summary><c>struct internal_state *state</c>, owned by zlib.</summary>
    public void* State;

    /// <summary><c>alloc_func zalloc</c>.</summary>
    public void* Zalloc;

    /// <summary><c>free_func zfree</c>.</summary>
    public void* Zfree;

    /// <summary><c>voidpf opaque</c>.</summary>
    public void* Opaque;

    /// <summary><c>int data_type</c>.</summary>
    public int DataType;

    /// <summary><c>uLong adler</c>.</summary>
    public CULong Adler;

    /// <summary><c>uLong reserved</c>.</summary>
    public CULong Reserved;
}

/// <summary>The zlib functions the gzip decoder calls, resolved once from <c>libz.so.1</c>.</summary>
internal sealed unsafe class ZlibApi
{
    internal const string Library = "libz.so.1";
    internal const string Package = "zlib1g";

    // Return codes (zlib.h).
    internal const int Ok = 0;
    internal const int StreamEnd = 1;
    internal const int BufError = -5;

    /// <summary><c>Z_NO_FLUSH</c>.</summary>
    internal const int NoFlush = 0;

    /// <summary>windowBits for inflateInit2: 15 (the largest window) + 16 (expect a gzip wrapper, not zlib).</summary>
    internal const int GzipWindowBits = 15 + 16;

    private static ZlibApi? s_shared;

    private ZlibApi(nint lib, string library, string sourceName)
    {
        InflateInit2 = (delegate* unmanaged<ZStream*, int, byte*, int, int>)NativeLibraries.Export(lib, library, "inflateInit2_", sourceName);
        Inflate = (delegate* unmanaged<ZStream*, int, int>)NativeLibraries.Export(lib, library, "inflate", sourceName);
        InflateReset = (delegate* unmanaged<ZStream*, int>)NativeLibraries.Export(lib, library, "inflateReset", sourceName);
        InflateEnd = (delegate* unmanaged<ZStream*, int>)NativeLibraries.Export(lib, library, "inflateEnd", sourceName);
        Version = (delegate* unmanaged<byte*>)NativeLibraries.Export(lib, library, "zlibVersion", sourceName);
    }

    /// <summary><c>int inflateInit2_(z_streamp strm, int windowBits, const char *version, int stream_size)</c>.</summary>
    internal delegate* unmanaged<ZStream*, int, byte*, int, int> InflateInit2 { get; }

    /// <summary><c>int inflate(z_streamp strm, int flush)</c>.</summary>
    internal delegate* unmanaged<ZStream*, int, int> Inflate { get; }

    /// <summary><c>int inflateReset(z_streamp strm)</c>.</summary>
    internal delegate* unmanaged<ZStream*, int> InflateReset { get; }

    /// <summary><c>int inflateEnd(z_streamp strm)</c>.</summary>
    internal delegate* unmanaged<ZStream*, int> InflateEnd { get; }

    /// <summary><c>const char *zlibVersion(void)</c>.</summary>
    internal delegate* unmanaged<byte*> Version { get; }

    /// <summary>The process-wide instance, loaded on first use.</summary>
    /// <exception cref="ModuleFormatException">zlib cannot be loaded.</exception>
    internal static ZlibApi Shared(string sourceName) => s_shared ??= Load(Library, sourceName);

    /// <summary>Loads the API from a given soname.</summary>
    /// <exception cref="ModuleFormatException">The library or one of its functions is missing.</exception>
    internal static ZlibApi Load(string library, string sourceName) =>
        new(NativeLibraries.Load(library, "gzip", Package, sourceName), library, sourceName);

    /// <summary>zlib's message for the last error, or the code's name.</summary>
    internal static string Describe(ZStream* s, int ret)
    {
        string name = ret switch
        {
            2 => "Z_NEED_DICT",
            -1 => "Z_ERRNO",
            -2 => "Z_STREAM_ERROR",
            -3 => "Z_DATA_ERROR",
            -4 => "Z_MEM_ERROR",
            -5 => "Z_BUF_ERROR",
            -6 => "Z_VERSION_ERROR",
            _ => $"error {ret}",
        };
        return s->Msg is null ? name : $"{Marshal.PtrToStringUTF8((nint)s->Msg)} ({name})";
    }
}

/// <summary>A <see cref="ZStream"/> in native memory, ended and freed on release.</summary>
internal sealed unsafe class ZStreamHandle : SafeHandle
{
    private readonly ZlibApi _api;

    internal ZStreamHandle(ZlibApi api)
        : base(0, ownsHandle: true)
    {
        _api = api;
        SetHandle((nint)NativeMemory.AllocZeroed((nuint)sizeof(ZStream)));
    }

    public override bool IsInvalid => handle == 0;

    internal ZStream* Stream => (ZStream*)handle;

    /// <summary>Whether inflateInit2_ succeeded, so inflateEnd is owed.</summary>
    internal bool Initialized { get; set; }

    protected override bool ReleaseHandle()
    {
        if (Initialized)
            _api.InflateEnd((ZStream*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}

/// <summary>
/// Decodes gzip through zlib: concatenated members one after another (as <c>gzip -d</c> does), then optional zero
/// padding; any other trailing bytes are an error. Truncation anywhere, including a missing CRC trailer, is an error.
/// </summary>
internal sealed unsafe class ZlibDecoder : Decoder
{
    private const byte GzipMagic0 = 0x1f;

    private readonly ZlibApi _api;
    private readonly ZStreamHandle _stream;
    private readonly string _sourceName;
    private State _state = State.InMember;

    internal ZlibDecoder(string sourceName)
        : this(ZlibApi.Shared(sourceName), sourceName)
    {
    }

    internal ZlibDecoder(ZlibApi api, string sourceName)
    {
        _api = api;
        _sourceName = sourceName;
        _stream = new ZStreamHandle(api);
        int ret = api.InflateInit2(_stream.Stream, ZlibApi.GzipWindowBits, api.Version(), sizeof(ZStream));
        if (ret != ZlibApi.Ok)
        {
            string detail = ZlibApi.Describe(_stream.Stream, ret);
            _stream.Dispose();
            throw new ModuleFormatException(sourceName, Messages.CompressorError(Name, detail));
        }

        _stream.Initialized = true;
    }

    private enum State
    {
        InMember,
        BetweenMembers,
        ZeroPadding,
    }

    internal override string Name => "gzip";

    internal override bool Decode(ReadOnlySpan<byte> input, Span<byte> output, bool inputEnded, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        while (true)
        {
            var rest = input[consumed..];
            switch (_state)
            {
                case State.InMember:
                    int ret = Inflate(rest, output, out int c, out written);
                    consumed += c;
                    if (ret == ZlibApi.StreamEnd)
                    {
                        _state = State.BetweenMembers;
                        if (written > 0)
                            return inputEnded && consumed == input.Length;
                        continue;
                    }

                    if (ret is ZlibApi.Ok or ZlibApi.BufError)
                        return false; // BufError: no progress; at the end of input the stream reports truncation.
                    throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, ZlibApi.Describe(_stream.Stream, ret)));

                case State.BetweenMembers:
                    if (rest.IsEmpty)
                        return inputEnded;
                    if (rest[0] == 0)
                    {
                        _state = State.ZeroPadding;
                        continue;
                    }

                    if (rest[0] != GzipMagic0)
                        throw new ModuleFormatException(_sourceName, Messages.TrailingGarbage(Name));
                    ResetMember(); // zlib checks the rest of the header and reports a bad one.
                    _state = State.InMember;
                    continue;

                default:
                    int zeros = rest.IndexOfAnyExcept((byte)0);
                    if (zeros >= 0)
                        throw new ModuleFormatException(_sourceName, Messages.TrailingGarbage(Name));
                    consumed = input.Length;
                    return inputEnded;
            }
        }
    }

    private int Inflate(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
    {
        bool added = false;
        _stream.DangerousAddRef(ref added);
        try
        {
            ZStream* s = _stream.Stream;
            fixed (byte* inPtr = input)
            fixed (byte* outPtr = output)
            {
                s->NextIn = inPtr;
                s->AvailIn = (uint)input.Length;
                s->NextOut = outPtr;
                s->AvailOut = (uint)output.Length;
                int ret = _api.Inflate(s, ZlibApi.NoFlush);
                consumed = input.Length - (int)s->AvailIn;
                written = output.Length - (int)s->AvailOut;
                s->NextIn = null;
                s->NextOut = null;
                return ret;
            }
        }
        finally
        {
            if (added)
                _stream.DangerousRelease();
        }
    }

    private void ResetMember()
    {
        int ret = _api.InflateReset(_stream.Stream);
        if (ret != ZlibApi.Ok)
            throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, ZlibApi.Describe(_stream.Stream, ret)));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _stream.Dispose();
        base.Dispose(disposing);
    }
}

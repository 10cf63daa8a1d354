using System.Runtime.InteropServices;

namespace Kabigate.Formats;

/// <summary>
/// <c>lzma_mt</c> from liblzma's <c>lzma/container.h</c> (xz 5.4), the options of the multi-threaded decoder; 128
/// bytes on LP64. Only the fields a decoder reads are named; the rest stay zero as the header asks.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct LzmaMt
{
    /// <summary><c>uint32_t flags</c>: the decoder flags (<c>LZMA_CONCATENATED</c>).</summary>
    [FieldOffset(0)]
    public uint Flags;

    /// <summary><c>uint32_t threads</c>.</summary>
    [FieldOffset(4)]
    public uint Threads;

    /// <summary><c>uint32_t timeout</c> in milliseconds; 0 waits as long as needed.</summary>
    [FieldOffset(16)]
    public uint Timeout;

    /// <summary><c>uint64_t memlimit_threading</c>: above it the decoder falls back to one thread.</summary>
    [FieldOffset(64)]
    public ulong MemlimitThreading;

    /// <summary><c>uint64_t memlimit_stop</c>: above it decoding fails (<c>LZMA_MEMLIMIT_ERROR</c>).</summary>
    [FieldOffset(72)]
    public ulong MemlimitStop;
}

/// <summary>
/// <c>lzma_stream</c> from liblzma's <c>lzma/base.h</c> (xz 5.4), field for field. On x86_64 and every LP64 target
/// it is 136 bytes: six 8-byte buffer fields, two pointers, four reserved pointers, four reserved 8-byte integers
/// and two 4-byte reserved enums. All zeros is <c>LZMA_STREAM_INIT</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LzmaStream
{
    /// <summary><c>const uint8_t *next_in</c>: the next input byte.</summary>
    public byte* NextIn;

    /// <summary><c>size_t avail_in</c>: input bytes available at <see cref="NextIn"/>.</summary>
    public nuint AvailIn;

    /// <summary><c>uint64_t total_in</c>.</summary>
    public ulong TotalIn;

    /// <summary><c>uint8_t *next_out</c>: where the next output byte goes.</summary>
    public byte* NextOut;

    /// <summary><c>size_t avail_out</c>: room at <see cref="NextOut"/>.</summary>
    public nuint AvailOut;

    /// <summary><c>uint64_t total_out</c>.</summary>
    public ulong TotalOut;

    /// <summary><c>const lzma_allocator *allocator</c>; null means malloc/free.</summary>
    public void* Allocator;

    /// <summary><c>lzma_internal *internal</c>: the decoder state, owned by liblzma.</summary>
    public void* Internal;

    /// <summary><c>void *reserved_ptr1</c>.</summary>
    public void* ReservedPtr1;

    /// <summary><c>void *reserved_ptr2</c>.</summary>
    public void* ReservedPtr2;

    /// <summary><c>void *reserved_ptr3</c>.</summary>
    public void* ReservedPtr3;

    /// <summary><c>void *reserved_ptr4</c>.</summary>
    public void* ReservedPtr4;

    /// <summary><c>uint64_t seek_pos</c> (named <c>reserved_int1</c> before xz 5.3).</summary>
    public ulong SeekPos;

    /// <summary><c>uint64_t reserved_int2</c>.</summary>
    public ulong ReservedInt2;

    /// <summary><c>size_t reserved_int3</c>.</summary>
    public nuint ReservedInt3;

    /// <summary><c>size_t reserved_int4</c>.</summary>
    public nuint ReservedInt4;

    /// <summary><c>lzma_reserved_enum reserved_enum1</c> (a C enum: 4 bytes).</summary>
    public int ReservedEnum1;

    /// <summary><c>lzma_reserved_enum reserved_enum2</c>.</summary>
    public int ReservedEnum2;
}

/// <summary>The liblzma functions the xz decoder calls, resolved once from <c>liblzma.so.5</c>.</summary>
internal sealed unsafe class LzmaApi
{
    internal const string Library = "liblzma.so.5";
    internal const string Package = "liblzma5";

    // lzma_ret values (lzma/base.h).
    internal const int Ok = 0;
    internal const int StreamEnd = 1;
    internal const int NoCheck = 2;
    internal const int UnsupportedCheck = 3;
    internal const int GetCheck = 4;
    internal const int BufError = 10;

    // lzma_action values.
    internal const int Run = 0;
    internal const int Finish = 3;

    /// <summary><c>LZMA_CONCATENATED</c> (lzma/container.h): decode .xz streams one after another.</summary>
    internal const uint Concatenated = 0x08;

    private static LzmaApi? s_shared;

    private LzmaApi(nint lib, string library, string sourceName)
    {
        StreamDecoder = (delegate* unmanaged<LzmaStream*, ulong, uint, int>)NativeLibraries.Export(lib, library, "lzma_stream_decoder", sourceName);
        Code = (delegate* unmanaged<LzmaStream*, int, int>)NativeLibraries.Export(lib, library, "lzma_code", sourceName);
        End = (delegate* unmanaged<LzmaStream*, void>)NativeLibraries.Export(lib, library, "lzma_end", sourceName);
        // xz 5.4 decodes multi-block streams (what xz -T and dpkg write) on several threads; older libraries lack it.
        if (NativeLibrary.TryGetExport(lib, "lzma_stream_decoder_mt", out var mt))
            StreamDecoderMt = (delegate* unmanaged<LzmaStream*, LzmaMt*, int>)mt;
    }

    /// <summary><c>lzma_ret lzma_stream_decoder_mt(lzma_stream *strm, const lzma_mt *options)</c>, or null before xz 5.4.</summary>
    internal delegate* unmanaged<LzmaStream*, LzmaMt*, int> StreamDecoderMt { get; }

    /// <summary><c>lzma_ret lzma_stream_decoder(lzma_stream *strm, uint64_t memlimit, uint32_t flags)</c>.</summary>
    internal delegate* unmanaged<LzmaStream*, ulong, uint, int> StreamDecoder { get; }

    /// <summary><c>lzma_ret lzma_code(lzma_stream *strm, lzma_action action)</c>.</summary>
    internal delegate* unmanaged<LzmaStream*, int, int> Code { get; }

    /// <summary><c>void lzma_end(lzma_stream *strm)</c>.</summary>
    internal delegate* unmanaged<LzmaStream*, void> End { get; }

    /// <summary>The process-wide instance, loaded on first use.</summary>
    /// <exception cref="ModuleFormatException">liblzma cannot be loaded.</exception>
    internal static LzmaApi Shared(string sourceName) => s_shared ??= Load(Library, sourceName);

    /// <summary>Loads the API from a given soname (tests pass a missing one).</summary>
    /// <exception cref="ModuleFormatException">The library or one of its functions is missing.</exception>
    internal static LzmaApi Load(string library, string sourceName) =>
        new(NativeLibraries.Load(library, "xz", Package, sourceName), library, sourceName);

    /// <summary>liblzma has no strerror; these are xz's own wordings (src/xz/message.c).</summary>
    internal static string Describe(int ret) => ret switch
    {
        5 => "cannot allocate memory (LZMA_MEM_ERROR)",
        6 => "memory usage limit reached (LZMA_MEMLIMIT_ERROR)",
        7 => "file format not recognized (LZMA_FORMAT_ERROR)",
        8 => "unsupported options (LZMA_OPTIONS_ERROR)",
        9 => "compressed data is corrupt (LZMA_DATA_ERROR)",
        10 => "unexpected end of input (LZMA_BUF_ERROR)",
        11 => "internal error (LZMA_PROG_ERROR)",
        _ => $"error {ret}",
    };
}

/// <summary>An <see cref="LzmaStream"/> in native memory (so it never moves), ended and freed on release.</summary>
internal sealed unsafe class LzmaStreamHandle : SafeHandle
{
    private readonly LzmaApi _api;

    internal LzmaStreamHandle(LzmaApi api)
        : base(0, ownsHandle: true)
    {
        _api = api;
        SetHandle((nint)NativeMemory.AllocZeroed((nuint)sizeof(LzmaStream)));
    }

    public override bool IsInvalid => handle == 0;

    internal LzmaStream* Stream => (LzmaStream*)handle;

    protected override bool ReleaseHandle()
    {
        // lzma_end is safe on a stream whose decoder failed to initialise: internal is then NULL.
        _api.End((LzmaStream*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}

/// <summary>Decodes .xz (concatenated streams, with stream padding) through liblzma.</summary>
internal sealed unsafe class XzDecoder : Decoder
{
    /// <summary>
    /// The most memory a stream may ask for. <c>xz -9</c> needs 65 MiB to decode; a header claiming more than this is
    /// refused (LZMA_MEMLIMIT_ERROR) instead of allocated.
    /// </summary>
    private const ulong MemoryLimit = 1UL << 30;

    private readonly LzmaApi _api;
    private readonly LzmaStreamHandle _stream;
    private readonly string _sourceName;

    internal XzDecoder(string sourceName)
        : this(LzmaApi.Shared(sourceName), sourceName)
    {
    }

    internal XzDecoder(LzmaApi api, string sourceName)
    {
        _api = api;
        _sourceName = sourceName;
        _stream = new LzmaStreamHandle(api);
        int ret;
        if (api.StreamDecoderMt != null && Environment.ProcessorCount > 1)
        {
            var options = new LzmaMt
            {
                Flags = LzmaApi.Concatenated,
                Threads = (uint)Environment.ProcessorCount,
                MemlimitThreading = MemoryLimit,
                MemlimitStop = MemoryLimit,
            };
            ret = api.StreamDecoderMt(_stream.Stream, &options);
        }
        else
        {
            ret = api.StreamDecoder(_stream.Stream, MemoryLimit, LzmaApi.Concatenated);
        }
        if (ret != LzmaApi.Ok)
        {
            _stream.Dispose();
            throw new ModuleFormatException(sourceName, Messages.CompressorError(Name, LzmaApi.Describe(ret)));
        }
    }

    internal override string Name => "xz";

    internal override bool Decode(ReadOnlySpan<byte> input, Span<byte> output, bool inputEnded, out int consumed, out int written)
    {
        bool added = false;
        _stream.DangerousAddRef(ref added);
        try
        {
            int ret;
            LzmaStream* s = _stream.Stream;
            fixed (byte* inPtr = input)
            fixed (byte* outPtr = output)
            {
                s->NextIn = inPtr;
                s->AvailIn = (nuint)input.Length;
                s->NextOut = outPtr;
                s->AvailOut = (nuint)output.Length;
                // With LZMA_CONCATENATED the end is only reported under LZMA_FINISH, which is used once the input
                // left is all there is; the amount of input then never changes, as lzma_code requires.
                ret = _api.Code(s, inputEnded ? LzmaApi.Finish : LzmaApi.Run);
                consumed = input.Length - (int)s->AvailIn;
                written = output.Length - (int)s->AvailOut;
                s->NextIn = null;
                s->NextOut = null;
            }

            switch (ret)
            {
                case LzmaApi.StreamEnd:
                    return true;
                case LzmaApi.Ok:
                case LzmaApi.NoCheck:
                case LzmaApi.UnsupportedCheck:
                case LzmaApi.GetCheck:
                    return false;
                case LzmaApi.BufError when inputEnded:
                    throw new ModuleFormatException(_sourceName, Messages.Truncated(Name));
                case LzmaApi.BufError:
                    return false;
                default:
                    throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, LzmaApi.Describe(ret)));
            }
        }
        finally
        {
            if (added)
                _stream.DangerousRelease();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _stream.Dispose();
        base.Dispose(disposing);
    }
}

using System.Runtime.InteropServices;

namespace Kabigate.Formats;

/// <summary><c>ZSTD_inBuffer</c> and <c>ZSTD_outBuffer</c> (zstd.h): a pointer, its size and a position, 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdBuffer
{
    /// <summary><c>const void *src</c> or <c>void *dst</c>.</summary>
    public byte* Pointer;

    /// <summary><c>size_t size</c>.</summary>
    public nuint Size;

    /// <summary><c>size_t pos</c>: how far zstd has read or written.</summary>
    public nuint Pos;
}

/// <summary>The libzstd functions the zstd decoder calls, resolved once from <c>libzstd.so.1</c>.</summary>
internal sealed unsafe class ZstdApi
{
    internal const string Library = "libzstd.so.1";
    internal const string Package = "libzstd1";

    private static ZstdApi? s_shared;

    private ZstdApi(nint lib, string library, string sourceName)
    {
        CreateDStream = (delegate* unmanaged<nint>)NativeLibraries.Export(lib, library, "ZSTD_createDStream", sourceName);
        FreeDStream = (delegate* unmanaged<nint, nuint>)NativeLibraries.Export(lib, library, "ZSTD_freeDStream", sourceName);
        DecompressStream = (delegate* unmanaged<nint, ZstdBuffer*, ZstdBuffer*, nuint>)NativeLibraries.Export(lib, library, "ZSTD_decompressStream", sourceName);
        IsError = (delegate* unmanaged<nuint, uint>)NativeLibraries.Export(lib, library, "ZSTD_isError", sourceName);
        GetErrorName = (delegate* unmanaged<nuint, byte*>)NativeLibraries.Export(lib, library, "ZSTD_getErrorName", sourceName);
    }

    /// <summary><c>ZSTD_DStream *ZSTD_createDStream(void)</c>.</summary>
    internal delegate* unmanaged<nint> CreateDStream { get; }

    /// <summary><c>size_t ZSTD_freeDStream(ZSTD_DStream *zds)</c>.</summary>
    internal delegate* unmanaged<nint, nuint> FreeDStream { get; }

    /// <summary><c>size_t ZSTD_decompressStream(ZSTD_DStream *zds, ZSTD_outBuffer *output, ZSTD_inBuffer *input)</c>.</summary>
    internal delegate* unmanaged<nint, ZstdBuffer*, ZstdBuffer*, nuint> DecompressStream { get; }

    /// <summary><c>unsigned ZSTD_isError(size_t code)</c>.</summary>
    internal delegate* unmanaged<nuint, uint> IsError { get; }

    /// <summary><c>const char *ZSTD_getErrorName(size_t code)</c>.</summary>
    internal delegate* unmanaged<nuint, byte*> GetErrorName { get; }

    /// <summary>The process-wide instance, loaded on first use.</summary>
    /// <exception cref="ModuleFormatException">libzstd cannot be loaded.</exception>
    internal static ZstdApi Shared(string sourceName) => s_shared ??= Load(Library, sourceName);

    /// <summary>Loads the API from a given soname.</summary>
    /// <exception cref="ModuleFormatException">The library or one of its functions is missing.</exception>
    internal static ZstdApi Load(string library, string sourceName) =>
        new(NativeLibraries.Load(library, "zstd", Package, sourceName), library, sourceName);
}

/// <summary>A <c>ZSTD_DStream</c>, freed on release.</summary>
internal sealed class ZstdStreamHandle : SafeHandle
{
    private readonly ZstdApi _api;

    internal unsafe ZstdStreamHandle(ZstdApi api)
        : base(0, ownsHandle: true)
    {
        _api = api;
        SetHandle(api.CreateDStream());
    }

    public override bool IsInvalid => handle == 0;

    protected override unsafe bool ReleaseHandle()
    {
        _api.FreeDStream(handle);
        return true;
    }
}

/// <summary>
/// Decodes zstd through libzstd: consecutive (and skippable) frames one after another. The data has ended when the
/// input is exhausted right after a complete frame; anything else at the end of input is truncation.
/// </summary>
internal sealed unsafe class ZstdDecoder : Decoder
{
    private readonly ZstdApi _api;
    private readonly ZstdStreamHandle _stream;
    private readonly string _sourceName;

    /// <summary>Whether any frame has started; an empty input is not a zstd stream.</summary>
    private bool _sawInput;

    /// <summary>Whether the last call completed a frame and flushed all of it (ZSTD_decompressStream returned 0).</summary>
    private bool _atFrameBoundary;

    internal ZstdDecoder(string sourceName)
        : this(ZstdApi.Shared(sourceName), sourceName)
    {
    }

    internal ZstdDecoder(ZstdApi api, string sourceName)
    {
        _api = api;
        _sourceName = sourceName;
        _stream = new ZstdStreamHandle(api);
        if (_stream.IsInvalid)
            throw new ModuleFormatException(sourceName, Messages.CompressorError(Name, "cannot allocate a decompression stream"));
    }

    internal override string Name => "zstd";

    internal override bool Decode(ReadOnlySpan<byte> input, Span<byte> output, bool inputEnded, out int consumed, out int written)
    {
        bool added = false;
        _stream.DangerousAddRef(ref added);
        try
        {
            nuint ret;
            fixed (byte* inPtr = input)
            fixed (byte* outPtr = output)
            {
                var inBuf = new ZstdBuffer { Pointer = inPtr, Size = (nuint)input.Length };
                var outBuf = new ZstdBuffer { Pointer = outPtr, Size = (nuint)output.Length };
                ret = _api.DecompressStream(_stream.DangerousGetHandle(), &outBuf, &inBuf);
                consumed = (int)inBuf.Pos;
                written = (int)outBuf.Pos;
            }

            if (_api.IsError(ret) != 0)
            {
                string name = Marshal.PtrToStringUTF8((nint)_api.GetErrorName(ret)) ?? $"error {ret}";
                throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, name));
            }

            // A call that moved nothing (the input is spent) says nothing new: between frames zstd then just asks
            // for the next frame's header.
            if (consumed > 0 || written > 0)
            {
                _sawInput = true;
                _atFrameBoundary = ret == 0;
            }

            return inputEnded && consumed == input.Length && _atFrameBoundary && _sawInput;
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

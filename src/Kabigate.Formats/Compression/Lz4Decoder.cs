using System.Buffers.Binary;

namespace Kabigate.Formats;

/// <summary>The liblz4 function the lz4 decoder calls, resolved once from <c>liblz4.so.1</c>.</summary>
internal sealed unsafe class Lz4Api
{
    internal const string Library = "liblz4.so.1";
    internal const string Package = "liblz4-1";

    private static Lz4Api? s_shared;

    private Lz4Api(nint lib, string library, string sourceName)
    {
        DecompressSafe = (delegate* unmanaged<byte*, byte*, int, int, int>)NativeLibraries.Export(lib, library, "LZ4_decompress_safe", sourceName);
    }

    /// <summary>
    /// <c>int LZ4_decompress_safe(const char *src, char *dst, int compressedSize, int dstCapacity)</c>: the number of
    /// bytes written, or a negative number for malformed input (it never writes past <c>dstCapacity</c>).
    /// </summary>
    internal delegate* unmanaged<byte*, byte*, int, int, int> DecompressSafe { get; }

    /// <summary>The process-wide instance, loaded on first use.</summary>
    /// <exception cref="ModuleFormatException">liblz4 cannot be loaded.</exception>
    internal static Lz4Api Shared(string sourceName) => s_shared ??= Load(Library, sourceName);

    /// <summary>Loads the API from a given soname (tests pass a missing one).</summary>
    /// <exception cref="ModuleFormatException">The library or its function is missing.</exception>
    internal static Lz4Api Load(string library, string sourceName) =>
        new(NativeLibraries.Load(library, "lz4", Package, sourceName), library, sourceName);
}

/// <summary>
/// The lz4 legacy frame (<c>lz4 -l</c>, what the kernel's <c>cmd_lz4</c> writes): the magic <c>02 21 4C 18</c>, then
/// blocks, each a little-endian u32 compressed size and that many bytes of raw lz4 block data that decode to at most
/// 8 MiB. There is no end mark and no checksum; the magic may repeat (concatenated frames), as the kernel's
/// <c>lib/decompress_unlz4.c</c> accepts.
/// </summary>
internal static class Lz4LegacyLayout
{
    /// <summary><c>ARCHIVE_MAGICNUMBER</c> 0x184C2102, stored little-endian.</summary>
    public const uint Magic = 0x184C2102;

    public static ReadOnlySpan<byte> MagicBytes => [0x02, 0x21, 0x4c, 0x18];

    public const int SizeFieldLength = sizeof(uint);

    /// <summary><c>LZ4_DEFAULT_UNCOMPRESSED_CHUNK_SIZE</c>: 8 MiB of output per block.</summary>
    public const int MaxBlockOutput = 8 << 20;

    /// <summary><c>LZ4_COMPRESSBOUND(8 MiB)</c> = isize + isize/255 + 16: the largest block a compressor emits.</summary>
    public const int MaxBlockInput = MaxBlockOutput + (MaxBlockOutput / 255) + 16;
}

/// <summary>
/// Decodes the lz4 legacy frame through liblz4's <c>LZ4_decompress_safe</c>, one block at a time: a block is gathered
/// whole (its input arrives in pieces), decoded into an 8 MiB buffer and handed out from there. The data has ended
/// when the input is exhausted at a block boundary after the magic; anything else at the end is truncation.
/// </summary>
internal sealed unsafe class Lz4Decoder : Decoder
{
    private readonly Lz4Api _api;
    private readonly string _sourceName;

    private readonly byte[] _sizeField = new byte[Lz4LegacyLayout.SizeFieldLength];
    private int _sizeHave;
    private bool _sawMagic;

    /// <summary>The block being gathered (reused, grown to the largest block seen), valid while <see cref="_inBlock"/>.</summary>
    private byte[]? _block;
    private bool _inBlock;
    private int _blockLength;
    private int _blockHave;

    /// <summary>Decoded bytes of the last block not yet handed out.</summary>
    private byte[]? _decoded;
    private int _decodedStart;
    private int _decodedEnd;

    internal Lz4Decoder(string sourceName)
        : this(Lz4Api.Shared(sourceName), sourceName)
    {
    }

    internal Lz4Decoder(Lz4Api api, string sourceName)
    {
        _api = api;
        _sourceName = sourceName;
    }

    internal override string Name => "lz4";

    internal override bool Decode(ReadOnlySpan<byte> input, Span<byte> output, bool inputEnded, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        while (true)
        {
            if (_decodedStart < _decodedEnd)
            {
                int n = Math.Min(_decodedEnd - _decodedStart, output.Length - written);
                _decoded.AsSpan(_decodedStart, n).CopyTo(output[written..]);
                _decodedStart += n;
                written += n;
                if (written == output.Length)
                    return false;
                continue;
            }

            var rest = input[consumed..];
            if (rest.IsEmpty)
                return inputEnded && _sawMagic && _sizeHave == 0 && !_inBlock;

            if (_inBlock)
            {
                int n = Math.Min(_blockLength - _blockHave, rest.Length);
                rest[..n].CopyTo(_block.AsSpan(_blockHave, n));
                _blockHave += n;
                consumed += n;
                if (_blockHave == _blockLength)
                    DecodeBlock();
                continue;
            }

            int take = Math.Min(_sizeField.Length - _sizeHave, rest.Length);
            rest[..take].CopyTo(_sizeField.AsSpan(_sizeHave));
            _sizeHave += take;
            consumed += take;
            if (_sizeHave < _sizeField.Length)
                continue;
            _sizeHave = 0;
            uint field = BinaryPrimitives.ReadUInt32LittleEndian(_sizeField);
            if (field == Lz4LegacyLayout.Magic)
            {
                _sawMagic = true;
                continue;
            }

            if (!_sawMagic)
                throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, "no legacy frame magic (only 'lz4 -l' output is supported)"));
            if (field == 0 || field > Lz4LegacyLayout.MaxBlockInput)
                throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, $"block size {field} is out of range (1..{Lz4LegacyLayout.MaxBlockInput})"));
            _blockLength = (int)field;
            _blockHave = 0;
            _inBlock = true;
            if (_block is null || _block.Length < _blockLength)
                _block = new byte[_blockLength];
        }
    }

    private void DecodeBlock()
    {
        _decoded ??= new byte[Lz4LegacyLayout.MaxBlockOutput];
        int result;
        fixed (byte* src = _block)
        fixed (byte* dst = _decoded)
            result = _api.DecompressSafe(src, dst, _blockLength, _decoded.Length);
        if (result < 0)
            throw new ModuleFormatException(_sourceName, Messages.CompressorError(Name, $"corrupt block ({_blockLength} bytes, LZ4_decompress_safe returned {result})"));
        _decodedStart = 0;
        _decodedEnd = result;
        _inBlock = false;
    }
}

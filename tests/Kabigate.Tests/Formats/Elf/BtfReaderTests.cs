using System.Buffers.Binary;
using Kabigate.Formats;
using Kabigate.Formats.Elf;

namespace Kabigate.Tests.Formats.Elf;

/// <summary>BTF blobs written here byte by byte (include/uapi/linux/btf.h), well formed and damaged.</summary>
public class BtfReaderTests
{
    private static byte[] Blob(IReadOnlyList<uint> typeWords, string strings)
    {
        var types = new byte[typeWords.Count * 4];
        for (var i = 0; i < typeWords.Count; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(i * 4), typeWords[i]);
        var str = System.Text.Encoding.ASCII.GetBytes(strings);
        var blob = new byte[24 + types.Length + str.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(blob, 0xeb9f);
        blob[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), (uint)types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), (uint)types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), (uint)str.Length);
        types.CopyTo(blob, 24);
        str.CopyTo(blob, 24 + types.Length);
        return blob;
    }

    private static uint Info(int kind, int vlen) => ((uint)kind << 24) | (uint)vlen;

    // "\0int\0module\0next\0": int at 1, module at 5, next at 12.
    private const string Strings = "\0int\0module\0next\0";

    [Fact]
    public void StructModule_AndTheReachOfReferences_AreRead()
    {
        uint[] words =
        [
            1, Info(1, 0), 4, 0x20,             // [1] INT 'int' size 4, encoding word
            5, Info(4, 1), 1280, 12, 1, 0,      // [2] STRUCT 'module' size 1280, member 'next' of type 1 at 0
            0, Info(2, 0), 2,                   // [3] PTR to 2
        ];
        var summary = BtfReader.Read(Blob(words, Strings), "t");
        Assert.Equal(1280UL, summary.ModuleStructSize);
        Assert.Equal(3, summary.Facts.TypeCount);
        Assert.Equal((uint)Strings.Length, summary.Facts.StringLength);
        Assert.Equal(12U, summary.Facts.MaxNameOffset);
        Assert.Equal(2U, summary.Facts.MaxTypeId);
        Assert.Equal(0U, summary.Facts.BuildBaseStringLength); // 'next' is the last string and the largest offset
    }

    [Fact]
    public void Malformed_TruncatedHeader() =>
        Assert.Contains("shorter than its header", Assert.Throws<ModuleFormatException>(() => BtfReader.Read(new byte[10], "t")).Message, StringComparison.Ordinal);

    [Fact]
    public void Malformed_BadMagic()
    {
        var blob = Blob([], Strings);
        blob[0] = 0;
        Assert.Contains("bad BTF magic", Assert.Throws<ModuleFormatException>(() => BtfReader.Read(blob, "t")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_SectionsOutsideTheBlob()
    {
        var blob = Blob([], Strings);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), 0xffff_fff0);
        Assert.Contains("outside the section", Assert.Throws<ModuleFormatException>(() => BtfReader.Read(blob, "t")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_UnknownKind() =>
        Assert.Contains("unknown kind 31", Assert.Throws<ModuleFormatException>(() => BtfReader.Read(Blob([0, Info(31, 0), 0], Strings), "t")).Message, StringComparison.Ordinal);

    [Fact]
    public void Malformed_MembersPastTheEnd() =>
        Assert.Contains("truncated", Assert.Throws<ModuleFormatException>(() => BtfReader.Read(Blob([5, Info(4, 1000), 8], Strings), "t")).Message, StringComparison.Ordinal);
}

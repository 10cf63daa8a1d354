using System.Buffers.Binary;
using Kabigate.Formats;
using Kabigate.Formats.Rpm;
using Kabigate.Tests.Formats.Deb;

namespace Kabigate.Tests.Formats.Rpm;

/// <summary>Every guard of the lead and header checks, on packages built byte by byte.</summary>
public class RpmHeaderMalformedTests
{
    private const string Source = "raw.rpm";

    private static readonly int SignatureLength = RpmBytes.SignatureHeader().Length;

    /// <summary>Where the main header starts in <see cref="RpmBytes.Package"/>.</summary>
    private static readonly int MainStart = 96 + SignatureLength;

    private static string At(long offset) => $" (at offset 0x{offset:x})";

    private static ModuleFormatException ReadFails(byte[] rpm, bool seekable = true)
    {
        Stream stream = seekable ? new MemoryStream(rpm) : new NonSeekableStream(new MemoryStream(rpm));
        return Assert.Throws<ModuleFormatException>(() => RpmReader.Read(stream, Source));
    }

    /// <summary>A package whose main header has the given raw index over the given store.</summary>
    private static byte[] WithMainHeader(IReadOnlyList<(int Tag, int Type, int Offset, int Count)> index, byte[] store) =>
        [.. RpmBytes.Lead(), .. RpmBytes.SignatureHeader(), .. RpmBytes.Header(index, store)];

    [Fact]
    public void Valid_RawPackageReads()
    {
        var package = RpmReader.Read(new MemoryStream(RpmBytes.Package([])), Source);
        Assert.Equal("raw-1.0-1.x86_64", package.Nevra);
        Assert.Equal([new RpmDependency("kernel(printk)", RpmSense.Equal, "0x92997ed8"), new RpmDependency("raw", RpmSense.Equal, "1.0-1")], package.Provides);
        Assert.Empty(package.Files);
    }

    [Fact]
    public void Malformed_Lead()
    {
        Assert.Equal($"raw.rpm: not an RPM package: no lead magic 'ed ab ee db'{At(0)}", ReadFails([]).Message);
        Assert.Equal($"raw.rpm: not an RPM package: no lead magic 'ed ab ee db'{At(0)}", ReadFails("!<arch>\n"u8.ToArray()).Message);
        Assert.Equal($"raw.rpm: truncated RPM lead (96 bytes){At(50)}", ReadFails(RpmBytes.Lead()[..50]).Message);
        Assert.Equal($"raw.rpm: unsupported RPM package version 2.0{At(4)}", ReadFails(RpmBytes.Package([], lead: RpmBytes.Lead(major: 2))).Message);
        Assert.Equal($"raw.rpm: unsupported signature type 1 in the lead (rpm reads only 5, a header){At(78)}", ReadFails(RpmBytes.Package([], lead: RpmBytes.Lead(signatureType: 1))).Message);
        Assert.Equal("raw", RpmReader.Read(new MemoryStream(RpmBytes.Package([], lead: RpmBytes.Lead(major: 4))), Source).Name);
    }

    [Fact]
    public void Malformed_HeaderMagic()
    {
        byte[] rpm = RpmBytes.Package([]);
        rpm[96 + 4] = 1; // a reserved byte: rpm compares all eight
        Assert.Equal($"raw.rpm: signature header has a bad magic (expected '8e ad e8 01 00 00 00 00'){At(96)}", ReadFails(rpm).Message);
        rpm = RpmBytes.Package([]);
        rpm[MainStart] = 0x8f;
        Assert.Equal($"raw.rpm: header has a bad magic (expected '8e ad e8 01 00 00 00 00'){At(MainStart)}", ReadFails(rpm).Message);
    }

    [Theory]
    [InlineData(true, 0, 8, "signature header has 0 index entries, outside 1..32", 8)]
    [InlineData(true, 33, 8, "signature header has 33 index entries, outside 1..32", 8)]
    [InlineData(true, 1, 64 * 1024 * 1024 + 1, "signature header has a 67108865-byte data store, outside 0..67108864", 12)]
    [InlineData(false, 0x10000, 8, "header has 65536 index entries, outside 1..65535", 8)]
    [InlineData(false, -1, 8, "header has 4294967295 index entries, outside 1..65535", 8)]
    [InlineData(false, 1, -8, "header has a 4294967288-byte data store, outside 0..268435455", 12)]
    [InlineData(false, 1, 0x10000000, "header has a 268435456-byte data store, outside 0..268435455", 12)]
    [InlineData(false, 0xffff, 0x0fffffff, "header is 269484015 bytes, not below the limit of 268435456", 0)]
    public void Malformed_HeaderSizes(bool signature, int il, int dl, string message, int fieldOffset)
    {
        byte[] rpm = RpmBytes.Package([]);
        int start = signature ? 96 : MainStart;
        BinaryPrimitives.WriteInt32BigEndian(rpm.AsSpan(start + 8), il);
        BinaryPrimitives.WriteInt32BigEndian(rpm.AsSpan(start + 12), dl);
        Assert.Equal($"raw.rpm: {message}{At(start + fieldOffset)}", ReadFails(rpm).Message);
    }

    [Fact]
    public void Malformed_EntryOutsideStore()
    {
        byte[] store = RpmBytes.Strings("raw");
        var rpm = WithMainHeader([(RpmTag.Name, 6, 999, 1)], store);
        Assert.Equal($"raw.rpm: header index entry 0 (tag 1000, type 6, offset 999, count 1): its offset is outside the 4-byte data store{At(MainStart + 16)}", ReadFails(rpm).Message);

        rpm = WithMainHeader([(RpmTag.Name, 6, -4, 1)], store);
        Assert.Contains("offset -4, count 1): its offset is outside the 4-byte data store", ReadFails(rpm).Message, StringComparison.Ordinal);

        // At the very end: the offset is allowed (rpm's hdrchkRange) but the string's terminator is not there.
        rpm = WithMainHeader([(RpmTag.Name, 6, 4, 1)], store);
        Assert.Contains("offset 4, count 1): its data does not fit in the 4-byte data store", ReadFails(rpm).Message, StringComparison.Ordinal);

        // A string without its terminator.
        rpm = WithMainHeader([(RpmTag.Name, 6, 0, 1)], "raw"u8.ToArray());
        Assert.Contains("its data does not fit in the 3-byte data store", ReadFails(rpm).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 0x7fffffff)] // INT32
    [InlineData(5, 0x10000000)] // INT64
    [InlineData(7, int.MaxValue)] // BIN
    [InlineData(8, int.MaxValue)] // STRING_ARRAY: would need that many terminators
    [InlineData(9, 1000)] // I18NSTRING
    public void Malformed_HugeCount_DoesNotAllocate(int type, int count)
    {
        byte[] rpm = WithMainHeader([(RpmTag.Name, 6, 0, 1), (RpmTag.ProvideFlags, type, 8, count)], [.. RpmBytes.Strings("raw"), 0, 0, 0, 0, 0, 0, 0, 0]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = ReadFails(rpm);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal($"raw.rpm: header index entry 1 (tag 1112, type {type}, offset 8, count {count}): its data does not fit in the 12-byte data store{At(MainStart + 32)}", error.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Malformed_HugeStoreInShortStream_DoesNotAllocate(bool seekable)
    {
        byte[] rpm = RpmBytes.Package([]);
        BinaryPrimitives.WriteInt32BigEndian(rpm.AsSpan(MainStart + 12), 0x0fff0000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = ReadFails(rpm, seekable);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 8 << 20, $"allocated {allocated} bytes");
        int il = BinaryPrimitives.ReadInt32BigEndian(rpm.AsSpan(MainStart + 8));
        long claimed = (16L * il) + 0x0fff0000;
        int remaining = rpm.Length - MainStart - 16;
        Assert.Equal(
            seekable ? $"raw.rpm: header claims {claimed} bytes but only {remaining} remain (truncated?){At(MainStart + 16)}" : $"raw.rpm: truncated header{At(rpm.Length)}",
            error.Message);
    }

    [Fact]
    public void Malformed_EntryTypeAndCount()
    {
        byte[] store = [.. RpmBytes.Strings("raw", "x"), 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Contains("(tag 1000, type 6, offset 0, count 2): its data does not fit", ReadFails(WithMainHeader([(RpmTag.Name, 6, 0, 2)], store)).Message, StringComparison.Ordinal);
        Assert.Contains("(tag 1000, type 6, offset 0, count 0): its data does not fit", ReadFails(WithMainHeader([(RpmTag.Name, 6, 0, 0)], store)).Message, StringComparison.Ordinal);
        Assert.Contains("(tag 1000, type 10, offset 0, count 1): invalid type", ReadFails(WithMainHeader([(RpmTag.Name, 10, 0, 1)], store)).Message, StringComparison.Ordinal);
        Assert.Contains("(tag 1000, type 0, offset 0, count 1): invalid type", ReadFails(WithMainHeader([(RpmTag.Name, 0, 0, 1)], store)).Message, StringComparison.Ordinal);
        Assert.Contains("(tag 1000, type 4, offset 2, count 1): its offset is not aligned for its type", ReadFails(WithMainHeader([(RpmTag.Name, 4, 2, 1)], store)).Message, StringComparison.Ordinal);
        Assert.Contains("(tag 1000, type 3, offset 1, count 1): its offset is not aligned for its type", ReadFails(WithMainHeader([(RpmTag.Name, 3, 1, 1)], store)).Message, StringComparison.Ordinal);
        Assert.Contains("(tag 99, type 6, offset 0, count 1): invalid tag number (below 100)", ReadFails(WithMainHeader([(99, 6, 0, 1)], store)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_OverlappingEntries()
    {
        byte[] store = RpmBytes.Strings("raw", "1.0");
        var error = ReadFails(WithMainHeader([(RpmTag.Name, 6, 0, 1), (RpmTag.Version, 6, 2, 1)], store));
        Assert.Equal($"raw.rpm: header index entry 1 (tag 1001, type 6, offset 2, count 1): its data overlaps the previous entry's{At(MainStart + 32)}", error.Message);
        // Out of order is overlap too (rpm requires ascending offsets).
        Assert.Contains("index entry 1 (tag 1001, type 6, offset 0, count 1): its data overlaps", ReadFails(WithMainHeader([(RpmTag.Name, 6, 4, 1), (RpmTag.Version, 6, 0, 1)], store)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_Region()
    {
        byte[] store = [.. RpmBytes.Strings("raw"), .. RpmBytes.IndexEntry(RpmTag.HeaderImmutable, 7, -32, 16)];
        // Valid: region of two entries over the whole store.
        var header = RpmReader.ReadHeaders(new MemoryStream(WithMainHeader([(RpmTag.HeaderImmutable, 7, 4, 16), (RpmTag.Name, 6, 0, 1)], store)), Source).Header;
        Assert.Equal("raw", header.GetString(RpmTag.Name));

        string prefix = "raw.rpm: header region tag 63: ";
        Assert.Equal($"{prefix}not a 16-byte BIN entry{At(MainStart + 16)}", ReadFails(WithMainHeader([(RpmTag.HeaderImmutable, 7, 4, 15), (RpmTag.Name, 6, 0, 1)], store)).Message);
        Assert.Equal($"{prefix}its trailer lies outside the 20-byte data store{At(MainStart + 16)}", ReadFails(WithMainHeader([(RpmTag.HeaderImmutable, 7, 8, 16), (RpmTag.Name, 6, 0, 1)], store)).Message);

        byte[] badTrailer = [.. RpmBytes.Strings("raw"), .. RpmBytes.IndexEntry(RpmTag.HeaderSignatures, 7, -32, 16)];
        Assert.Equal($"{prefix}its trailer does not repeat the region tag as a 16-byte BIN entry{At(MainStart + 16)}", ReadFails(WithMainHeader([(RpmTag.HeaderImmutable, 7, 4, 16), (RpmTag.Name, 6, 0, 1)], badTrailer)).Message);

        byte[] tooBig = [.. RpmBytes.Strings("raw"), .. RpmBytes.IndexEntry(RpmTag.HeaderImmutable, 7, -48, 16)];
        Assert.Equal($"{prefix}the region (3 entries, 20 bytes) does not fit the header (2 entries, 20 bytes){At(MainStart + 16)}", ReadFails(WithMainHeader([(RpmTag.HeaderImmutable, 7, 4, 16), (RpmTag.Name, 6, 0, 1)], tooBig)).Message);

        byte[] smaller = [.. RpmBytes.Strings("raw"), .. RpmBytes.IndexEntry(RpmTag.HeaderImmutable, 7, -16, 16)];
        Assert.Equal($"{prefix}the region (1 entries, 20 bytes) does not cover the header (2 entries, 20 bytes){At(MainStart + 16)}", ReadFails(WithMainHeader([(RpmTag.HeaderImmutable, 7, 4, 16), (RpmTag.Name, 6, 0, 1)], smaller)).Message);

        // A header without a region (as in old packages) is read; a region tag anywhere else is not a data tag.
        Assert.Equal("raw", RpmReader.ReadHeaders(new MemoryStream(WithMainHeader([(RpmTag.Name, 6, 0, 1)], RpmBytes.Strings("raw"))), Source).Header.GetString(RpmTag.Name));
        Assert.Contains("index entry 1 (tag 63, type 7, offset 4, count 16): invalid tag number", ReadFails(WithMainHeader([(RpmTag.Name, 6, 0, 1), (RpmTag.HeaderImmutable, 7, 4, 16)], store)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_Tags()
    {
        var tags = RpmBytes.MainTags();
        tags.RemoveAll(t => t.Tag == RpmTag.Name);
        tags.Insert(0, RpmBytes.Int32s(RpmTag.Name, 7));
        Assert.StartsWith("raw.rpm: header tag 1000 has type Int32, expected String (at offset", ReadFails(RpmBytes.Package([], tags)).Message, StringComparison.Ordinal);

        tags = RpmBytes.MainTags();
        tags.RemoveAll(t => t.Tag == RpmTag.Release);
        Assert.Equal("raw.rpm: header has no RELEASE tag (1002)", ReadFails(RpmBytes.Package([], tags)).Message);

        tags = RpmBytes.MainTags();
        tags.RemoveAll(t => t.Tag == RpmTag.ProvideFlags);
        tags.Add(RpmBytes.Int32s(RpmTag.ProvideFlags, 8));
        Assert.StartsWith("raw.rpm: header tag 1112 has 1 items but tag 1047 has 2 (at offset", ReadFails(RpmBytes.Package([], tags)).Message, StringComparison.Ordinal);

        tags = RpmBytes.MainTags();
        tags.AddRange([RpmBytes.Int32s(RpmTag.DirIndexes, 0, 1), RpmBytes.StrArray(RpmTag.BaseNames, "a", "b"), RpmBytes.StrArray(RpmTag.DirNames, "/d/")]);
        Assert.StartsWith("raw.rpm: file 1 has directory index 1, outside the 1 directory names (at offset", ReadFails(RpmBytes.Package([], tags)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_TruncatedSignaturePadding()
    {
        byte[] rpm = RpmBytes.Package([]);
        var sig = RpmBytes.SignatureHeader();
        int unpadded = RpmBytes.UnpaddedSignatureHeader().Length;
        Assert.NotEqual(unpadded, sig.Length); // the fixture does need padding
        Assert.Equal($"raw.rpm: truncated signature header padding{At(96 + unpadded)}", ReadFails(rpm[..(96 + unpadded + 1)]).Message);
    }
}

using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Kabigate.Formats.Rpm;

namespace Kabigate.Tests.Formats.Rpm;

/// <summary>One header entry to lay out: its data is placed, aligned, in the store unless an offset is forced.</summary>
internal sealed record TestTag(int Tag, RpmTagType Type, int Count, byte[] Data, int? ForcedOffset = null);

/// <summary>Builds RPM structures and cpio archives byte by byte, for the malformed cases rpmbuild cannot make.</summary>
internal static class RpmBytes
{
    public static TestTag Str(int tag, string value) => new(tag, RpmTagType.String, 1, Strings(value));

    public static TestTag StrArray(int tag, params string[] values) => new(tag, RpmTagType.StringArray, values.Length, Strings(values));

    public static TestTag Int32s(int tag, params int[] values) => new(tag, RpmTagType.Int32, values.Length, Int32Data(values));

    public static byte[] Strings(params string[] values) => [.. values.SelectMany(v => Encoding.UTF8.GetBytes(v + "\0"))];

    public static byte[] Int32Data(params int[] values)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(i * 4), values[i]);
        return data;
    }

    /// <summary>The tags of a minimal valid package, with the given payload compressor (none: no tag).</summary>
    public static List<TestTag> MainTags(string? compressor = null)
    {
        List<TestTag> tags =
        [
            Str(RpmTag.Name, "raw"),
            Str(RpmTag.Version, "1.0"),
            Str(RpmTag.Release, "1"),
            Str(RpmTag.Arch, "x86_64"),
            StrArray(RpmTag.ProvideName, "kernel(printk)", "raw"),
            Int32s(RpmTag.ProvideFlags, 8, 8),
            StrArray(RpmTag.ProvideVersion, "0x92997ed8", "1.0-1"),
            Str(RpmTag.PayloadFormat, "cpio"),
        ];
        if (compressor is not null)
            tags.Add(Str(RpmTag.PayloadCompressor, compressor));
        return tags;
    }

    /// <summary>The 96-byte lead.</summary>
    public static byte[] Lead(byte major = 3, ushort signatureType = 5, string name = "raw-1.0-1")
    {
        var lead = new byte[96];
        lead[0] = 0xed;
        lead[1] = 0xab;
        lead[2] = 0xee;
        lead[3] = 0xdb;
        lead[4] = major;
        Encoding.ASCII.GetBytes(name).CopyTo(lead, 10);
        BinaryPrimitives.WriteUInt16BigEndian(lead.AsSpan(78), signatureType);
        return lead;
    }

    /// <summary>
    /// A header structure: intro, index and store, with a region tag first (and its trailer last in the store) when
    /// <paramref name="regionTag"/> is given. Data is aligned for its type unless an entry forces its offset.
    /// </summary>
    public static byte[] Header(IReadOnlyList<TestTag> tags, int? regionTag)
    {
        var store = new MemoryStream();
        var index = new List<(int Tag, int Type, int Offset, int Count)>();
        foreach (var tag in tags)
        {
            int align = tag.Type switch { RpmTagType.Int16 => 2, RpmTagType.Int32 => 4, RpmTagType.Int64 => 8, _ => 1 };
            while (store.Length % align != 0)
                store.WriteByte(0);
            index.Add((tag.Tag, (int)tag.Type, tag.ForcedOffset ?? (int)store.Length, tag.Count));
            store.Write(tag.Data);
        }

        if (regionTag is int region)
        {
            int il = index.Count + 1;
            index.Insert(0, (region, (int)RpmTagType.Bin, (int)store.Length, 16));
            store.Write(IndexEntry(region, (int)RpmTagType.Bin, -(il * 16), 16));
        }

        return Header(index, store.ToArray());
    }

    /// <summary>A header structure from a raw index and store.</summary>
    public static byte[] Header(IReadOnlyList<(int Tag, int Type, int Offset, int Count)> index, byte[] store)
    {
        var output = new MemoryStream();
        output.Write([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
        output.Write(Int32Data(index.Count, store.Length));
        foreach (var (tag, type, offset, count) in index)
            output.Write(IndexEntry(tag, type, offset, count));
        output.Write(store);
        return output.ToArray();
    }

    public static byte[] IndexEntry(int tag, int type, int offset, int count) => Int32Data(tag, type, offset, count);

    /// <summary>A minimal signature header: a region and a payload size, padded to 8 bytes.</summary>
    public static byte[] SignatureHeader()
    {
        byte[] header = UnpaddedSignatureHeader();
        int pad = (8 - (header.Length % 8)) % 8;
        return [.. header, .. new byte[pad]];
    }

    /// <summary>The signature header without its padding: its store is 25 bytes, so 7 bytes of padding follow.</summary>
    public static byte[] UnpaddedSignatureHeader() =>
        Header([new TestTag(RpmSignatureTag.Size, RpmTagType.Int32, 1, Int32Data(12345)), new TestTag(RpmSignatureTag.Sha256, RpmTagType.String, 1, Strings("abcd"))], RpmTag.HeaderSignatures);

    /// <summary>A whole package: lead, signature header, main header and payload.</summary>
    public static byte[] Package(byte[] payload, List<TestTag>? mainTags = null, byte[]? lead = null) =>
        [.. lead ?? Lead(), .. SignatureHeader(), .. Header(mainTags ?? MainTags(), RpmTag.HeaderImmutable), .. payload];

    /// <summary>One cpio entry to write.</summary>
    public sealed record CpioFile(string Name, byte[] Data, uint Mode = 0x81a4, uint Nlink = 1, uint Ino = 0);

    /// <summary>A cpio archive in rpm's "newc" layout (or "crc" with its checksums), ending in the trailer.</summary>
    public static byte[] Cpio(IEnumerable<CpioFile> files, string magic = "070701")
    {
        var output = new MemoryStream();
        uint ino = 1;
        foreach (var file in files.Append(new CpioFile("TRAILER!!!", [], Mode: 0)))
        {
            uint check = 0;
            if (magic == "070702")
            {
                foreach (byte b in file.Data)
                    check += b;
            }

            CpioHeader(output, magic, file.Ino == 0 ? ino++ : file.Ino, file.Mode, file.Nlink, (uint)file.Data.Length, file.Name, check);
            output.Write(file.Data);
            Pad(output);
        }

        return output.ToArray();
    }

    /// <summary>Writes one header with the given fields, its name and the name's padding.</summary>
    public static void CpioHeader(Stream output, string magic, uint ino, uint mode, uint nlink, uint size, string name, uint check = 0, string? nameSizeField = null)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var header = new StringBuilder(magic);
        foreach (uint field in new uint[] { ino, mode, 0, 0, nlink, 0, size, 8, 1, 0, 0 })
            header.Append(field.ToString("x8", CultureInfo.InvariantCulture));
        header.Append(nameSizeField ?? nameBytes.Length.ToString("x8", CultureInfo.InvariantCulture));
        header.Append(check.ToString("x8", CultureInfo.InvariantCulture));
        output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        output.Write(nameBytes);
        Pad(output);
    }

    private static void Pad(Stream output)
    {
        while (output.Length % 4 != 0)
            output.WriteByte(0);
    }
}

using System.Globalization;
using System.Text;

namespace Kabigate.Formats.Rpm;

/// <summary>
/// The SVR4 cpio layouts rpm writes (<c>lib/cpio.c</c>, cpio(5)): "newc" (<c>070701</c>) and "crc" (<c>070702</c>).
/// A 110-byte header of a 6-byte magic and thirteen 8-digit hex fields, then the NUL-terminated name padded so that
/// header and name end on a 4-byte boundary, then the data padded to 4 bytes. <c>TRAILER!!!</c> ends the archive.
/// </summary>
internal static class CpioLayout
{
    /// <summary>The "newc" magic.</summary>
    public static ReadOnlySpan<byte> NewcMagic => "070701"u8;

    /// <summary>The "crc" magic: newc plus a checksum of the data in <c>c_check</c>.</summary>
    public static ReadOnlySpan<byte> CrcMagic => "070702"u8;

    /// <summary>rpm's stripped header for packages with files of 4 GiB or more (<c>CPIO_STRIPPED_MAGIC</c>).</summary>
    public static ReadOnlySpan<byte> StrippedMagic => "07070X"u8;

    /// <summary>The magic's length.</summary>
    public const int MagicLength = 6;

    /// <summary>Each numeric field: 8 hex digits.</summary>
    public const int FieldLength = 8;

    /// <summary>The fields after the magic, in order.</summary>
    public static readonly string[] FieldNames =
    [
        "c_ino", "c_mode", "c_uid", "c_gid", "c_nlink", "c_mtime", "c_filesize",
        "c_devmajor", "c_devminor", "c_rdevmajor", "c_rdevminor", "c_namesize", "c_check",
    ];

    /// <summary>The index of <c>c_ino</c> in <see cref="FieldNames"/>.</summary>
    public const int Ino = 0;

    /// <summary>The index of <c>c_mode</c>.</summary>
    public const int Mode = 1;

    /// <summary>The index of <c>c_nlink</c>.</summary>
    public const int Nlink = 4;

    /// <summary>The index of <c>c_filesize</c>.</summary>
    public const int FileSize = 6;

    /// <summary>The index of <c>c_devmajor</c>.</summary>
    public const int DevMajor = 7;

    /// <summary>The index of <c>c_devminor</c>.</summary>
    public const int DevMinor = 8;

    /// <summary>The index of <c>c_namesize</c>.</summary>
    public const int NameSize = 11;

    /// <summary>The index of <c>c_check</c>.</summary>
    public const int Check = 12;

    /// <summary>The whole header: 110 bytes.</summary>
    public const int HeaderLength = MagicLength + (13 * FieldLength);

    /// <summary>Headers and data start on this boundary.</summary>
    public const int Alignment = 4;

    /// <summary>The largest <c>c_namesize</c> rpm accepts (PATH_MAX, CVE-2014-8118), terminator included.</summary>
    public const int MaxNameSize = 4096;

    /// <summary>The <c>S_IFMT</c> bits of <c>c_mode</c>.</summary>
    public const uint FileTypeMask = 0xf000;

    /// <summary><c>S_IFREG</c>.</summary>
    public const uint RegularFile = 0x8000;

    /// <summary>The last entry's name.</summary>
    public const string Trailer = "TRAILER!!!";
}

/// <summary>One cpio header.</summary>
/// <param name="Name">The name as stored, e.g. <c>./lib/modules/6.1.0-47-amd64/extra/x.ko</c>.</param>
/// <param name="Mode"><c>c_mode</c>: file type and permissions.</param>
/// <param name="Nlink"><c>c_nlink</c>.</param>
/// <param name="FileSize"><c>c_filesize</c>: 0 for all but the last of a set of hard links.</param>
/// <param name="Ino"><c>c_ino</c>.</param>
/// <param name="DevMajor"><c>c_devmajor</c>.</param>
/// <param name="DevMinor"><c>c_devminor</c>.</param>
/// <param name="Check"><c>c_check</c>: the data's byte sum in the crc format.</param>
/// <param name="IsCrc">Whether the magic is <c>070702</c>.</param>
/// <param name="HeaderOffset">Where the header starts in the archive.</param>
internal readonly record struct CpioHeader(string Name, uint Mode, uint Nlink, long FileSize, uint Ino, uint DevMajor, uint DevMinor, uint Check, bool IsCrc, long HeaderOffset)
{
    public bool IsRegularFile => (Mode & CpioLayout.FileTypeMask) == CpioLayout.RegularFile;
}

/// <summary>
/// Reads a cpio archive forward, one header at a time, skipping unread data without buffering it. Faults of the
/// underlying (decompressing) stream are rethrown naming the entry being read.
/// </summary>
internal sealed class CpioReader
{
    private const int SkipChunk = 81920;

    private readonly Stream _archive;
    private readonly string _sourceName;
    private long _position;
    private CpioHeader? _current;
    private long _dataConsumed;

    internal CpioReader(Stream archive, string sourceName)
    {
        _archive = archive;
        _sourceName = sourceName;
    }

    /// <summary>Skips the rest of the current entry and reads the next header.</summary>
    /// <returns>The next entry, or null at <c>TRAILER!!!</c>.</returns>
    /// <exception cref="ModuleFormatException">The archive is truncated, a header is malformed, or the stream fails.</exception>
    internal CpioHeader? Next()
    {
        string? previous = _current?.Name;
        if (_current is { } current)
        {
            Skip(current.FileSize - _dataConsumed, current.Name);
            SkipPadding(current.Name);
        }

        long start = _position;
        Span<byte> header = stackalloc byte[CpioLayout.HeaderLength];
        int read = Fill(header, previous, entry: false);
        if (read == 0)
            throw new ModuleFormatException(_sourceName, Messages.CpioNoTrailer(previous), start);
        if (read < header.Length)
            throw new ModuleFormatException(_sourceName, Messages.CpioTruncatedHeader(previous), start + read);

        var magic = header[..CpioLayout.MagicLength];
        bool crc = magic.SequenceEqual(CpioLayout.CrcMagic);
        if (!crc && !magic.SequenceEqual(CpioLayout.NewcMagic))
        {
            throw new ModuleFormatException(_sourceName, magic.SequenceEqual(CpioLayout.StrippedMagic)
                ? Messages.CpioStripped
                : Messages.CpioBadMagic(Convert.ToHexStringLower(magic), previous), start);
        }

        Span<uint> fields = stackalloc uint[CpioLayout.FieldNames.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            var text = header.Slice(CpioLayout.MagicLength + (i * CpioLayout.FieldLength), CpioLayout.FieldLength);
            if (!uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out fields[i]) || text.ContainsAnyExcept(HexDigits))
                throw new ModuleFormatException(_sourceName, Messages.CpioBadField(CpioLayout.FieldNames[i], Encoding.ASCII.GetString(text), previous), start + CpioLayout.MagicLength + (i * CpioLayout.FieldLength));
        }

        uint nameSize = fields[CpioLayout.NameSize];
        if (nameSize is < 2 or > CpioLayout.MaxNameSize)
            throw new ModuleFormatException(_sourceName, Messages.CpioBadNameSize(nameSize, CpioLayout.MaxNameSize, previous), start + CpioLayout.MagicLength + (CpioLayout.NameSize * CpioLayout.FieldLength));
        Span<byte> name = stackalloc byte[(int)nameSize];
        read = Fill(name, previous, entry: false);
        if (read < name.Length)
            throw new ModuleFormatException(_sourceName, Messages.CpioTruncatedHeader(previous), _position);
        if (name[^1] != 0 || name[..^1].Contains((byte)0))
            throw new ModuleFormatException(_sourceName, Messages.CpioBadName(previous), start + CpioLayout.HeaderLength);

        var entry = new CpioHeader(
            Encoding.UTF8.GetString(name[..^1]),
            fields[CpioLayout.Mode],
            fields[CpioLayout.Nlink],
            fields[CpioLayout.FileSize],
            fields[CpioLayout.Ino],
            fields[CpioLayout.DevMajor],
            fields[CpioLayout.DevMinor],
            fields[CpioLayout.Check],
            crc,
            start);
        if (entry.Name == CpioLayout.Trailer)
        {
            _current = null;
            return null;
        }

        SkipPadding(entry.Name);
        _current = entry;
        _dataConsumed = 0;
        return entry;
    }

    /// <summary>Reads the current entry's data, which must not have been read yet.</summary>
    /// <exception cref="ModuleFormatException">
    /// The data is larger than <paramref name="maxBytes"/>, truncated, unreadable, or (crc format) fails its checksum.
    /// </exception>
    internal byte[] ReadData(long maxBytes)
    {
        var entry = _current ?? throw new InvalidOperationException("no current cpio entry");
        long limit = Math.Min(maxBytes, Array.MaxLength);
        if (entry.FileSize > limit)
            throw new ModuleFormatException(_sourceName, Messages.CpioEntryTooLarge(entry.Name, entry.FileSize, limit), entry.HeaderOffset);

        bool complete;
        byte[] data;
        try
        {
            complete = BoundedRead.TryReadExactly(_archive, (int)entry.FileSize, out data);
        }
        catch (ModuleFormatException ex)
        {
            throw new ModuleFormatException(_sourceName, Messages.CpioEntryUnreadable(entry.Name, ex.Reason), _position, inner: ex);
        }

        _position += data.Length;
        _dataConsumed = data.Length;
        if (!complete)
            throw new ModuleFormatException(_sourceName, Messages.CpioEntryTruncated(entry.Name), _position);
        if (entry.IsCrc)
        {
            uint sum = 0;
            foreach (byte b in data)
                sum += b;
            if (sum != entry.Check)
                throw new ModuleFormatException(_sourceName, Messages.CpioChecksum(entry.Name, entry.Check, sum), entry.HeaderOffset);
        }

        return data;
    }

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdefABCDEF"u8;

    private void Skip(long count, string name)
    {
        if (count <= 0)
            return;
        var scratch = new byte[(int)Math.Min(count, SkipChunk)];
        while (count > 0)
        {
            var chunk = scratch.AsSpan(0, (int)Math.Min(count, scratch.Length));
            int read = Fill(chunk, name, entry: true);
            if (read < chunk.Length)
                throw new ModuleFormatException(_sourceName, Messages.CpioEntryTruncated(name), _position);
            count -= read;
            _dataConsumed += read;
        }
    }

    /// <summary>Consumes the zeros that bring the archive to the next 4-byte boundary.</summary>
    private void SkipPadding(string name)
    {
        int pad = (int)((CpioLayout.Alignment - (_position % CpioLayout.Alignment)) % CpioLayout.Alignment);
        Span<byte> padding = stackalloc byte[CpioLayout.Alignment];
        if (Fill(padding[..pad], name, entry: true) < pad)
            throw new ModuleFormatException(_sourceName, Messages.CpioEntryTruncated(name), _position);
    }

    /// <summary>Reads as much of <paramref name="buffer"/> as the stream has, naming the entry if the stream fails.</summary>
    private int Fill(Span<byte> buffer, string? name, bool entry)
    {
        int read;
        try
        {
            read = _archive.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (ModuleFormatException ex)
        {
            string message = entry ? Messages.CpioEntryUnreadable(name!, ex.Reason) : Messages.CpioHeaderUnreadable(name, ex.Reason);
            throw new ModuleFormatException(_sourceName, message, _position, inner: ex);
        }

        _position += read;
        return read;
    }
}

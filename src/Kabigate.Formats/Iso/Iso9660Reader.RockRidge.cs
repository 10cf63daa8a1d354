using System.Buffers.Binary;

namespace Kabigate.Formats.Iso;

public static partial class Iso9660Reader
{
    /// <summary>The most continuation areas (<c>CE</c>) followed for one record.</summary>
    private const int MaxContinuations = 32;

    /// <summary>The largest continuation area read: 64 KiB (libisofs writes them within one block).</summary>
    private const int MaxContinuationBytes = 64 << 10;

    /// <summary>What a record's system use entries say, as far as names and file types go.</summary>
    private sealed class SystemUseFields
    {
        /// <summary>The <c>NM</c> name's bytes, joined over entries that set the continue flag; null if none.</summary>
        public List<byte>? Name;

        /// <summary>An <c>NM</c> entry without the continue flag was seen: later ones are ignored, as in Linux.</summary>
        public bool NameComplete;

        /// <summary>The <c>PX</c> file mode, if any.</summary>
        public uint? Mode;

        /// <summary>An <c>SL</c> entry: a symbolic link.</summary>
        public bool IsSymlink;

        /// <summary>The <c>CL</c> entry's block: the record stands for a directory relocated there.</summary>
        public long? ChildLinkBlock;

        /// <summary>An <c>RE</c> entry: this directory is shown where its <c>CL</c> is, not here.</summary>
        public bool IsRelocated;

        /// <summary>An entry of Rock Ridge's own (<c>ER</c>, <c>RR</c>, <c>PX</c>, <c>NM</c>) was seen.</summary>
        public bool HasRockRidge;
    }

    /// <summary>
    /// Reads the system use area of <paramref name="record"/> after its first <paramref name="skip"/> bytes (SUSP's
    /// <c>LEN_SKP</c>), then the continuation areas its <c>CE</c> entries name, up to <see cref="MaxContinuations"/>.
    /// </summary>
    private static SystemUseFields ReadSystemUse(IsoVolume volume, ReadOnlySpan<byte> record, long recordOffset, int skip, string path)
    {
        var fields = new SystemUseFields();
        int start = IsoLayout.SystemUseOffset(record[IsoLayout.IdentifierLengthOffset]) + skip;
        if (start >= record.Length)
            return fields;

        var next = ParseArea(volume, record[start..], recordOffset + start, fields, path);
        for (int count = 0; next is { } continuation; count++)
        {
            if (count == MaxContinuations)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoTooManyContinuations(path, MaxContinuations), continuation.Offset);
            var area = volume.ReadMetadata(continuation.Offset, (int)continuation.Length, path);
            next = ParseArea(volume, area, continuation.Offset, fields, path);
        }

        return fields;
    }

    /// <summary>Reads the entries of one area into <paramref name="fields"/>.</summary>
    /// <returns>The continuation area named by the area's (last) <c>CE</c> entry, or null.</returns>
    private static IsoExtent? ParseArea(IsoVolume volume, ReadOnlySpan<byte> area, long areaOffset, SystemUseFields fields, string path)
    {
        IsoExtent? continuation = null;
        int position = 0;
        while (area.Length - position >= SuspLayout.HeaderLength)
        {
            var entry = area[position..];
            int length = entry[SuspLayout.LengthOffset];
            if (length < SuspLayout.HeaderLength)
                break; // padding, or a corrupt entry: Linux stops here too
            if (length > entry.Length)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoSuspEntryBeyondArea(path, Signature(entry)), areaOffset + position);
            entry = entry[..length];
            position += length;

            var signature = entry[..SuspLayout.SignatureLength];
            if (signature.SequenceEqual(SuspLayout.St))
                break;
            if (signature.SequenceEqual(SuspLayout.Ce) && length >= SuspLayout.CeLength)
                continuation = ReadContinuation(volume, entry, areaOffset + position - length, path);
            else if (signature.SequenceEqual(SuspLayout.Nm))
                ReadName(entry, fields);
            else if (signature.SequenceEqual(SuspLayout.Px) && length >= SuspLayout.PxMinLength)
            {
                fields.Mode = BinaryPrimitives.ReadUInt32LittleEndian(entry[SuspLayout.PxModeOffset..]);
                fields.HasRockRidge = true;
            }
            else if (signature.SequenceEqual(SuspLayout.Sl))
                fields.IsSymlink = true;
            else if (signature.SequenceEqual(SuspLayout.Cl) && length >= SuspLayout.ClLength)
                fields.ChildLinkBlock = BinaryPrimitives.ReadUInt32LittleEndian(entry[SuspLayout.ClBlockOffset..]);
            else if (signature.SequenceEqual(SuspLayout.Re))
                fields.IsRelocated = true;
            else if (signature.SequenceEqual("ER"u8) || signature.SequenceEqual("RR"u8))
                fields.HasRockRidge = true;
        }

        return continuation;
    }

    private static IsoExtent ReadContinuation(IsoVolume volume, ReadOnlySpan<byte> entry, long entryOffset, string path)
    {
        long block = BinaryPrimitives.ReadUInt32LittleEndian(entry[SuspLayout.CeBlockOffset..]);
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(entry[SuspLayout.CeAreaOffset..]);
        long length = BinaryPrimitives.ReadUInt32LittleEndian(entry[SuspLayout.CeLengthOffset..]);
        long start = (block * IsoLayout.BlockSize) + offset; // at most 2^43 + 2^32: no overflow
        if (length > MaxContinuationBytes)
            throw new ModuleFormatException(volume.SourceName, Messages.IsoContinuationTooLarge(path, length, MaxContinuationBytes), entryOffset);
        if (!volume.Contains(start, length))
            throw new ModuleFormatException(volume.SourceName, Messages.IsoExtentBeyondEnd(path, start, length, volume.Length), entryOffset);
        return new IsoExtent(start, length);
    }

    /// <summary>Appends an <c>NM</c> entry's part of the name, as Linux's <c>get_rock_ridge_filename</c> does.</summary>
    private static void ReadName(ReadOnlySpan<byte> entry, SystemUseFields fields)
    {
        fields.HasRockRidge = true;
        if (fields.NameComplete || entry.Length <= SuspLayout.NmFlagsOffset)
            return;
        byte flags = entry[SuspLayout.NmFlagsOffset];
        if ((flags & (SuspLayout.NmCurrent | SuspLayout.NmParent)) != 0)
        {
            // Only the '.' and '..' records, which are skipped, may say so; elsewhere the name is refused.
            fields.Name = (flags & SuspLayout.NmCurrent) != 0 ? [(byte)'.'] : [(byte)'.', (byte)'.'];
            fields.NameComplete = true;
            return;
        }

        fields.Name ??= [];
        fields.Name.AddRange(entry[SuspLayout.NmNameOffset..]);
        if ((flags & SuspLayout.NmContinue) == 0)
            fields.NameComplete = true;
    }

    private static string Signature(ReadOnlySpan<byte> entry) =>
        System.Text.Encoding.ASCII.GetString(entry[..Math.Min(entry.Length, SuspLayout.SignatureLength)]);
}

using System.Buffers.Binary;
using System.Text;

namespace Kabigate.Formats.Iso;

/// <summary>
/// Reads ISO 9660 images (ECMA-119) as Linux's isofs does, without unpacking them: the volume descriptors from
/// sector 16, the primary tree with its Rock Ridge names (SUSP <c>SP</c>, <c>NM</c>, <c>CE</c>, and the <c>CL</c>/<c>RE</c>
/// relocation of deep directories), or else the Joliet tree of a supplementary descriptor, or else the plain ISO 9660
/// names. Multi-extent files are joined.
/// </summary>
/// <remarks>
/// The whole tree is read when the image is opened, and every extent checked to lie inside the image, so a truncated
/// or corrupt image fails there with a <see cref="ModuleFormatException"/>. Walks are bounded: a directory seen
/// twice (a cycle), more than <see cref="MaxDepth"/> levels, paths longer than <see cref="MaxPathLength"/>,
/// more than <see cref="MaxEntries"/> entries, or directories over <see cref="MaxDirectoryBytes"/> are refused.
/// Associated files are skipped (as Linux does by default); with Rock Ridge, so are symbolic links, devices, FIFOs and
/// sockets, so that every entry is a regular file or a directory.
/// </remarks>
public static partial class Iso9660Reader
{
    /// <summary>The largest directory read: 64 MiB, some hundreds of thousands of records.</summary>
    public const int MaxDirectoryBytes = 64 << 20;

    /// <summary>The most entries (files and directories) an image may have.</summary>
    public const int MaxEntries = 1 << 20;

    /// <summary>The deepest directory nesting accepted below the root.</summary>
    public const int MaxDepth = 1024;

    /// <summary>The longest path accepted, in characters: Linux's <c>PATH_MAX</c>.</summary>
    public const int MaxPathLength = 4096;

    /// <summary>Opens an image file.</summary>
    /// <param name="path">The .iso file.</param>
    /// <returns>The image, which keeps the file open until it is disposed.</returns>
    /// <exception cref="ModuleFormatException">The file is not an ISO 9660 image, or is truncated or malformed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IsoImage Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        InputFiles.RequireRegularFile(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.RandomAccess);
        try
        {
            return Open(stream, path, ownsStream: true);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Opens an image held in a stream.</summary>
    /// <param name="image">
    /// The image, starting at the stream's current position; must be readable and seekable. It is not disposed with
    /// the image, and must stay open while files are read.
    /// </param>
    /// <param name="sourceName">The image's name in errors.</param>
    /// <returns>The image, its whole directory tree read.</returns>
    /// <exception cref="ArgumentException">The stream cannot read or seek.</exception>
    /// <exception cref="ModuleFormatException">
    /// The stream holds no primary volume descriptor, or the image is truncated or malformed: an extent past its end, a
    /// corrupt directory record or Rock Ridge entry, a directory cycle, or a limit exceeded.
    /// </exception>
    public static IsoImage Open(Stream image, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Open(image, sourceName, ownsStream: false);
    }

    private static IsoImage Open(Stream image, string sourceName, bool ownsStream)
    {
        if (!image.CanRead || !image.CanSeek)
            throw new ArgumentException("The image stream must be readable and seekable.", nameof(image));
        var volume = new IsoVolume(image, sourceName);
        var (primary, joliet) = ReadDescriptors(volume);

        var primaryRoot = ReadRootRecord(volume, primary);
        var rockRidge = DetectRockRidge(volume, primaryRoot);
        string volumeIdentifier = Encoding.ASCII.GetString(
            primary.AsSpan(IsoLayout.VolumeIdentifierOffset, IsoLayout.VolumeIdentifierLength)).TrimEnd(' ', '\0');

        var (naming, root) = rockRidge is not null ? (IsoNaming.RockRidge, primaryRoot)
            : joliet is not null ? (IsoNaming.Joliet, ReadRootRecord(volume, joliet))
            : (IsoNaming.Iso9660, primaryRoot);
        var walker = new Walker(volume, naming, rockRidge?.SkipLength ?? 0);
        var entries = walker.Walk(root);
        return new IsoImage(volume, ownsStream, entries, naming, volumeIdentifier);
    }

    /// <summary>
    /// Reads the volume descriptor set: the first primary descriptor, and the first supplementary one whose escape
    /// sequences say Joliet. Stops at the terminator, at a sector that is not a descriptor, or after
    /// <see cref="IsoLayout.MaxDescriptors"/>.
    /// </summary>
    private static (byte[] Primary, byte[]? Joliet) ReadDescriptors(IsoVolume volume)
    {
        byte[]? primary = null, joliet = null;
        var sector = new byte[IsoLayout.SectorSize];
        for (int i = 0; i < IsoLayout.MaxDescriptors; i++)
        {
            long offset = (long)(IsoLayout.FirstDescriptorSector + i) * IsoLayout.SectorSize;
            if (!volume.Contains(offset, IsoLayout.SectorSize))
            {
                if (primary is null)
                    throw new ModuleFormatException(volume.SourceName, Messages.IsoNoDescriptor(volume.Length), offset);
                break;
            }

            volume.ReadAt(offset, sector);
            if (!sector.AsSpan(IsoLayout.StandardIdentifierOffset).StartsWith(IsoLayout.StandardIdentifier))
                break;
            byte type = sector[IsoLayout.DescriptorTypeOffset];
            if (type == IsoLayout.TypeTerminator)
                break;
            if (type == IsoLayout.TypePrimary && primary is null)
                primary = CheckBlockSize(volume, (byte[])sector.Clone(), offset);
            else if (type == IsoLayout.TypeSupplementary && joliet is null && IsJoliet(sector))
                joliet = CheckBlockSize(volume, (byte[])sector.Clone(), offset);
        }

        if (primary is null)
            throw new ModuleFormatException(volume.SourceName, Messages.IsoNoPrimaryDescriptor, (long)IsoLayout.FirstDescriptorSector * IsoLayout.SectorSize);
        return (primary, joliet);
    }

    private static bool IsJoliet(ReadOnlySpan<byte> descriptor)
    {
        var escapes = descriptor.Slice(IsoLayout.EscapeSequencesOffset, IsoLayout.EscapeSequencesLength);
        return escapes.StartsWith(IsoLayout.JolietLevel1) || escapes.StartsWith(IsoLayout.JolietLevel2) || escapes.StartsWith(IsoLayout.JolietLevel3);
    }

    private static byte[] CheckBlockSize(IsoVolume volume, byte[] descriptor, long offset)
    {
        int blockSize = BinaryPrimitives.ReadUInt16LittleEndian(descriptor.AsSpan(IsoLayout.LogicalBlockSizeOffset));
        if (blockSize != IsoLayout.BlockSize)
            throw new ModuleFormatException(volume.SourceName, Messages.IsoBlockSize(blockSize), offset + IsoLayout.LogicalBlockSizeOffset);
        return descriptor;
    }

    /// <summary>The root directory's extent, from the record embedded in a volume descriptor.</summary>
    private static IsoExtent ReadRootRecord(IsoVolume volume, byte[] descriptor)
    {
        var record = descriptor.AsSpan(IsoLayout.RootRecordOffset, IsoLayout.RootRecordLength);
        var extent = ExtentOf(record);
        if (!volume.Contains(extent.Offset, extent.Length))
            throw new ModuleFormatException(volume.SourceName, Messages.IsoExtentBeyondEnd("/", extent.Offset, extent.Length, volume.Length), extent.Offset);
        return extent;
    }

    /// <summary>A record's extent: its block plus the extended attribute record's blocks, and its data length.</summary>
    private static IsoExtent ExtentOf(ReadOnlySpan<byte> record)
    {
        long block = BinaryPrimitives.ReadUInt32LittleEndian(record[IsoLayout.ExtentOffset..]);
        block += record[IsoLayout.ExtendedAttributeLengthOffset];
        long length = BinaryPrimitives.ReadUInt32LittleEndian(record[IsoLayout.DataLengthOffset..]);
        return new IsoExtent(block * IsoLayout.BlockSize, length);
    }

    /// <summary>
    /// Rock Ridge is in use when the root's <c>.</c> record starts its system use area with SUSP's <c>SP</c> entry and
    /// the area (or its continuation) holds a Rock Ridge entry: <c>ER</c>, <c>RR</c>, <c>PX</c> or <c>NM</c>.
    /// </summary>
    /// <returns>The SUSP skip length when Rock Ridge is in use, else null.</returns>
    private static RockRidgeInfo? DetectRockRidge(IsoVolume volume, IsoExtent root)
    {
        if (root.Length < IsoLayout.MinRecordLength)
            return null;
        var first = volume.ReadMetadata(root.Offset, IsoLayout.MinRecordLength, "/");
        int length = first[IsoLayout.RecordLengthOffset];
        if (length < IsoLayout.MinRecordLength || length > root.Length || first[IsoLayout.IdentifierLengthOffset] != 1)
            return null;
        var record = volume.ReadMetadata(root.Offset, length, "/");
        var area = record.AsSpan(IsoLayout.SystemUseOffset(1));
        if (area.Length < SuspLayout.SpLength || !area.StartsWith(SuspLayout.Sp) || area[SuspLayout.LengthOffset] < SuspLayout.SpLength
            || !area[SuspLayout.SpCheckOffset..].StartsWith(SuspLayout.SpCheckBytes))
            return null;
        var fields = ReadSystemUse(volume, record, root.Offset, skip: 0, "/");
        return fields.HasRockRidge ? new RockRidgeInfo(area[SuspLayout.SpSkipOffset]) : null;
    }

    private sealed record RockRidgeInfo(int SkipLength);
}

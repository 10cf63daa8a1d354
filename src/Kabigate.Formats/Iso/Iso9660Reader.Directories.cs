using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace Kabigate.Formats.Iso;

public static partial class Iso9660Reader
{
    /// <summary>
    /// Walks one directory tree depth-first, directories before their contents and records in the order on disc (which
    /// ISO 9660 sorts), with an explicit stack: no recursion, so no stack overflow however deep a crafted image nests.
    /// </summary>
    private sealed class Walker(IsoVolume volume, IsoNaming naming, int suspSkip)
    {
        /// <summary>Directory extents already read, by offset, with the path that read them: a cycle guard.</summary>
        private readonly Dictionary<long, string> _visited = [];
        private int _count;

        public ImmutableArray<IsoEntry> Walk(IsoExtent root)
        {
            var result = ImmutableArray.CreateBuilder<IsoEntry>();
            var pending = new Stack<(IsoEntry Entry, int Depth)>();
            _visited.Add(root.Offset, "");
            Push(pending, ReadDirectory(root, ""), depth: 1);
            while (pending.TryPop(out var item))
            {
                result.Add(item.Entry);
                if (!item.Entry.IsDirectory)
                    continue;
                if (item.Depth >= MaxDepth)
                    throw new ModuleFormatException(volume.SourceName, Messages.IsoTooDeep(item.Entry.Path, MaxDepth));
                var extent = item.Entry.Extents[0];
                if (extent.Length == 0)
                    continue; // no records at all, not even '.': nothing to read
                if (!_visited.TryAdd(extent.Offset, item.Entry.Path))
                    throw new ModuleFormatException(volume.SourceName, Messages.IsoDirectoryCycle(item.Entry.Path, _visited[extent.Offset]), extent.Offset);
                Push(pending, ReadDirectory(extent, item.Entry.Path), item.Depth + 1);
            }

            return result.ToImmutable();
        }

        private static void Push(Stack<(IsoEntry, int)> pending, List<IsoEntry> children, int depth)
        {
            for (int i = children.Count - 1; i >= 0; i--)
                pending.Push((children[i], depth));
        }

        /// <summary>
        /// Reads a directory's records. A zero length byte ends the records of a sector: the next one starts at the
        /// next sector (ECMA-119 6.8.1.1). Records of a multi-extent file are joined into one entry.
        /// </summary>
        private List<IsoEntry> ReadDirectory(IsoExtent extent, string directory)
        {
            if (extent.Length > MaxDirectoryBytes)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoDirectoryTooLarge(directory, extent.Length, MaxDirectoryBytes), extent.Offset);
            var data = volume.ReadMetadata(extent.Offset, (int)extent.Length, Display(directory));
            var children = new List<IsoEntry>();
            MultiExtent? multi = null;
            int position = 0;
            while (position < data.Length)
            {
                int length = data[position + IsoLayout.RecordLengthOffset];
                if (length == 0)
                {
                    position = ((position / IsoLayout.SectorSize) + 1) * IsoLayout.SectorSize;
                    continue;
                }

                long recordOffset = extent.Offset + position;
                if (length < IsoLayout.MinRecordLength || length > data.Length - position)
                    throw new ModuleFormatException(volume.SourceName, Messages.IsoBadRecordLength(Display(directory), length), recordOffset);
                var record = data.AsSpan(position, length);
                position += length;
                int identifierLength = record[IsoLayout.IdentifierLengthOffset];
                if (IsoLayout.IdentifierOffset + identifierLength > length)
                    throw new ModuleFormatException(volume.SourceName, Messages.IsoIdentifierBeyondRecord(Display(directory), identifierLength, length), recordOffset);
                var identifier = record.Slice(IsoLayout.IdentifierOffset, identifierLength);
                byte flags = record[IsoLayout.FlagsOffset];

                if (multi is not null)
                {
                    // Every record of a multi-extent file carries the same identifier and follows the one before.
                    if (!identifier.SequenceEqual(multi.Identifier))
                        throw new ModuleFormatException(volume.SourceName, Messages.IsoMultiExtentBroken(multi.Path), recordOffset);
                    multi.Add(CheckedExtent(record, multi.Path, recordOffset));
                    if ((flags & IsoLayout.FlagMultiExtent) == 0)
                    {
                        children.Add(multi.ToEntry());
                        multi = null;
                    }

                    continue;
                }

                if (identifierLength == 1 && identifier[0] is IsoLayout.IdentifierSelf or IsoLayout.IdentifierParent)
                    continue;
                if ((flags & IsoLayout.FlagAssociated) != 0)
                    continue;
                if (ReadRecord(record, recordOffset, directory) is not { } entry)
                    continue;
                if (!entry.IsDirectory && (flags & IsoLayout.FlagMultiExtent) != 0)
                {
                    multi = new MultiExtent(identifier.ToArray(), entry);
                    continue;
                }

                children.Add(entry);
            }

            if (multi is not null)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoMultiExtentBroken(multi.Path), extent.Offset + extent.Length);
            return children;
        }

        /// <summary>One record, named by the tree's naming; null for records not shown (Rock Ridge non-files, relocated directories).</summary>
        private IsoEntry? ReadRecord(ReadOnlySpan<byte> record, long recordOffset, string directory)
        {
            var identifier = record.Slice(IsoLayout.IdentifierOffset, record[IsoLayout.IdentifierLengthOffset]);
            bool isDirectory = (record[IsoLayout.FlagsOffset] & IsoLayout.FlagDirectory) != 0;
            string? name = null;
            long? childLink = null;
            if (naming == IsoNaming.RockRidge)
            {
                var fields = ReadSystemUse(volume, record, recordOffset, suspSkip, Display(Join(directory, IsoName(identifier))));
                if (fields.IsRelocated)
                    return null; // shown where its CL record is
                if (fields.IsSymlink || (fields.Mode is uint mode && (mode & SuspLayout.ModeTypeMask) is not (SuspLayout.ModeRegular or SuspLayout.ModeDirectory)))
                    return null;
                if (fields.Name is not null)
                    name = Encoding.UTF8.GetString([.. fields.Name]);
                childLink = fields.ChildLinkBlock;
            }

            name ??= naming == IsoNaming.Joliet ? JolietName(identifier, directory, recordOffset) : IsoName(identifier);
            if (name.Length == 0 || name is "." or ".." || name.AsSpan().IndexOfAny('/', '\0') >= 0)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoInvalidName(Display(directory), name), recordOffset);
            string path = Join(directory, name);
            if (path.Length > MaxPathLength)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoPathTooLong(Display(directory), MaxPathLength), recordOffset);
            if (++_count > MaxEntries)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoTooManyEntries(MaxEntries), recordOffset);
            if (record[IsoLayout.FileUnitSizeOffset] != 0 || record[IsoLayout.InterleaveGapOffset] != 0)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoInterleaved(Display(path)), recordOffset);

            if (childLink is long block)
            {
                var moved = RelocatedDirectory(block, path, recordOffset);
                return new IsoEntry(path, moved.Length, IsDirectory: true) { Extents = [moved] };
            }

            var extent = CheckedExtent(record, path, recordOffset);
            // A directory keeps its extent even when empty, for the cycle guard; an empty file has none.
            return new IsoEntry(path, extent.Length, isDirectory) { Extents = extent.Length == 0 && !isDirectory ? [] : [extent] };
        }

        /// <summary>A record's extent, checked to lie inside the image unless it is empty.</summary>
        private IsoExtent CheckedExtent(ReadOnlySpan<byte> record, string path, long recordOffset)
        {
            var extent = ExtentOf(record);
            if (extent.Length > 0 && !volume.Contains(extent.Offset, extent.Length))
                throw new ModuleFormatException(volume.SourceName, Messages.IsoExtentBeyondEnd(Display(path), extent.Offset, extent.Length, volume.Length), recordOffset);
            return extent;
        }

        /// <summary>
        /// A Rock Ridge <c>CL</c> record stands for a directory relocated to <paramref name="block"/> (deep directories
        /// moved nearer the root); the directory's own <c>.</c> record there gives its length.
        /// </summary>
        private IsoExtent RelocatedDirectory(long block, string path, long recordOffset)
        {
            long offset = block * IsoLayout.BlockSize;
            if (!volume.Contains(offset, IsoLayout.MinRecordLength))
                throw new ModuleFormatException(volume.SourceName, Messages.IsoExtentBeyondEnd(Display(path), offset, IsoLayout.MinRecordLength, volume.Length), recordOffset);
            var self = volume.ReadMetadata(offset, IsoLayout.MinRecordLength, Display(path));
            if (self[IsoLayout.RecordLengthOffset] < IsoLayout.MinRecordLength || self[IsoLayout.IdentifierLengthOffset] != 1
                || self[IsoLayout.IdentifierOffset] != IsoLayout.IdentifierSelf)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoBadRelocation(Display(path)), offset);
            return CheckedExtent(self, path, offset);
        }

        private string JolietName(ReadOnlySpan<byte> identifier, string directory, long recordOffset)
        {
            if (identifier.Length % 2 != 0)
                throw new ModuleFormatException(volume.SourceName, Messages.IsoJolietOddName(Display(directory), identifier.Length), recordOffset);
            return StripVersion(Encoding.BigEndianUnicode.GetString(identifier));
        }
    }

    /// <summary>An ISO 9660 name without its <c>;1</c> version, nor the dot that ends a name with no extension.</summary>
    private static string IsoName(ReadOnlySpan<byte> identifier)
    {
        string name = StripVersion(Encoding.UTF8.GetString(identifier));
        return name.Length > 1 && name[^1] == '.' ? name[..^1] : name;
    }

    /// <summary>Strips a <c>;</c> followed by nothing but digits from the end.</summary>
    private static string StripVersion(string name)
    {
        int semicolon = name.LastIndexOf(';');
        if (semicolon < 0)
            return name;
        foreach (char c in name.AsSpan(semicolon + 1))
        {
            if (c is < '0' or > '9')
                return name;
        }

        return name[..semicolon];
    }

    private static string Join(string directory, string name) => directory.Length == 0 ? name : $"{directory}/{name}";

    /// <summary>A path as messages show it: absolute, so the root shows as <c>/</c>.</summary>
    private static string Display(string path) => "/" + path;

    /// <summary>The records of a multi-extent file seen so far.</summary>
    private sealed class MultiExtent(byte[] identifier, IsoEntry first)
    {
        private readonly ImmutableArray<IsoExtent>.Builder _extents = first.Extents.ToBuilder();
        private long _size = first.Size;

        public byte[] Identifier { get; } = identifier;

        public string Path => first.Path;

        public void Add(IsoExtent extent)
        {
            if (extent.Length == 0)
                return;
            _extents.Add(extent);
            _size += extent.Length; // each below 4 GiB, and fewer than 2^21 of them in one directory
        }

        public IsoEntry ToEntry() => first with { Size = _size, Extents = _extents.ToImmutable() };
    }
}

using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace Kabigate.Formats.Rpm;

/// <summary>One entry of a header's index, as validated against its store.</summary>
/// <param name="Tag">The tag number (<see cref="RpmTag"/>, <see cref="RpmSignatureTag"/>).</param>
/// <param name="Type">The data type.</param>
/// <param name="Offset">Where the data starts in the store.</param>
/// <param name="Count">The number of items (strings, integers or bytes).</param>
/// <param name="Length">The data's length in bytes, string terminators included.</param>
public readonly record struct RpmHeaderEntry(int Tag, RpmTagType Type, int Offset, int Count, int Length);

/// <summary>
/// A signature or main header: its index and data store, every entry already checked to lie inside the store with
/// its type's alignment and, for strings, its terminators. Values are decoded on request by typed accessors, which
/// return null for an absent tag and throw for a tag of an unexpected type. When a tag appears more than once, the
/// first entry wins.
/// </summary>
public sealed class RpmHeader
{
    private readonly ReadOnlyMemory<byte> _store;
    private readonly Dictionary<int, RpmHeaderEntry> _byTag;

    internal RpmHeader(string sourceName, long storeOffset, ReadOnlyMemory<byte> store, ImmutableArray<RpmHeaderEntry> entries)
    {
        SourceName = sourceName;
        StoreOffset = storeOffset;
        _store = store;
        Entries = entries;
        _byTag = new Dictionary<int, RpmHeaderEntry>(entries.Length);
        foreach (var entry in entries)
            _byTag.TryAdd(entry.Tag, entry);
    }

    /// <summary>The package's name in errors.</summary>
    public string SourceName { get; }

    /// <summary>Where the data store starts, from the start of the package.</summary>
    public long StoreOffset { get; }

    /// <summary>The data store's size in bytes (<c>dl</c>).</summary>
    public int StoreSize => _store.Length;

    /// <summary>The index entries in file order, the region tag (if any) first.</summary>
    public ImmutableArray<RpmHeaderEntry> Entries { get; }

    /// <summary>Whether the header has an entry for <paramref name="tag"/>.</summary>
    /// <param name="tag">A tag number.</param>
    /// <returns>True when present.</returns>
    public bool Contains(int tag) => _byTag.ContainsKey(tag);

    /// <summary>Finds a tag's entry.</summary>
    /// <param name="tag">A tag number.</param>
    /// <param name="entry">The entry, when present.</param>
    /// <returns>True when present.</returns>
    public bool TryGetEntry(int tag, out RpmHeaderEntry entry) => _byTag.TryGetValue(tag, out entry);

    /// <summary>Reads a <see cref="RpmTagType.String"/>, or the first ("C" locale) string of an <see cref="RpmTagType.I18nString"/>.</summary>
    /// <param name="tag">A tag number.</param>
    /// <returns>The string, or null when the tag is absent.</returns>
    /// <exception cref="ModuleFormatException">The tag has another type.</exception>
    public string? GetString(int tag)
    {
        if (!_byTag.TryGetValue(tag, out var entry))
            return null;
        Expect(entry, RpmTagType.String, RpmTagType.I18nString);
        var data = _store.Span.Slice(entry.Offset, entry.Length);
        return Encoding.UTF8.GetString(data[..data.IndexOf((byte)0)]);
    }

    /// <summary>Reads a <see cref="RpmTagType.StringArray"/> or every locale's string of an <see cref="RpmTagType.I18nString"/>.</summary>
    /// <param name="tag">A tag number.</param>
    /// <returns>The strings, or null when the tag is absent.</returns>
    /// <exception cref="ModuleFormatException">The tag has another type.</exception>
    public IReadOnlyList<string>? GetStringArray(int tag)
    {
        if (!_byTag.TryGetValue(tag, out var entry))
            return null;
        Expect(entry, RpmTagType.StringArray, RpmTagType.I18nString);
        var strings = new string[entry.Count];
        var data = _store.Span.Slice(entry.Offset, entry.Length);
        for (int i = 0; i < strings.Length; i++)
        {
            int nul = data.IndexOf((byte)0); // found: the terminators were counted when the header was read
            strings[i] = Encoding.UTF8.GetString(data[..nul]);
            data = data[(nul + 1)..];
        }

        return strings;
    }

    /// <summary>Reads an <see cref="RpmTagType.Int32"/> array, each value as stored (signed).</summary>
    /// <param name="tag">A tag number.</param>
    /// <returns>The values, or null when the tag is absent.</returns>
    /// <exception cref="ModuleFormatException">The tag has another type.</exception>
    public IReadOnlyList<int>? GetInt32Array(int tag)
    {
        if (!_byTag.TryGetValue(tag, out var entry))
            return null;
        Expect(entry, RpmTagType.Int32);
        var values = new int[entry.Count];
        var data = _store.Span.Slice(entry.Offset, entry.Length);
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadInt32BigEndian(data[(i * sizeof(int))..]);
        return values;
    }

    /// <summary>
    /// Reads an integer array of any width (<see cref="RpmTagType.Char"/>, <see cref="RpmTagType.Int8"/>,
    /// <see cref="RpmTagType.Int16"/>, <see cref="RpmTagType.Int32"/>, <see cref="RpmTagType.Int64"/>), each value
    /// widened as unsigned, as rpm does for sizes and modes: an INT16 mode <c>0x81a4</c> reads as 33188.
    /// </summary>
    /// <param name="tag">A tag number.</param>
    /// <returns>The values, or null when the tag is absent.</returns>
    /// <exception cref="ModuleFormatException">The tag is not an integer type.</exception>
    public IReadOnlyList<long>? GetIntegers(int tag)
    {
        if (!_byTag.TryGetValue(tag, out var entry))
            return null;
        Expect(entry, RpmTagType.Char, RpmTagType.Int8, RpmTagType.Int16, RpmTagType.Int32, RpmTagType.Int64);
        var values = new long[entry.Count];
        var data = _store.Span.Slice(entry.Offset, entry.Length);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = entry.Type switch
            {
                RpmTagType.Int16 => BinaryPrimitives.ReadUInt16BigEndian(data[(i * sizeof(ushort))..]),
                RpmTagType.Int32 => BinaryPrimitives.ReadUInt32BigEndian(data[(i * sizeof(uint))..]),
                RpmTagType.Int64 => (long)BinaryPrimitives.ReadUInt64BigEndian(data[(i * sizeof(ulong))..]),
                _ => data[i],
            };
        }

        return values;
    }

    /// <summary>Reads a <see cref="RpmTagType.Bin"/> entry.</summary>
    /// <param name="tag">A tag number.</param>
    /// <returns>A copy of the bytes, or null when the tag is absent.</returns>
    /// <exception cref="ModuleFormatException">The tag has another type.</exception>
    public byte[]? GetBinary(int tag)
    {
        if (!_byTag.TryGetValue(tag, out var entry))
            return null;
        Expect(entry, RpmTagType.Bin);
        return _store.Span.Slice(entry.Offset, entry.Length).ToArray();
    }

    /// <summary>Each file's size: <see cref="RpmTag.LongFileSizes"/> when present, else <see cref="RpmTag.FileSizes"/>.</summary>
    /// <returns>The sizes, in file order, or null when neither tag is present.</returns>
    /// <exception cref="ModuleFormatException">The tag has an unexpected type.</exception>
    public IReadOnlyList<long>? GetFileSizes() => GetIntegers(RpmTag.LongFileSizes) ?? GetIntegers(RpmTag.FileSizes);

    /// <summary>Where a tag's data starts in the package, for error messages; null when the tag is absent.</summary>
    internal long? DataOffset(int tag) => _byTag.TryGetValue(tag, out var entry) ? StoreOffset + entry.Offset : null;

    private void Expect(RpmHeaderEntry entry, params ReadOnlySpan<RpmTagType> types)
    {
        if (!types.Contains(entry.Type))
            throw new ModuleFormatException(SourceName, Messages.RpmTagTypeMismatch(entry.Tag, entry.Type, types[0]), StoreOffset + entry.Offset);
    }
}

using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using Kabigate.Abi;

namespace Kabigate.Formats;

/// <summary>
/// Reads a kernel's export table from <c>Module.symvers</c> (or <c>symvers-*.gz</c>, <c>.xz</c>, <c>.zst</c>): one
/// row per exported symbol, fields separated by tabs.
/// </summary>
/// <remarks>
/// <para>Accepted layouts, told apart per line:</para>
/// <list type="bullet">
/// <item><description>3 fields, ≤ 2.6.17: <c>CRC Symbol Module</c>. The export kind is not recorded; rows read as
/// <see cref="ExportKind.Plain"/>.</description></item>
/// <item><description>4 fields, 2.6.18 – 5.3: <c>CRC Symbol Module ExportType</c>.</description></item>
/// <item><description>5 fields, 5.6+ (and 5.4/5.5 stable): <c>CRC Symbol Module ExportType Namespace</c>; the
/// namespace is usually empty (a trailing tab).</description></item>
/// <item><description>5 fields, 5.4 before commit 5190044c2965: <c>CRC Symbol Namespace Module ExportType</c>,
/// recognised by the <c>EXPORT_*</c> word being in the fifth field.</description></item>
/// </list>
/// <para>
/// A CRC of <c>0x00000000</c> (modversions off) reads as no CRC. CRCs are hexadecimal with a <c>0x</c> prefix and
/// up to 16 digits, as long as the value fits 32 bits (some ppc64 trees print 64-bit columns). A line without any
/// tab is split on runs of spaces, as depmod does. Blank lines are skipped.
/// </para>
/// <para>
/// Parsing works on the UTF-8 bytes without regular expressions or per-line splitting into strings; module and
/// namespace strings are shared between rows (a kernel has a few hundred distinct ones).
/// </para>
/// </remarks>
public static class SymversReader
{
    /// <summary>The most bytes a symvers may hold, as a file or decompressed: <see cref="InputLimits.MaxSymversBytes"/>.</summary>
    public const long MaxDecompressedBytes = InputLimits.MaxSymversBytes;

    /// <summary>The most fields a row has.</summary>
    private const int MaxFields = 5;

    /// <summary>The most CRC hex digits: 8, or 16 with the upper half zero.</summary>
    private const int MaxCrcDigits = 16;

    /// <summary>The export kinds' spellings as bytes, from <see cref="ExportKinds.ToSymversName"/>.</summary>
    private static readonly (byte[] Spelling, ExportKind Kind)[] s_kinds =
        [.. Enum.GetValues<ExportKind>().Select(k => (Encoding.ASCII.GetBytes(k.ToSymversName()), k))];

    /// <summary>Reads a symvers file, compressed or not.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The rows in file order.</returns>
    /// <exception cref="ModuleFormatException">The file is malformed; the exception names the line.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<KernelExport> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(InputFiles.ReadAllBytes(path, MaxDecompressedBytes), path);
    }

    /// <summary>Reads symvers data, compressed (sniffed by magic) or not.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="sourceName">The name errors report.</param>
    /// <returns>The rows in file order.</returns>
    /// <exception cref="ModuleFormatException">
    /// A row is malformed (the message is <c>path:line: reason | line</c>), or the compressed data is bad or
    /// decompresses to more than <see cref="MaxDecompressedBytes"/>.
    /// </exception>
    public static IReadOnlyList<KernelExport> Read(ReadOnlySpan<byte> data, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (Compression.Sniff(data) != CompressionKind.None)
            return Parse(Compression.DecompressAll(data, sourceName, MaxDecompressedBytes), sourceName);
        return Parse(data, sourceName);
    }

    private static ReadOnlyCollection<KernelExport> Parse(ReadOnlySpan<byte> data, string sourceName)
    {
        var rows = new List<KernelExport>(data.Count((byte)'\n') + 1);
        var modules = new StringPool();
        var namespaces = new StringPool();
        Span<Range> fields = stackalloc Range[MaxFields];
        int lineNumber = 0;
        while (!data.IsEmpty)
        {
            lineNumber++;
            int newline = data.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = newline < 0 ? data : data[..newline];
            data = newline < 0 ? default : data[(newline + 1)..];
            InputFiles.CheckLine(line.Length, sourceName, lineNumber);
            if (!line.IsEmpty && line[^1] == (byte)'\r')
                line = line[..^1];
            if (line.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0)
                continue;
            rows.Add(ParseRow(line, fields, new LineContext(sourceName, lineNumber), modules, namespaces));
        }

        return rows.AsReadOnly();
    }

    private static KernelExport ParseRow(ReadOnlySpan<byte> line, Span<Range> fields, LineContext at, StringPool modules, StringPool namespaces)
    {
        int count = Split(line, fields);
        if (count is < 3 or > MaxFields)
            throw at.Error(line, Messages.SymversFieldCount(count));

        var crcText = line[fields[0]];
        if (!TryParseCrc(crcText, out uint crc))
            throw at.Error(line, Messages.InvalidSymbolVersion(Encoding.UTF8.GetString(crcText)));

        var symbol = line[fields[1]];
        if (symbol.IsEmpty)
            throw at.Error(line, Messages.EmptySymbolName);

        ReadOnlySpan<byte> module = line[fields[2]];
        ReadOnlySpan<byte> ns = default;
        var kind = ExportKind.Plain;
        if (count == 4 && !TryParseKind(line[fields[3]], out kind))
            throw at.Error(line, Messages.UnknownExportType(Encoding.UTF8.GetString(line[fields[3]])));
        if (count == 5)
        {
            if (TryParseKind(line[fields[3]], out kind))
            {
                ns = line[fields[4]];
            }
            else if (TryParseKind(line[fields[4]], out kind))
            {
                // 5.4's CRC Symbol Namespace Module ExportType.
                ns = module;
                module = line[fields[3]];
            }
            else
            {
                throw at.Error(line, Messages.UnknownExportType(Encoding.UTF8.GetString(line[fields[3]])));
            }
        }

        if (module.IsEmpty)
            throw at.Error(line, Messages.EmptyModuleName);

        return new KernelExport(
            Encoding.UTF8.GetString(symbol),
            crc == 0 ? null : crc,
            modules.Get(module),
            kind,
            ns.IsEmpty ? null : namespaces.Get(ns));
    }

    /// <summary>
    /// Splits on tabs (empty fields kept) or, for a line without tabs, on runs of spaces. Returns the field count,
    /// which may exceed <paramref name="fields"/>' length (then only the count is meaningful).
    /// </summary>
    private static int Split(ReadOnlySpan<byte> line, Span<Range> fields)
    {
        int count = 0;
        if (line.Contains((byte)'\t'))
        {
            int start = 0;
            while (true)
            {
                int tab = line[start..].IndexOf((byte)'\t');
                int end = tab < 0 ? line.Length : start + tab;
                if (count < fields.Length)
                    fields[count] = start..end;
                count++;
                if (tab < 0)
                    return count;
                start = end + 1;
            }
        }

        int i = 0;
        while (true)
        {
            int skip = line[i..].IndexOfAnyExcept((byte)' ');
            if (skip < 0)
                return count;
            i += skip;
            int length = line[i..].IndexOf((byte)' ');
            int end = length < 0 ? line.Length : i + length;
            if (count < fields.Length)
                fields[count] = i..end;
            count++;
            i = end;
        }
    }

    private static bool TryParseCrc(ReadOnlySpan<byte> text, out uint crc)
    {
        crc = 0;
        if (text.Length < 3 || text[0] != (byte)'0' || (text[1] | 0x20) != (byte)'x')
            return false;
        var digits = text[2..];
        if (digits.Length > MaxCrcDigits
            || !ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)
            || value > uint.MaxValue)
        {
            return false;
        }

        crc = (uint)value;
        return true;
    }

    private static bool TryParseKind(ReadOnlySpan<byte> field, out ExportKind kind)
    {
        foreach (var (spelling, value) in s_kinds)
        {
            if (field.SequenceEqual(spelling))
            {
                kind = value;
                return true;
            }
        }

        kind = ExportKind.Plain;
        return false;
    }

    private readonly record struct LineContext(string SourceName, int LineNumber)
    {
        public ModuleFormatException Error(ReadOnlySpan<byte> line, string message) =>
            new(SourceName, message, line: LineNumber, lineText: Encoding.UTF8.GetString(line));
    }

    /// <summary>
    /// Shares one string per distinct module or namespace spelling. Rows come grouped by module, so the previous
    /// spelling is checked first, as bytes; the dictionary is consulted only when it changes.
    /// </summary>
    private sealed class StringPool
    {
        private const int StackLimit = 256;
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private byte[] _lastUtf8 = [];
        private string _last = string.Empty;

        public StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

        public string Get(ReadOnlySpan<byte> utf8)
        {
            if (utf8.SequenceEqual(_lastUtf8))
                return _last;

            // UTF-8 never has fewer bytes than UTF-16 code units.
            Span<char> chars = utf8.Length <= StackLimit ? stackalloc char[StackLimit] : new char[utf8.Length];
            chars = chars[..Encoding.UTF8.GetChars(utf8, chars)];
            if (!_lookup.TryGetValue(chars, out string? shared))
            {
                shared = new string(chars);
                _strings.Add(shared, shared);
            }

            _lastUtf8 = utf8.ToArray();
            _last = shared;
            return shared;
        }
    }
}

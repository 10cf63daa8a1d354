using System.Text;
using Kabigate.Abi;

namespace Kabigate.Formats;

/// <summary>
/// Reads a list of symbols a vendor keeps stable: RHEL's <c>kabi_stablelist_&lt;arch&gt;</c> (formerly
/// <c>kabi_whitelist_&lt;arch&gt;</c>), an Android GKI <c>abi_gki_&lt;arch&gt;_*</c> symbol list, or a plain list.
/// </summary>
/// <remarks>
/// <para>The three formats share one grammar, read line by line:</para>
/// <list type="bullet">
/// <item><description>a section header such as <c>[rhel8_x86_64_whitelist]</c> (RHEL's <c>show-kabi</c>) or
/// <c>[abi_symbol_list]</c> (Android; a file may have several) is skipped;</description></item>
/// <item><description>a blank line, or one whose first non-blank character is <c>#</c> (Android's
/// <c># required by foo.ko</c>), is skipped;</description></item>
/// <item><description>anything else, with surrounding blanks removed (RHEL indents with a tab, Android with two
/// spaces, plain lists not at all), is a symbol and must be a C identifier.</description></item>
/// </list>
/// </remarks>
public static partial class StablelistReader
{
    /// <summary>Reads a stablelist file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The list, with <see cref="Stablelist.Source"/> set to <paramref name="path"/>.</returns>
    /// <exception cref="ModuleFormatException">A line is neither a symbol, a comment nor a section header.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Stablelist Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int hash = path.LastIndexOf('#');
        if (hash > 0 && Directory.Exists(path[..hash]))
            return ReadKabiModuleDirectory(path[..hash], path[(hash + 1)..], path);
        if (Directory.Exists(path))
            return ReadKabiModuleDirectory(path, null, path);
        return Read(InputFiles.ReadAllBytes(path, InputLimits.MaxTextFileBytes), path);
    }

    /// <summary>
    /// Reads RHEL's kabi-module directory (<c>redhat/kabi/kabi-module/kabi_&lt;arch&gt;</c>): one file per symbol, named
    /// after it, whose first line is the minor-release range it is stable in (<c>#first-last</c>, an empty end meaning
    /// open-ended) and whose second line is its Module.symvers row. With <paramref name="minor"/> (as in
    /// <c>kabi_x86_64#4</c>), only the symbols whose range holds that minor release.
    /// </summary>
    /// <exception cref="ModuleFormatException">A file is not of that shape, or the minor release is not a number.</exception>
    public static Stablelist ReadKabiModuleDirectory(string directory, string? minor, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(directory);
        int? wanted = null;
        if (minor is not null)
        {
            if (!int.TryParse(minor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m))
                throw new ModuleFormatException(sourceName, $"'{minor}' is not a minor release number (DIR#MINOR, e.g. kabi_x86_64#4)");
            wanted = m;
        }
        var symbols = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith('.'))
                continue;
            var lines = InputFiles.ReadAllLines(file, InputLimits.MaxTextFileBytes);
            var range = lines.Length > 0 ? KabiRange().Match(lines[0].Trim()) : System.Text.RegularExpressions.Match.Empty;
            if (!range.Success)
                throw new ModuleFormatException(file, "line 1 is not a minor-release range '#FIRST-LAST' (LAST may be empty)", line: 1, lineText: lines.Length > 0 ? lines[0] : "");
            // Lines 2.. may hold more '#' annotations (#I:, #P:) before the Module.symvers row.
            int row = Array.FindIndex(lines, 1, l => l.Length > 0 && !l.StartsWith('#'));
            if (row < 0 || lines[row].Split('\t').Length < 3 || lines[row].Split('\t')[1] != name)
                throw new ModuleFormatException(file, $"no Module.symvers row of '{name}' after the range line", line: row < 0 ? lines.Length : row + 1, lineText: row < 0 ? "" : lines[row]);
            if (!IsIdentifier(System.Text.Encoding.ASCII.GetBytes(name)))
                throw new ModuleFormatException(file, Messages.InvalidSymbolName(name));
            if (wanted is { } w)
            {
                int first = int.Parse(range.Groups["first"].Value, System.Globalization.CultureInfo.InvariantCulture);
                var last = range.Groups["last"].Value;
                if (w < first || (last.Length > 0 && w > int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)))
                    continue;
            }
            symbols.Add(name);
        }
        return new Stablelist(symbols, sourceName);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^#(?<first>\d+)-(?<last>\d*)$")]
    private static partial System.Text.RegularExpressions.Regex KabiRange();

    /// <summary>Reads stablelist data.</summary>
    /// <param name="data">The bytes (UTF-8 or ASCII; a BOM is ignored).</param>
    /// <param name="sourceName">The list's name, for errors and <see cref="Stablelist.Source"/>.</param>
    /// <returns>The list.</returns>
    /// <exception cref="ModuleFormatException">
    /// A line is neither a symbol, a comment nor a section header; the message is <c>path:line: reason | line</c>.
    /// </exception>
    public static Stablelist Read(ReadOnlySpan<byte> data, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (data.StartsWith(Utf8Bom))
            data = data[Utf8Bom.Length..];

        var symbols = new List<string>();
        int lineNumber = 0;
        while (!data.IsEmpty)
        {
            lineNumber++;
            int newline = data.IndexOf((byte)'\n');
            ReadOnlySpan<byte> raw = newline < 0 ? data : data[..newline];
            data = newline < 0 ? default : data[(newline + 1)..];
            InputFiles.CheckLine(raw.Length, sourceName, lineNumber);
            var line = raw.Trim(Blanks);
            if (line.IsEmpty || line[0] == (byte)'#')
                continue;
            if (line[0] == (byte)'[')
            {
                if (!IsSectionHeader(line))
                    throw Error(sourceName, lineNumber, raw, Messages.InvalidSectionHeader(Encoding.UTF8.GetString(line)));
                continue;
            }

            if (!IsIdentifier(line))
                throw Error(sourceName, lineNumber, raw, Messages.InvalidSymbolName(Encoding.UTF8.GetString(line)));
            symbols.Add(Encoding.ASCII.GetString(line));
        }

        return new Stablelist(symbols, sourceName);
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xef, 0xbb, 0xbf];

    private static ReadOnlySpan<byte> Blanks => " \t\r"u8;

    /// <summary><c>[name]</c> where the name is letters, digits, <c>_</c>, <c>-</c> or <c>.</c>.</summary>
    private static bool IsSectionHeader(ReadOnlySpan<byte> line)
    {
        if (line.Length < 3 || line[^1] != (byte)']')
            return false;
        foreach (byte b in line[1..^1])
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'-' or (byte)'.'))
                return false;
        }

        return true;
    }

    /// <summary>A C identifier: a letter or <c>_</c>, then letters, digits or <c>_</c>.</summary>
    private static bool IsIdentifier(ReadOnlySpan<byte> name)
    {
        if (char.IsAsciiDigit((char)name[0]))
            return false;
        foreach (byte b in name)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b == (byte)'_'))
                return false;
        }

        return true;
    }

    private static ModuleFormatException Error(string sourceName, int lineNumber, ReadOnlySpan<byte> raw, string message) =>
        new(sourceName, message, line: lineNumber, lineText: Encoding.UTF8.GetString(raw.TrimEnd((byte)'\r')));
}

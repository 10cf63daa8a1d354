using System.Globalization;
using Kabigate.Abi;
using Tomlyn.Syntax;

namespace Kabigate.Formats;

/// <summary>
/// Reads a policy file (TOML):
/// <code>
/// stablelist = "kabi_stablelist_x86_64"   # optional; relative to the policy file
/// unlisted = "PASS"                        # severity of breaks of unlisted symbols no rule matches (default FAIL)
/// severities = """
/// drivers/nvme/host/nvme-fc* FAIL          # SUSE's kabi/severities lines: [MODULE|NAMESPACE|SYMBOL] PATTERN PASS|FAIL
/// drivers/nvme/host/*        PASS
/// """
/// # or: severities_file = "kabi/severities"
///
/// [[waiver]]
/// symbol = "fput"                          # symbol and/or kmod (globs)
/// kmod = "zfs"
/// owner = "storage-team@example.com"
/// reason = "rebuilt for 9.4, RHBZ#1234"
/// expires = 2027-03-31                     # optional
/// </code>
/// </summary>
public static class PolicyReader
{
    private static readonly string[] TopKeys = ["stablelist", "unlisted", "severities", "severities_file"];
    private static readonly string[] WaiverKeys = ["symbol", "kmod", "owner", "reason", "expires"];

    /// <summary>Reads a policy file.</summary>
    /// <exception cref="ModuleFormatException">The file is malformed; the message is <c>file:line: reason</c>.</exception>
    /// <exception cref="IOException">The file, or a file it names, cannot be read.</exception>
    public static Policy Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new ModuleFormatException(path, "no such policy file");
        return Parse(InputFiles.ReadAllText(path, InputLimits.MaxPolicyBytes), path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses policy text; files it names are resolved against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ModuleFormatException">The text is malformed or over a limit; the message is <c>file:line: reason</c>.</exception>
    public static Policy Parse(string text, string sourceName, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > InputLimits.MaxPolicyBytes)
            throw new ModuleFormatException(sourceName, Messages.InputExceeds(InputLimits.MaxPolicyBytes));
        CheckDepth(text, sourceName);
        DocumentSyntax document;
        try
        {
            // Tomlyn 2.10.2's lexer throws ArgumentOutOfRangeException on an escape the end of the text cuts short
            // (`x = "\u`): it formats the end-of-file marker as a character. A final blank, which changes no TOML
            // document's meaning, lets it see a character there and report the escape as it reports any other.
            document = Tomlyn.Parsing.SyntaxParser.Parse(text + " ", sourceName);
        }
        catch (Tomlyn.TomlException e)
        {
            // Tomlyn throws, rather than reports, a few faults (nesting beyond its own limit).
            throw Error(sourceName, Math.Max((e.Line ?? 1) - 1, 0), e.Message.ReplaceLineEndings(" "));
        }
        foreach (var diagnostic in document.Diagnostics)
        {
            if (diagnostic.Kind == DiagnosticMessageKind.Error)
                throw Error(sourceName, diagnostic.Span.Start.Line, diagnostic.Message);
        }

        Stablelist? stablelist = null;
        var unlisted = Severity.Fail;
        List<SeverityRule>? rules = null;
        int? severitiesLine = null;
        foreach (var item in document.KeyValues)
        {
            var (key, line) = KeyOf(item, sourceName);
            switch (key)
            {
                case "stablelist":
                    stablelist = StablelistReader.Read(Resolve(baseDirectory, String(item, sourceName)));
                    break;
                case "unlisted":
                    unlisted = ParseSeverity(String(item, sourceName), sourceName, line);
                    break;
                case "severities":
                case "severities_file":
                    if (severitiesLine is not null)
                        throw Error(sourceName, line, $"'{key}' given, but severities were already set at line {severitiesLine + 1}; give one of 'severities' and 'severities_file'");
                    severitiesLine = line;
                    if (key == "severities")
                    {
                        var value = (StringValueSyntax)item.Value!;
                        // A multi-line string drops the newline that follows its opening quotes.
                        int first = line + (value.Token?.TokenKind is TokenKind.StringMulti or TokenKind.StringLiteralMulti && !value.Value!.StartsWith('\n') ? 1 : 0);
                        rules = ParseSeverities(String(item, sourceName), sourceName, first);
                    }
                    else
                    {
                        var file = Resolve(baseDirectory, String(item, sourceName));
                        if (!File.Exists(file))
                            throw Error(sourceName, line, $"severities file '{file}' does not exist");
                        rules = ParseSeverities(InputFiles.ReadAllText(file, InputLimits.MaxTextFileBytes), file, 0);
                    }
                    break;
                default:
                    throw Error(sourceName, line, $"unknown key '{key}' (known: {string.Join(", ", TopKeys)}, and [[waiver]] tables)");
            }
        }
        if (unlisted != Severity.Fail && stablelist is null)
            throw Error(sourceName, 0, "'unlisted' needs a 'stablelist' to say which symbols are listed");

        var waivers = new List<Waiver>();
        foreach (var table in document.Tables)
        {
            var name = table.Name?.ToString().Trim();
            int line = table.Span.Start.Line;
            if (table is not TableArraySyntax || name != "waiver")
                throw Error(sourceName, line, $"unknown table '{name}' (known: [[waiver]])");
            if (waivers.Count == InputLimits.MaxPolicyEntries)
                throw Error(sourceName, line, Messages.TooManyPolicyEntries("waivers", InputLimits.MaxPolicyEntries));
            waivers.Add(ParseWaiver(table, sourceName));
        }
        return new Policy(rules ?? [], waivers, unlisted, stablelist, sourceName);
    }

    /// <summary>Parses severity lines: <c>[MODULE|NAMESPACE|SYMBOL] PATTERN PASS|FAIL</c>, <c>#</c> comments, blank lines.</summary>
    /// <param name="text">The lines.</param>
    /// <param name="sourceName">The file, for origins and errors.</param>
    /// <param name="firstLine">The 0-based line of the file the text starts at.</param>
    public static List<SeverityRule> ParseSeverities(string text, string sourceName, int firstLine)
    {
        var rules = new List<SeverityRule>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int line = firstLine + i;
            var content = lines[i];
            InputFiles.CheckLine(content.Length, sourceName, line + 1);
            int comment = content.IndexOf('#', StringComparison.Ordinal);
            if (comment >= 0)
                content = content[..comment];
            var words = content.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            PatternKind? kind = null;
            if (words.Length == 3)
            {
                kind = words[0].ToUpperInvariant() switch
                {
                    "MODULE" => PatternKind.Module,
                    "NAMESPACE" => PatternKind.Namespace,
                    "SYMBOL" => PatternKind.Symbol,
                    _ => throw Error(sourceName, line, $"'{words[0]}' is not a pattern kind (MODULE, NAMESPACE or SYMBOL)"),
                };
            }
            else if (words.Length != 2)
            {
                throw Error(sourceName, line, $"expected '[MODULE|NAMESPACE|SYMBOL] PATTERN PASS|FAIL', found {words.Length} words");
            }
            if (rules.Count == InputLimits.MaxPolicyEntries)
                throw Error(sourceName, line, Messages.TooManyPolicyEntries("severity rules", InputLimits.MaxPolicyEntries));
            var pattern = words[^2];
            var severity = ParseSeverity(words[^1], sourceName, line);
            rules.Add(new SeverityRule(pattern, kind ?? SeverityRule.InferKind(pattern), severity, $"{sourceName}:{line + 1}"));
        }
        return rules;
    }

    /// <summary>
    /// Refuses arrays and inline tables nested deeper than <see cref="InputLimits.MaxPolicyDepth"/>, and more
    /// <c>[[waiver]]</c> tables than <see cref="InputLimits.MaxPolicyEntries"/>, before parsing, so that the parser's
    /// recursion never nears its own limit and its time stays short. Brackets inside strings and comments are not counted;
    /// a table header's <c>[[</c> is a line's first token and not nesting.
    /// </summary>
    internal static void CheckDepth(string text, string sourceName, string tableArrayNoun = "waivers")
    {
        int depth = 0, line = 0, tableArrays = 0;
        bool lineStart = true;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    lineStart = true;
                    continue;
                case '#':
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                        i++;
                    continue;
                case '"' or '\'':
                    i = SkipString(text, i, ref line);
                    break;
                case '[' when lineStart && depth == 0:
                    if (i + 1 < text.Length && text[i + 1] == '[' && ++tableArrays > InputLimits.MaxPolicyEntries)
                        throw Error(sourceName, line, Messages.TooManyPolicyEntries(tableArrayNoun, InputLimits.MaxPolicyEntries));
                    break;
                case '[' or '{':
                    if (++depth > InputLimits.MaxPolicyDepth)
                        throw Error(sourceName, line, Messages.PolicyTooDeep(InputLimits.MaxPolicyDepth));
                    break;
                case ']' or '}' when depth > 0:
                    depth--;
                    break;
            }
            if (c is not (' ' or '\t' or '\r'))
                lineStart = false;
        }
    }

    /// <summary>The index of the quote closing the string that opens at <paramref name="start"/> (or the text's end).</summary>
    private static int SkipString(string text, int start, ref int line)
    {
        char quote = text[start];
        bool multi = start + 2 < text.Length && text[start + 1] == quote && text[start + 2] == quote;
        int i = start + (multi ? 3 : 1);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n')
            {
                line++;
                if (!multi)
                    return i - 1; // an unterminated basic string: the parser reports it
            }
            else if (c == '\\' && quote == '"')
            {
                i++;
            }
            else if (c == quote && (!multi || (i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote)))
            {
                return multi ? i + 2 : i;
            }
        }
        return i;
    }

    private static Waiver ParseWaiver(TableSyntaxBase table, string sourceName)
    {
        string? symbol = null, kmod = null, owner = null, reason = null;
        DateOnly? expires = null;
        int tableLine = table.Span.Start.Line;
        foreach (var item in table.Items)
        {
            var (key, line) = KeyOf(item, sourceName);
            switch (key)
            {
                case "symbol": symbol = String(item, sourceName); break;
                case "kmod": kmod = String(item, sourceName); break;
                case "owner": owner = String(item, sourceName); break;
                case "reason": reason = String(item, sourceName); break;
                case "expires":
                    expires = item.Value switch
                    {
                        DateTimeValueSyntax date => DateOnly.FromDateTime(date.Value.DateTime.DateTime),
                        StringValueSyntax text when DateOnly.TryParseExact(text.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) => parsed,
                        _ => throw Error(sourceName, line, "'expires' must be a date, e.g. expires = 2027-03-31"),
                    };
                    break;
                default:
                    throw Error(sourceName, line, $"unknown waiver key '{key}' (known: {string.Join(", ", WaiverKeys)})");
            }
        }
        if (symbol is null && kmod is null)
            throw Error(sourceName, tableLine, "a waiver must name a 'symbol', a 'kmod', or both");
        if (string.IsNullOrWhiteSpace(owner))
            throw Error(sourceName, tableLine, "a waiver must name its 'owner'");
        if (string.IsNullOrWhiteSpace(reason))
            throw Error(sourceName, tableLine, "a waiver must give its 'reason'");
        return new Waiver(symbol, kmod, owner, reason, expires, $"{sourceName}:{tableLine + 1}");
    }

    private static Severity ParseSeverity(string word, string sourceName, int line) => word.ToUpperInvariant() switch
    {
        "PASS" => Severity.Pass,
        "FAIL" => Severity.Fail,
        _ when word.All(char.IsAsciiDigit) => throw Error(sourceName, line, $"numeric severity '{word}' (symsets.pl badness) is not supported; use PASS or FAIL"),
        _ => throw Error(sourceName, line, $"'{word}' is not a severity (PASS or FAIL)"),
    };

    private static (string Key, int Line) KeyOf(KeyValueSyntax item, string sourceName)
    {
        var key = item.Key?.ToString().Trim().Trim('"') ?? "";
        return (key, item.Span.Start.Line);
    }

    private static string String(KeyValueSyntax item, string sourceName) =>
        item.Value is StringValueSyntax { Value: { } value }
            ? value
            : throw Error(sourceName, item.Span.Start.Line, $"'{item.Key?.ToString().Trim()}' must be a string");

    private static string Resolve(string baseDirectory, string path) => Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path);

    private static ModuleFormatException Error(string sourceName, int zeroBasedLine, string message) =>
        new(sourceName, message, line: zeroBasedLine + 1);
}

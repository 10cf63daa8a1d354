using Tomlyn.Syntax;

namespace Kabigate.Formats;

/// <summary>TOML for kabigate's own files (policies, the service's configuration): parsed through Tomlyn's syntax tree, bounded first.</summary>
internal static class TomlText
{
    /// <summary>Parses a TOML document; any error is <c>file:line: reason</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="sourceName">The file, for errors.</param>
    /// <param name="tables">What the file's <c>[[…]]</c> tables are, for the message when there are too many.</param>
    /// <exception cref="ModuleFormatException">The text is malformed, nested too deep, or has too many tables.</exception>
    public static DocumentSyntax Parse(string text, string sourceName, string tables)
    {
        CheckDepth(text, sourceName, tables);
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
        return document;
    }

    /// <summary>An error at a 0-based line.</summary>
    public static ModuleFormatException Error(string sourceName, int zeroBasedLine, string message) =>
        new(sourceName, message, line: zeroBasedLine + 1);

    /// <summary>
    /// Refuses arrays and inline tables nested deeper than <see cref="InputLimits.MaxPolicyDepth"/>, and more
    /// <c>[[…]]</c> tables than <see cref="InputLimits.MaxPolicyEntries"/>, before parsing, so that the parser's
    /// recursion never nears its own limit and its time stays short. Brackets inside strings and comments are not counted;
    /// a table header's <c>[[</c> is a line's first token and not nesting.
    /// </summary>
    internal static void CheckDepth(string text, string sourceName, string tables)
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
                        throw Error(sourceName, line, Messages.TooManyPolicyEntries(tables, InputLimits.MaxPolicyEntries));
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
}

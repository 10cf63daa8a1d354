using System.CommandLine;
using System.Globalization;
using System.Text;
using Kabigate.Store;

namespace Kabigate.Cli.Packaging;

/// <summary>
/// kabigate(1) in roff (man(7) macros), generated from the command tree: every visible verb with its synopsis, its
/// description and each of its options and arguments; then EXIT STATUS, ENVIRONMENT and FILES, which are written here.
/// </summary>
internal static class ManPage
{
    /// <summary>The page for <paramref name="root"/>, the binary of version <paramref name="version"/>.</summary>
    public static string Render(RootCommand root, string version)
    {
        var page = new StringBuilder();
        var nodes = CommandTree.Walk(root);
        // No date: the page is the same whenever it is built from the same sources (reproducible packages).
        Line(page, $".TH KABIGATE 1 \"\" \"kabigate {Escape(version)}\" \"User Commands\"");
        Line(page, ".nh");
        Line(page, ".ad l");
        Line(page, ".SH NAME");
        Line(page, @"kabigate \- decide whether out\-of\-tree kernel modules load on each kernel release");
        Line(page, ".SH SYNOPSIS");
        foreach (var node in nodes.Where(n => n.Path.Count > 0 && n.Subcommands.Count == 0))
        {
            Line(page, ".B kabigate");
            Line(page, Synopsis(node));
            Line(page, ".br");
        }
        Line(page, ".B kabigate");
        Line(page, @"\fB\-\-help\fR | \fB\-\-version\fR");
        Line(page, ".SH DESCRIPTION");
        Paragraphs(page, root.Description ?? "");
        Line(page, ".PP");
        Line(page, @"Every verb takes \fB\-\-help\fR (\fB\-h\fR, \fB\-?\fR). Kernel sources, modules and repositories are told apart by their bytes, not their names; a bare symvers file names its release as \fIPATH\fR\fB#\fR\fIRELEASE\fR. The full manual is /usr/share/doc/kabigate/kabigate.md (docs/kabigate.md in the sources).");
        Line(page, ".SH OPTIONS");
        Line(page, ".TP");
        Line(page, @"\fB\-h\fR, \fB\-?\fR, \fB\-\-help\fR");
        Line(page, "Show the verb's usage and options, and exit.");
        Line(page, ".TP");
        Line(page, @".B \-\-version");
        Line(page, "Print the version (X.Y.Z+N.gCOMMIT: N commits after the tag vX.Y.Z, and the commit it was built from), and exit.");
        Line(page, ".SH COMMANDS");
        foreach (var node in nodes.Where(n => n.Path.Count > 0))
            Verb(page, node);
        Sections(page);
        return page.ToString();
    }

    private static void Verb(StringBuilder page, CommandNode node)
    {
        Line(page, $".SS \"{Escape(node.Name)}\"");
        if (node.Subcommands.Count == 0)
        {
            Line(page, @"\fBkabigate\fR " + Synopsis(node));
            Line(page, ".PP");
        }
        Paragraphs(page, node.Command.Description ?? "");
        foreach (var argument in node.Arguments)
        {
            Line(page, ".TP");
            Line(page, $@"\fI{Escape(ArgumentName(argument))}\fR");
            Line(page, Escape(argument.Description ?? ""));
        }
        foreach (var option in node.Options)
        {
            Line(page, ".TP");
            var names = string.Join(", ", option.Names.Select(n => $@"\fB{Escape(n)}\fR"));
            Line(page, option.ValueName is null ? names : $@"{names} \fI{Escape(option.ValueName)}\fR");
            var text = option.Option.Description ?? "";
            if (option.Option.Required)
                text += " Required.";
            if (option.Repeatable)
                text += " May be given more than once.";
            Line(page, Escape(text));
        }
    }

    private static void Sections(StringBuilder page)
    {
        Line(page, ".SH EXIT STATUS");
        Item(page, "0", "Every module loads on every kernel; no relevant change; the gate passes; nothing excluded or to change; done.");
        Item(page, "1", "Some module does not load on some kernel; a relevant change under the policy; the gate fails; kernels held back or kmods masked; links to change. Each verb's own meaning is under COMMANDS.");
        Item(page, "2", "Usage, input, policy or store error: one line each on standard error, kabigate: ERROR: ..., never a stack trace; the other inputs still get their verdicts, and nothing is written.");
        Line(page, ".SH ENVIRONMENT");
        Item(page, StoreLocation.EnvironmentVariable, "The store when --db is not given: an SQLite file or a postgres:// URL.");
        Item(page, "XDG_DATA_HOME", "The default store is $XDG_DATA_HOME/kabigate/kabigate.db (~/.local/share/kabigate/kabigate.db).");
        Item(page, "XDG_CACHE_HOME", "Repository metadata, package indexes and apt: downloads are cached under $XDG_CACHE_HOME/kabigate (~/.cache/kabigate), by checksum.");
        Item(page, "KABIGATE_TIMINGS", "When set, check and weak-updates print where their time went, on standard error.");
        Item(page, "HOME", "Debian's rpm keeps its database in ~/.rpmdb: mask and hold read it there unless --dbpath is given.");
        Line(page, ".SH FILES");
        Item(page, "~/.local/share/kabigate/kabigate.db", "The default store (SQLite).");
        Item(page, "~/.cache/kabigate/", "Cached repository metadata and downloads.");
        Item(page, "/etc/dnf/plugins/kabigate.conf", "The dnf plugin's configuration: mode, strict, in_use, policy, the kabigate binary, timeout.");
        Item(page, "/etc/kabigate/serve.toml", "The configuration of kabigate serve (kabigate.service).");
        Item(page, "/var/lib/kabigate/kabigate.db", "The store of kabigate.service (StateDirectory=kabigate).");
        Item(page, "/usr/lib/systemd/system/kabigate.service", "The service unit (/lib/systemd/system on Debian).");
        Line(page, ".SH SEE ALSO");
        Line(page, @"\fBdnf\fR(8), \fBrpm\fR(8), \fBmodprobe\fR(8), \fBdepmod\fR(8), \fBmodinfo\fR(8), \fBsystemd.exec\fR(5)");
    }

    private static string Synopsis(CommandNode node)
    {
        var words = new List<string> { $@"\fB{Escape(node.Name)}\fR" };
        foreach (var option in node.Options)
        {
            var name = $@"\fB{Escape(option.Names[0])}\fR" + (option.ValueName is null ? "" : $@" \fI{Escape(option.ValueName)}\fR");
            words.Add(option.Option.Required ? name : $"[{name}]");
        }
        foreach (var argument in node.Arguments)
        {
            var name = $@"\fI{Escape(ArgumentName(argument))}\fR";
            words.Add(argument.Arity.MinimumNumberOfValues == 0 ? $"[{name}]" : name);
        }
        return string.Join(' ', words);
    }

    private static string ArgumentName(Argument argument) =>
        (argument.HelpName ?? argument.Name) + (argument.Arity.MaximumNumberOfValues > 1 ? "..." : "");

    private static void Item(StringBuilder page, string tag, string text)
    {
        Line(page, ".TP");
        Line(page, $@"\fB{Escape(tag)}\fR");
        Line(page, Escape(text));
    }

    /// <summary>A description's lines as paragraphs (the verbs' exit status lines are their own paragraph).</summary>
    private static void Paragraphs(StringBuilder page, string text)
    {
        var first = true;
        foreach (var paragraph in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            if (!first)
                Line(page, ".PP");
            Line(page, Escape(paragraph.Replace(StoreLocation.DefaultPath, "$XDG_DATA_HOME/kabigate/kabigate.db", StringComparison.Ordinal)));
            first = false;
        }
    }

    /// <summary>
    /// Text as roff reads it literally: backslashes escaped, every '-' a minus (options copy and paste), a leading
    /// '.' or '\'' guarded, and any character past ASCII as a named glyph.
    /// </summary>
    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == '\\')
                escaped.Append(@"\e");
            else if (rune.Value == '-')
                escaped.Append(@"\-");
            else if (rune.Value > 0x7e || rune.Value < 0x20)
                escaped.Append(CultureInfo.InvariantCulture, $@"\[u{rune.Value:X4}]");
            else
                escaped.Append((char)rune.Value);
        }
        if (escaped.Length > 0 && escaped[0] is '.' or '\'')
            escaped.Insert(0, @"\&");
        return escaped.ToString();
    }

    private static void Line(StringBuilder page, string line) => page.Append(line).Append('\n');
}

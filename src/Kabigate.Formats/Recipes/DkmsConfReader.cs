using System.Text;
using System.Text.RegularExpressions;

namespace Kabigate.Formats.Recipes;

/// <summary>
/// Reads a DKMS <c>dkms.conf</c> as data. DKMS sources the file with bash; kabigate never does: it reads the
/// assignments the file is made of (<c>NAME=value</c>, <c>NAME[i]=value</c>, values double-quoted, single-quoted or
/// bare, <c>#</c> comments) and refuses anything else (a command, <c>if</c>, a function) with the line, so a hostile
/// file can do nothing at read time. Variables (<c>$X</c>, <c>${X}</c>) in the module names and locations are expanded
/// from the file's own earlier assignments; a command substitution there is refused. <c>MAKE[i]</c> is kept as
/// written: it is a shell command by definition, run later the way DKMS runs it (see the build executor).
/// </summary>
public static partial class DkmsConfReader
{
    /// <summary>The largest dkms.conf read.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The largest array index accepted (DKMS packages use a handful).</summary>
    public const int MaxIndex = 1023;

    [GeneratedRegex(@"^(?<name>[A-Za-z_][A-Za-z0-9_]*)(\[(?<index>[0-9]{1,6})\])?=")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\$(\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?<bare>[A-Za-z_][A-Za-z0-9_]*))")]
    private static partial Regex Variable();

    private const char LiteralDollar = '\u0001';

    /// <summary>Reads a dkms.conf file.</summary>
    /// <exception cref="ModuleFormatException">The file is not plain assignments, lacks PACKAGE_NAME/PACKAGE_VERSION, or is over a limit.</exception>
    public static DkmsConf Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(InputFiles.ReadAllText(path, MaxBytes), path);
    }

    /// <summary>Parses dkms.conf text.</summary>
    /// <exception cref="ModuleFormatException">As for <see cref="Read"/>.</exception>
    public static DkmsConf Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxBytes)
            throw new ModuleFormatException(sourceName, Messages.InputExceeds(MaxBytes));
        var scalars = new Dictionary<string, (string Value, int Line)>(StringComparer.Ordinal);
        var arrays = new Dictionary<string, SortedDictionary<int, (string Value, int Line)>>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int number = i + 1;
            var line = lines[i].TrimEnd('\r');
            InputFiles.CheckLine(line.Length, sourceName, number);
            var content = line.TrimStart(' ', '\t');
            if (content.Length == 0 || content[0] == '#')
                continue;
            var match = Assignment().Match(content);
            if (!match.Success)
            {
                var word = content.Split([' ', '\t', ';', '(', '='], 2)[0];
                throw new ModuleFormatException(sourceName, $"'{word}' is not an assignment: kabigate reads dkms.conf's NAME=value lines and never runs it", line: number, lineText: Shorten(line));
            }
            var name = match.Groups["name"].Value;
            var value = Value(content, match.Length, sourceName, number, line);
            if (match.Groups["index"].Success)
            {
                int index = int.Parse(match.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (index > MaxIndex)
                    throw new ModuleFormatException(sourceName, $"array index {index} is over {MaxIndex}", line: number, lineText: Shorten(line));
                if (!arrays.TryGetValue(name, out var array))
                    arrays[name] = array = [];
                array[index] = (value, number);
            }
            else
            {
                scalars[name] = (value, number);
            }
        }

        string Expand(string value, int line) => ExpandVariables(value, scalars, sourceName, line);
        string Required(string key) => scalars.TryGetValue(key, out var v) && Expand(v.Value, v.Line) is { Length: > 0 } expanded
            ? expanded : throw new ModuleFormatException(sourceName, $"{key} is not set");
        string? Optional(string key) => scalars.TryGetValue(key, out var v) && Expand(v.Value, v.Line) is { Length: > 0 } expanded ? expanded : null;
        IReadOnlyList<DkmsIndexed> Indexed(string key, string matchKey, bool expand) => arrays.TryGetValue(key, out var a)
            ? [.. a.Select(p => new DkmsIndexed(p.Key, expand ? Expand(p.Value.Value, p.Value.Line) : Restore(p.Value.Value),
                arrays.TryGetValue(matchKey, out var m) && m.TryGetValue(p.Key, out var e) ? Restore(e.Value) : null))]
            : scalars.TryGetValue(key, out var s) ? [new DkmsIndexed(0, expand ? Expand(s.Value, s.Line) : Restore(s.Value), null)] : [];

        var package = Required("PACKAGE_NAME");
        var version = Required("PACKAGE_VERSION");
        var names = arrays.GetValueOrDefault("BUILT_MODULE_NAME") ?? [];
        if (names.Count == 0)
            throw new ModuleFormatException(sourceName, "BUILT_MODULE_NAME[] is not set: no module to build");
        var modules = new List<DkmsModule>();
        foreach (var (index, (raw, line)) in names)
        {
            var moduleName = Expand(raw, line);
            if (moduleName.Length == 0 || moduleName.Contains('/', StringComparison.Ordinal) || moduleName.Contains("..", StringComparison.Ordinal))
                throw new ModuleFormatException(sourceName, $"BUILT_MODULE_NAME[{index}] '{moduleName}' is not a module name", line: line);
            var location = arrays.GetValueOrDefault("BUILT_MODULE_LOCATION")?.TryGetValue(index, out var l) == true ? Expand(l.Value, l.Line).Trim('/') : "";
            if (location.Split('/').Contains("..") || Path.IsPathRooted(location))
                throw new ModuleFormatException(sourceName, $"BUILT_MODULE_LOCATION[{index}] '{location}' leaves the build tree");
            var destination = arrays.GetValueOrDefault("DEST_MODULE_LOCATION")?.TryGetValue(index, out var d) == true ? Expand(d.Value, d.Line) : null;
            modules.Add(new DkmsModule(moduleName.EndsWith(".ko", StringComparison.Ordinal) ? moduleName[..^3] : moduleName, location, destination));
        }
        var patches = Indexed("PATCH", "PATCH_MATCH", expand: true);
        foreach (var patch in patches)
        {
            if (patch.Value.Contains('/', StringComparison.Ordinal) || patch.Value.Length == 0)
                throw new ModuleFormatException(sourceName, $"PATCH[{patch.Index}] '{patch.Value}' is not a file name in patches/");
        }
        var config = Optional("BUILD_EXCLUSIVE_CONFIG")?.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries) ?? [];
        return new DkmsConf(package, version, modules, Indexed("MAKE", "MAKE_MATCH", expand: false), patches,
            Optional("BUILD_EXCLUSIVE_KERNEL"), Optional("BUILD_EXCLUSIVE_ARCH"), config, sourceName);
    }

    /// <summary>One value: quoted and bare parts up to whitespace, then nothing but a comment.</summary>
    private static string Value(string content, int start, string sourceName, int number, string line)
    {
        var value = new StringBuilder();
        int i = start;
        while (i < content.Length && content[i] is not (' ' or '\t'))
        {
            char c = content[i];
            if (c == '\'')
            {
                int end = content.IndexOf('\'', i + 1);
                if (end < 0)
                    throw Unterminated(sourceName, number, line);
                value.Append(content.AsSpan(i + 1, end - i - 1).ToString().Replace('$', LiteralDollar));
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                while (true)
                {
                    if (i >= content.Length)
                        throw Unterminated(sourceName, number, line);
                    char d = content[i];
                    if (d == '"')
                        break;
                    if (d == '\\' && i + 1 < content.Length && content[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        value.Append(content[i + 1] == '$' ? LiteralDollar : content[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (d == '\\' && i + 1 == content.Length)
                        throw new ModuleFormatException(sourceName, "a value continued on the next line is not read", line: number, lineText: Shorten(line));
                    value.Append(d);
                    i++;
                }
                i++;
            }
            else if (c is ';' or '&' or '|' or '<' or '>' or '(' or ')' or '`' or '\\')
            {
                throw new ModuleFormatException(sourceName, $"'{c}' outside quotes makes this line a shell command, not an assignment", line: number, lineText: Shorten(line));
            }
            else
            {
                value.Append(c);
                i++;
            }
        }
        var rest = content[i..].TrimStart(' ', '\t');
        if (rest.Length > 0 && rest[0] != '#')
            throw new ModuleFormatException(sourceName, "more after the value: a command, not an assignment", line: number, lineText: Shorten(line));
        return value.ToString();
    }

    private static string ExpandVariables(string value, Dictionary<string, (string Value, int Line)> scalars, string sourceName, int line)
    {
        if (value.Contains("$(", StringComparison.Ordinal) || value.Contains('`', StringComparison.Ordinal))
            throw new ModuleFormatException(sourceName, "a command substitution is not expanded: kabigate does not run dkms.conf", line: line);
        var result = value;
        // Earlier assignments may refer to others; a few rounds cover real files, and a cycle stops here.
        for (int round = 0; round < 4 && result.Contains('$', StringComparison.Ordinal); round++)
        {
            result = Variable().Replace(result, m =>
            {
                var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["bare"].Value;
                if (!scalars.TryGetValue(name, out var v))
                    throw new ModuleFormatException(sourceName, $"variable '{name}' is not set in dkms.conf (only its own assignments are expanded here)", line: line);
                return v.Value;
            });
        }
        if (result.Contains('$', StringComparison.Ordinal))
            throw new ModuleFormatException(sourceName, $"'{Restore(result)}' still has a '$' after expansion", line: line);
        return Restore(result);
    }

    private static string Restore(string value) => value.Replace(LiteralDollar, '$');

    private static ModuleFormatException Unterminated(string sourceName, int number, string line) =>
        new(sourceName, "unterminated quote (a value spanning lines is not read)", line: number, lineText: Shorten(line));

    private static string Shorten(string line) => line.Length <= 120 ? line : line[..120] + "…";
}

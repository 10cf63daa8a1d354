using Tomlyn.Syntax;

namespace Kabigate.Formats.Recipes;

/// <summary>How a recipe builds its kmod.</summary>
public enum RecipeKind : byte
{
    /// <summary>A kbuild source directory (Kbuild or Makefile): <c>make -C HEADERS M=DIR modules</c>.</summary>
    Kbuild,

    /// <summary>A DKMS source tree (<c>dkms.conf</c>): a directory, a Debian <c>*-dkms</c> .deb, or <c>apt:NAME</c>.</summary>
    Dkms,

    /// <summary>
    /// A source RPM of a kmod, as ELRepo ships them: <c>rpmbuild --rebuild</c> with <c>kmod_kernel_version</c> and
    /// <c>kernel_source</c> defined, the .ko files taken from the kmod package it makes.
    /// </summary>
    Srpm,
}

/// <summary>A registered recipe.</summary>
/// <param name="Name">The kmod's name (what plans and the store call it).</param>
/// <param name="Kind">How it builds.</param>
/// <param name="Path">The source: a directory, a .deb or <c>apt:NAME</c> (DKMS), a .src.rpm (SRPM).</param>
/// <param name="Modules">The modules it builds (kbuild, SRPM; DKMS reads BUILT_MODULE_NAME[]); empty: from the Kbuild's <c>obj-m</c>, or the spec's <c>kmod_name</c>.</param>
/// <param name="MakeArguments">Extra <c>make</c> arguments for a kbuild recipe (e.g. <c>KBUILD_EXTRA_SYMBOLS=…</c>).</param>
/// <param name="Origin">Where it was registered (<c>file:line</c>, or the command line).</param>
public sealed record RecipeEntry(string Name, RecipeKind Kind, string Path, IReadOnlyList<string> Modules, IReadOnlyList<string> MakeArguments, string Origin);

/// <summary>
/// Reads a recipes file (TOML), where kmods are registered for rebuilds; relative paths are relative to the file:
/// <code>
/// [[recipe]]
/// name = "vpoll"                 # the kmod's name; default: PACKAGE_NAME (DKMS) or the directory's name
/// kind = "dkms"                  # "kbuild", "dkms" or "srpm"; default: srpm for an RPM file, dkms for a .deb, apt:NAME or a tree with dkms.conf
/// path = "apt:vpoll-dkms"        # a directory, a *-dkms .deb, apt:NAME, or a kmod's .src.rpm
/// modules = ["vpoll"]            # kbuild and srpm, optional: default the obj-m of its Kbuild/Makefile, or the spec's kmod_name
/// make_args = ["KBUILD_EXTRA_SYMBOLS=/src/provider/Module.symvers"]   # kbuild only, optional
/// </code>
/// </summary>
public static class RecipesReader
{
    /// <summary>The largest recipes file read.</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly string[] Keys = ["name", "kind", "path", "modules", "make_args"];

    /// <summary>Reads a recipes file.</summary>
    /// <exception cref="ModuleFormatException">The file is malformed; the message is <c>file:line: reason</c>.</exception>
    public static IReadOnlyList<RecipeEntry> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new ModuleFormatException(path, "no such recipes file");
        return Parse(InputFiles.ReadAllText(path, MaxBytes), path, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
    }

    /// <summary>Parses recipes text; relative paths are resolved against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ModuleFormatException">The text is malformed.</exception>
    public static IReadOnlyList<RecipeEntry> Parse(string text, string sourceName, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxBytes)
            throw new ModuleFormatException(sourceName, Messages.InputExceeds(MaxBytes));
        TomlText.CheckDepth(text, sourceName, "recipes");
        DocumentSyntax document;
        try
        {
            // As in PolicyReader: a final blank lets Tomlyn 2.10.2 report an escape cut short by the end of the text.
            document = Tomlyn.Parsing.SyntaxParser.Parse(text + " ", sourceName);
        }
        catch (Tomlyn.TomlException e)
        {
            throw new ModuleFormatException(sourceName, e.Message.ReplaceLineEndings(" "), line: Math.Max(e.Line ?? 1, 1));
        }
        foreach (var diagnostic in document.Diagnostics)
        {
            if (diagnostic.Kind == DiagnosticMessageKind.Error)
                throw Error(sourceName, diagnostic.Span.Start.Line, diagnostic.Message);
        }
        foreach (var item in document.KeyValues)
            throw Error(sourceName, item.Span.Start.Line, $"unknown key '{item.Key?.ToString().Trim()}' (a recipes file holds [[recipe]] tables)");
        var recipes = new List<RecipeEntry>();
        foreach (var table in document.Tables)
        {
            int line = table.Span.Start.Line;
            if (table is not TableArraySyntax || table.Name?.ToString().Trim() != "recipe")
                throw Error(sourceName, line, $"unknown table '{table.Name?.ToString().Trim()}' (known: [[recipe]])");
            recipes.Add(ParseRecipe(table, sourceName, baseDirectory));
        }
        var duplicate = recipes.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ModuleFormatException(sourceName, $"recipe '{duplicate.Key}' is registered twice ({string.Join(", ", duplicate.Select(d => d.Origin))})");
        return recipes;
    }

    /// <summary>A recipe named on the command line: its kind and name found from what the path holds.</summary>
    /// <param name="path">A directory, a .deb, or <c>apt:NAME</c>.</param>
    /// <param name="name">The name, or null for the default.</param>
    public static RecipeEntry FromPath(string path, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var kind = KindOf(path);
        return new RecipeEntry(name ?? DefaultName(path), kind, path, [], [], "--recipe " + path);
    }

    /// <summary>What a path holds: an RPM file (by its lead's magic) is an SRPM recipe, any other file, apt:NAME or a tree with dkms.conf a DKMS one.</summary>
    private static RecipeKind KindOf(string path) =>
        File.Exists(path) && IsRpmFile(path) ? RecipeKind.Srpm
        : path.StartsWith(Sources.AptCache.Prefix, StringComparison.Ordinal) || File.Exists(path) || File.Exists(System.IO.Path.Combine(path, "dkms.conf")) ? RecipeKind.Dkms
        : RecipeKind.Kbuild;

    private static bool IsRpmFile(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && Rpm.RpmReader.IsRpm(head);
    }

    /// <summary>The default name before a DKMS tree is read: the directory's or package's name.</summary>
    private static string DefaultName(string path)
    {
        if (path.StartsWith(Sources.AptCache.Prefix, StringComparison.Ordinal))
            return path[Sources.AptCache.Prefix.Length..].Replace("-dkms", "", StringComparison.Ordinal);
        var file = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(path));
        if (file.EndsWith(".src.rpm", StringComparison.Ordinal))
            return SrpmName(file);
        return file.EndsWith(".deb", StringComparison.Ordinal) ? file.Split('_')[0].Replace("-dkms", "", StringComparison.Ordinal) : file;
    }

    /// <summary>An SRPM's kmod name from its file name: <c>kmod-wireguard-1.0-4.el9.src.rpm</c> is <c>wireguard</c> (NAME is up to the second-last dash).</summary>
    private static string SrpmName(string file)
    {
        var stem = file[..^".src.rpm".Length];
        for (int dashes = 0; dashes < 2; dashes++)
        {
            int dash = stem.LastIndexOf('-');
            if (dash <= 0)
                break;
            stem = stem[..dash];
        }
        return stem.StartsWith("kmod-", StringComparison.Ordinal) && stem.Length > "kmod-".Length ? stem["kmod-".Length..] : stem;
    }

    private static RecipeEntry ParseRecipe(TableSyntaxBase table, string sourceName, string baseDirectory)
    {
        int tableLine = table.Span.Start.Line;
        string? name = null, kindText = null, path = null;
        IReadOnlyList<string> modules = [], makeArguments = [];
        foreach (var item in table.Items)
        {
            var key = item.Key?.ToString().Trim().Trim('"') ?? "";
            int line = item.Span.Start.Line;
            switch (key)
            {
                case "name": name = String(item, sourceName); break;
                case "kind": kindText = String(item, sourceName); break;
                case "path": path = String(item, sourceName); break;
                case "modules": modules = Strings(item, sourceName); break;
                case "make_args": makeArguments = Strings(item, sourceName); break;
                default: throw Error(sourceName, line, $"unknown recipe key '{key}' (known: {string.Join(", ", Keys)})");
            }
        }
        if (string.IsNullOrWhiteSpace(path))
            throw Error(sourceName, tableLine, "a recipe must give its 'path'");
        if (!path.StartsWith(Sources.AptCache.Prefix, StringComparison.Ordinal) && !System.IO.Path.IsPathRooted(path))
            path = System.IO.Path.Combine(baseDirectory, path);
        var kind = kindText switch
        {
            null => KindOf(path),
            "kbuild" => RecipeKind.Kbuild,
            "dkms" => RecipeKind.Dkms,
            "srpm" => RecipeKind.Srpm,
            _ => throw Error(sourceName, tableLine, $"'{kindText}' is not a recipe kind (kbuild, dkms or srpm)"),
        };
        if (kind == RecipeKind.Dkms && (modules.Count > 0 || makeArguments.Count > 0))
            throw Error(sourceName, tableLine, "'modules' and 'make_args' are for kbuild recipes; a DKMS recipe takes them from its dkms.conf");
        if (kind == RecipeKind.Srpm && makeArguments.Count > 0)
            throw Error(sourceName, tableLine, "'make_args' is for kbuild recipes; an SRPM's spec runs its own make");
        if (name is not null && (name.Length == 0 || name.Any(c => c is '/' or '\0' or '\n' || char.IsWhiteSpace(c))))
            throw Error(sourceName, tableLine, $"'{name}' is not a recipe name (no spaces or slashes)");
        return new RecipeEntry(name ?? DefaultName(path), kind, path, modules, makeArguments, $"{sourceName}:{tableLine + 1}");
    }

    private static string String(KeyValueSyntax item, string sourceName) =>
        item.Value is StringValueSyntax { Value: { } value }
            ? value
            : throw Error(sourceName, item.Span.Start.Line, $"'{item.Key?.ToString().Trim()}' must be a string");

    private static IReadOnlyList<string> Strings(KeyValueSyntax item, string sourceName)
    {
        if (item.Value is not ArraySyntax array)
            throw Error(sourceName, item.Span.Start.Line, $"'{item.Key?.ToString().Trim()}' must be an array of strings");
        var values = new List<string>();
        foreach (var element in array.Items)
        {
            if (element.Value is not StringValueSyntax { Value: { } value })
                throw Error(sourceName, item.Span.Start.Line, $"'{item.Key?.ToString().Trim()}' must be an array of strings");
            values.Add(value);
        }
        return values;
    }

    private static ModuleFormatException Error(string sourceName, int zeroBasedLine, string message) =>
        new(sourceName, message, line: zeroBasedLine + 1);
}

using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;

namespace Kabigate.Cli.Packaging;

/// <summary>One verb of the command tree, as the man page and the shell completion describe it.</summary>
/// <param name="Path">The words that name it below the root (<c>["weak-updates", "plan"]</c>; empty for the root).</param>
/// <param name="Command">The System.CommandLine command.</param>
/// <param name="Subcommands">Its visible subcommands' names.</param>
/// <param name="Options">Its visible options, without --help and --version.</param>
/// <param name="Arguments">Its arguments.</param>
internal sealed record CommandNode(IReadOnlyList<string> Path, Command Command, IReadOnlyList<string> Subcommands,
    IReadOnlyList<OptionNode> Options, IReadOnlyList<Argument> Arguments)
{
    /// <summary>The path as one string (<c>weak-updates plan</c>).</summary>
    public string Name => string.Join(' ', Path);
}

/// <summary>One option: its names, what value it takes, and the values it accepts (empty when any).</summary>
internal sealed record OptionNode(Option Option, IReadOnlyList<string> Names, string? ValueName, IReadOnlyList<string> Values, bool Repeatable);

/// <summary>
/// The verbs, options and arguments of the root command, walked once: the single source of the man page and the
/// completion, so neither can name a verb or an option the binary does not have, or miss one it has.
/// </summary>
internal static class CommandTree
{
    /// <summary>Every visible command, depth first, the root first; hidden commands and options are left out.</summary>
    public static IReadOnlyList<CommandNode> Walk(RootCommand root)
    {
        var nodes = new List<CommandNode>();
        Visit(root, [], nodes);
        return nodes;
    }

    /// <summary>What kind of word a value named <paramref name="helpName"/> is, for completion: a file, a directory, or other.</summary>
    public static ValueKind KindOf(string? helpName) => helpName switch
    {
        "DIR" => ValueKind.Directory,
        "FILE" or "SRC" or "PATH" or "PATH|URL" or "REPO" or "KMODS" or "MODULE" or "SOURCE" or "KERNEL" or "KMOD" or "OLD" or "NEW" => ValueKind.File,
        _ => ValueKind.Other,
    };

    private static void Visit(Command command, IReadOnlyList<string> path, List<CommandNode> nodes)
    {
        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToList();
        var options = command.Options
            .Where(o => !o.Hidden && o is not HelpOption && o is not VersionOption)
            .Select(Describe)
            .ToList();
        nodes.Add(new CommandNode(path, command, [.. subcommands.Select(c => c.Name)], options, [.. command.Arguments.Where(a => !a.Hidden)]));
        foreach (var subcommand in subcommands)
            Visit(subcommand, [.. path, subcommand.Name], nodes);
    }

    private static OptionNode Describe(Option option)
    {
        var names = new[] { option.Name }.Concat(option.Aliases.Order(StringComparer.Ordinal)).ToList();
        if (option.ValueType == typeof(bool))
            return new OptionNode(option, names, null, [], false);
        var values = option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList();
        var repeatable = option.ValueType.IsArray || option.Arity.MaximumNumberOfValues > 1;
        return new OptionNode(option, names, option.HelpName ?? "VALUE", values, repeatable);
    }
}

/// <summary>What a value is, for the shell to complete it.</summary>
internal enum ValueKind
{
    /// <summary>Anything: no completion.</summary>
    Other,

    /// <summary>A file (or anything a path names).</summary>
    File,

    /// <summary>A directory.</summary>
    Directory,
}

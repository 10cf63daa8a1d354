using System.CommandLine;
using System.Text;

namespace Kabigate.Cli.Packaging;

/// <summary>
/// The bash completion of kabigate, generated from the command tree: the verbs of each command, the options of each
/// verb, the values an option accepts (<c>--format</c>'s formats), files or directories where a value names one.
/// Plain bash (no bash-completion helpers needed), for /usr/share/bash-completion/completions/kabigate.
/// </summary>
internal static class BashCompletion
{
    /// <summary>The completion script for <paramref name="root"/>.</summary>
    public static string Render(RootCommand root)
    {
        var nodes = CommandTree.Walk(root);
        var script = new StringBuilder();
        script.Append("""
            # bash completion for kabigate: generated from its command tree (kabigate generate bash-completion); do not edit.
            _kabigate()
            {
                local -A commands options values
                local -A arguments

            """.Replace("\r", "", StringComparison.Ordinal));
        foreach (var node in nodes)
        {
            var key = Key(node);
            if (node.Subcommands.Count > 0)
                script.Append($"    commands[{key}]={Quote(string.Join(' ', node.Subcommands))}\n");
            var names = node.Options.SelectMany(o => o.Names).Append("--help");
            if (node.Path.Count == 0)
                names = names.Append("--version");
            script.Append($"    options[{key}]={Quote(string.Join(' ', names))}\n");
            foreach (var option in node.Options.Where(o => o.ValueName is not null))
            {
                var value = option.Values.Count > 0 ? string.Join(' ', option.Values) : "@" + CommandTree.KindOf(option.ValueName).ToString().ToLowerInvariant();
                foreach (var name in option.Names)
                    script.Append($"    values[{Quote(string.Join(' ', node.Path.Prepend("kabigate").Append(name)))}]={Quote(value)}\n");
            }
            if (node.Arguments.Count > 0)
            {
                var kind = CommandTree.KindOf(node.Arguments[0].HelpName ?? node.Arguments[0].Name);
                script.Append($"    arguments[{key}]={Quote("@" + kind.ToString().ToLowerInvariant())}\n");
            }
        }
        script.Append("""

                # The command the words so far name: each word that is a verb of the command before it; an option's value is skipped.
                local path=kabigate word i skip=
                for ((i = 1; i < COMP_CWORD; i++)); do
                    word=${COMP_WORDS[i]}
                    if [[ -n $skip ]]; then
                        skip=
                    elif [[ $word == -* ]]; then
                        [[ -n ${values["$path $word"]+set} ]] && skip=1
                    elif [[ " ${commands[$path]-} " == *" $word "* ]]; then
                        path="$path $word"
                    fi
                done

                local cur=${COMP_WORDS[COMP_CWORD]} prev=
                ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
                local wanted=
                if [[ $prev == -* && -n ${values["$path $prev"]+set} ]]; then
                    wanted=${values["$path $prev"]}
                elif [[ $cur == -* ]]; then
                    wanted=${options[$path]}
                elif [[ -n ${commands[$path]+set} ]]; then
                    wanted=${commands[$path]}
                else
                    wanted=${arguments[$path]-}
                fi
                case $wanted in
                    @file) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null ;;
                    @directory) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); compopt -o filenames 2>/dev/null ;;
                    @other | '') COMPREPLY=() ;;
                    *) mapfile -t COMPREPLY < <(compgen -W "$wanted" -- "$cur") ;;
                esac
            }
            complete -F _kabigate kabigate

            """.Replace("\r", "", StringComparison.Ordinal));
        return script.ToString();
    }

    private static string Key(CommandNode node) => Quote(string.Join(' ', node.Path.Prepend("kabigate")));

    /// <summary>A word in single quotes; the tree's names and values never hold one (checked, so a future one fails the build's test, not a user's shell).</summary>
    private static string Quote(string word) => word.Contains('\'', StringComparison.Ordinal)
        ? throw new InvalidOperationException($"a command-line name holds a quote: {word}")
        : $"'{word}'";
}

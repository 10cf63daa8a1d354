using System.Text.RegularExpressions;

namespace Kabigate.Formats.Recipes;

/// <summary>
/// The modules a kbuild source directory builds, from the <c>obj-m</c> lines of its <c>Kbuild</c> (else its
/// <c>Makefile</c>): <c>obj-m += a.o b.o</c>, <c>obj-m := a.o</c>. Lines that compute obj-m (a variable, a condition)
/// are not evaluated; a recipe may then name its modules itself.
/// </summary>
public static partial class KbuildModules
{
    [GeneratedRegex(@"^\s*obj-m\s*(\+=|:=|=)\s*(?<objects>[^#]*)")]
    private static partial Regex ObjM();

    /// <summary>The module names (without <c>.ko</c>), in order; empty when no obj-m line names a plain object.</summary>
    /// <exception cref="ModuleFormatException">The directory has neither a Kbuild nor a Makefile.</exception>
    public static IReadOnlyList<string> Read(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var file = new[] { "Kbuild", "Makefile" }.Select(f => Path.Combine(directory, f)).FirstOrDefault(File.Exists)
            ?? throw new ModuleFormatException(directory, "not a kbuild source directory: no Kbuild and no Makefile");
        return Parse(InputFiles.ReadAllText(file, InputLimits.MaxPolicyBytes));
    }

    /// <summary>The module names an obj-m text names.</summary>
    public static IReadOnlyList<string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var names = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var match = ObjM().Match(line);
            if (!match.Success)
                continue;
            foreach (var word in match.Groups["objects"].Value.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (word.EndsWith(".o", StringComparison.Ordinal) && !word.Contains('$', StringComparison.Ordinal) && !word.Contains('/', StringComparison.Ordinal))
                    names.Add(word[..^2]);
            }
        }
        return [.. names.Distinct(StringComparer.Ordinal)];
    }
}

using System.CommandLine;

namespace Kabigate.Cli.Commands;

/// <summary>Options several verbs share.</summary>
internal static class CommonOptions
{
    public static Option<string[]> Kernels(bool required) => new("--kernel", "-k")
    {
        Description = "A kernel: Module.symvers or symvers.gz/.xz/.zst, a linux-headers directory, a /lib/modules/RELEASE tree, a headers .deb, or apt:PACKAGE. Repeat for several kernels.",
        Required = required,
        HelpName = "SRC",
    };

    public static Option<string?> Release() => new("--release")
    {
        Description = "The kernel release, when the kernel source does not tell it (only with one --kernel).",
        HelpName = "RELEASE",
    };

    public static Option<string?> Stablelist() => new("--stablelist")
    {
        Description = "A kABI stablelist (RHEL kabi_stablelist_<arch>/kabi_whitelist_<arch>, Android symbol list, or one symbol a line): marks each problem's symbol as listed or not.",
        HelpName = "FILE",
    };

    /// <summary>
    /// An option that takes several values per occurrence (<c>--kmods a.rpm b.rpm</c>, what a shell glob expands to)
    /// as well as repeated; only for verbs without positional arguments, which it would swallow.
    /// </summary>
    public static Option<string[]> Many(string name, string helpName, string description, bool required = false, string? alias = null)
    {
        var option = alias is null ? new Option<string[]>(name) : new Option<string[]>(name, alias);
        option.Description = description;
        option.HelpName = helpName;
        option.Required = required;
        option.AllowMultipleArgumentsPerToken = true;
        return option;
    }

    public static Option<string?> Output() => new("--output", "-o")
    {
        Description = "Write the report to this file (atomically) instead of stdout.",
        HelpName = "FILE",
    };

    public static Option<string> Format(params string[] formats)
    {
        var option = new Option<string>("--format", "-f")
        {
            Description = $"Output format: {string.Join(", ", formats)}.",
            DefaultValueFactory = _ => formats[0],
            HelpName = "FORMAT",
        };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }
}

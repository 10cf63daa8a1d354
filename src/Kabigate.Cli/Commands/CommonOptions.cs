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

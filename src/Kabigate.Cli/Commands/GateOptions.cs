using System.CommandLine;

namespace Kabigate.Cli.Commands;

/// <summary>Options the package gates (<c>mask</c>, <c>hold</c>) share.</summary>
internal static class GateOptions
{
    public static Option<string[]> Repositories() => new("--repo", "-r")
    {
        Description = "An RPM repository: a directory holding repodata/ (dnf's cache directory of a repository will do) or an http(s):// base URL. Repeat for several; read from their metadata alone.",
        Required = true,
        HelpName = "REPO",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string?> InstallRoot() => new("--installroot")
    {
        Description = "The root whose rpm database lists the installed packages, as dnf's --installroot (default: /).",
        HelpName = "DIR",
    };

    public static Option<string?> DbPath() => new("--dbpath")
    {
        Description = "The rpm database directory inside the root, as rpm's %_dbpath (default: the first of /usr/lib/sysimage/rpm, /var/lib/rpm, ~/.rpmdb that holds one).",
        HelpName = "DIR",
    };

    public static Option<string> Format() => CommonOptions.Format("text", "json", "excludes");
}

using System.CommandLine;
using Kabigate.App.Inputs;

namespace Kabigate.Cli.Commands;

/// <summary>Options the package gates (<c>mask</c>, <c>hold</c>) share.</summary>
internal sealed class GateOptions
{
    public Option<string[]> Repositories { get; } = CommonOptions.Many("--repo", "REPO",
        "An RPM repository: a directory holding repodata/ (dnf's cache directory of a repository will do) or an http(s):// base URL. Several, or repeated; read from their metadata alone.",
        required: true, alias: "-r");

    public Option<string?> InstallRoot { get; } = new("--installroot")
    {
        Description = "The root whose rpm database lists the installed packages, as dnf's --installroot (default: /).",
        HelpName = "DIR",
    };

    public Option<string?> DbPath { get; } = new("--dbpath")
    {
        Description = "The rpm database directory inside the root, as rpm's %_dbpath (default: the first of /usr/lib/sysimage/rpm, /var/lib/rpm, ~/.rpmdb that holds one).",
        HelpName = "DIR",
    };

    public Option<string> Format { get; } = CommonOptions.Format("text", "json", "excludes");

    public IEnumerable<Option> All => [Repositories, InstallRoot, DbPath, Format];

    public PackageSources Sources(ParseResult parse) => new(parse.GetValue(Repositories)!, parse.GetValue(InstallRoot), parse.GetValue(DbPath));
}

using System.CommandLine;
using Kabigate.Store;

namespace Kabigate.Cli.Commands;

/// <summary>Options of the verbs that read or write the store.</summary>
internal static class StoreOptions
{
    public static Option<string?> Db() => new("--db")
    {
        Description = $"The store: an SQLite file, or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE. Default: ${StoreLocation.EnvironmentVariable}, else {StoreLocation.DefaultPath}.",
        HelpName = "PATH|URL",
    };

    public static Option<string?> Policy() => new("--policy")
    {
        Description = "A policy file (TOML): severity rules, the stablelist, and waivers; see docs/kabigate.md.",
        HelpName = "FILE",
    };
}

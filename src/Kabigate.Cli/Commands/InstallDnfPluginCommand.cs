using System.CommandLine;
using System.Text.RegularExpressions;

namespace Kabigate.Cli.Commands;

/// <summary>
/// <c>kabigate install-dnf-plugin</c>: writes the dnf 4 plugin (embedded in the binary) where dnf loads plugins from,
/// and its configuration where dnf reads it, never overwriting an existing configuration.
/// </summary>
internal static partial class InstallDnfPluginCommand
{
    internal const string PluginResource = "Kabigate.Cli.packaging.dnf.kabigate.py";
    internal const string ConfResource = "Kabigate.Cli.packaging.dnf.kabigate.conf";

    [GeneratedRegex(@"^PLUGINPATH\s*=\s*'([^']+)'", RegexOptions.Multiline)]
    private static partial Regex PluginPath();

    [GeneratedRegex(@"^PLUGINCONFPATH\s*=\s*'([^']+)'", RegexOptions.Multiline)]
    private static partial Regex PluginConfPath();

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var root = new Option<string>("--root")
        {
            Description = "Install under this root instead of / (an image or an --installroot).",
            HelpName = "DIR",
            DefaultValueFactory = _ => "/",
        };
        var command = new Command("install-dnf-plugin", "Install the dnf 4 plugin (kabigate.py) into dnf's plugin directory, found as dnf finds it (PLUGINPATH in ROOT's dnf/const.py), and /etc/dnf/plugins/kabigate.conf unless that exists.\nExit status: 0 installed, 2 dnf not found under ROOT or a file cannot be written.")
        {
            root,
        };
        command.SetAction(parse => Run(parse.GetValue(root)!, stdout, stderr));
        return command;
    }

    public static int Run(string root, TextWriter stdout, TextWriter stderr)
    {
        root = Path.GetFullPath(root);
        var constants = FindDnfConstants(root);
        if (constants is null)
        {
            stderr.WriteLine($"kabigate: ERROR: {root}: no dnf 4 found (no usr/lib*/python3*/{{dist,site}}-packages/dnf/const.py); install python3-dnf");
            return ExitCodes.Error;
        }

        var text = File.ReadAllText(constants);
        var pluginDir = PluginPath().Match(text) is { Success: true } p
            ? Path.Join(root, p.Groups[1].Value)
            : Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(constants))!, "dnf-plugins"); // beside the dnf package
        var confDir = Path.Join(root, PluginConfPath().Match(text) is { Success: true } c ? c.Groups[1].Value : "/etc/dnf/plugins");
        var plugin = Path.Combine(pluginDir, "kabigate.py");
        var conf = Path.Combine(confDir, "kabigate.conf");
        Directory.CreateDirectory(pluginDir);
        Write(plugin, PluginResource);
        stdout.WriteLine($"installed {plugin}");
        if (File.Exists(conf))
        {
            stdout.WriteLine($"kept {conf} (exists)");
        }
        else
        {
            Directory.CreateDirectory(confDir);
            Write(conf, ConfResource);
            stdout.WriteLine($"installed {conf}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>dnf's <c>const.py</c> under the root: where dnf's own PLUGINPATH and PLUGINCONFPATH are written.</summary>
    private static string? FindDnfConstants(string root)
    {
        foreach (var lib in new[] { "usr/lib", "usr/lib64", "usr/local/lib" })
        {
            var libDir = Path.Join(root, lib);
            if (!Directory.Exists(libDir))
                continue;
            foreach (var python in Directory.EnumerateDirectories(libDir, "python3*").Order(StringComparer.Ordinal))
            {
                foreach (var packages in new[] { "dist-packages", "site-packages" })
                {
                    var constants = Path.Combine(python, packages, "dnf", "const.py");
                    if (File.Exists(constants))
                        return constants;
                }
            }
        }

        return null;
    }

    private static void Write(string path, string resource)
    {
        using var source = typeof(InstallDnfPluginCommand).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"resource {resource} is missing from the build");
        var temporary = path + ".kabigate-new";
        using (var file = File.Create(temporary))
            source.CopyTo(file);
        File.Move(temporary, path, overwrite: true);
    }
}

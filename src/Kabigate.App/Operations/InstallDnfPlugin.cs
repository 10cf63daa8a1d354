using System.Text.RegularExpressions;

namespace Kabigate.App.Operations;

/// <summary>What <c>install-dnf-plugin</c> is asked.</summary>
/// <param name="Root">Install under this root instead of <c>/</c>.</param>
/// <param name="Kabigate">The kabigate binary the configuration names (an absolute path: the plugin runs it as root,
/// and a name would be looked up in root's PATH).</param>
public sealed record InstallDnfPluginRequest(string Root, string Kabigate);

/// <summary>What was written.</summary>
/// <param name="Plugin">The plugin's path.</param>
/// <param name="Configuration">The configuration's path.</param>
/// <param name="KeptConfiguration">Whether the configuration existed and was kept.</param>
/// <param name="Kabigate">The binary a new configuration names.</param>
public sealed record InstalledPlugin(string Plugin, string Configuration, bool KeptConfiguration, string Kabigate);

/// <summary>
/// <c>kabigate install-dnf-plugin</c>: writes the dnf 4 plugin (embedded in the binary) where dnf loads plugins from,
/// and its configuration where dnf reads it, never overwriting an existing configuration.
/// </summary>
public static partial class InstallDnfPluginOperation
{
    internal const string PluginResource = "Kabigate.App.packaging.dnf.kabigate.py";
    internal const string ConfResource = "Kabigate.App.packaging.dnf.kabigate.conf";

    [GeneratedRegex(@"^PLUGINPATH\s*=\s*'([^']+)'", RegexOptions.Multiline)]
    private static partial Regex PluginPath();

    [GeneratedRegex(@"^PLUGINCONFPATH\s*=\s*'([^']+)'", RegexOptions.Multiline)]
    private static partial Regex PluginConfPath();

    /// <summary>Writes the plugin, and the configuration unless one exists.</summary>
    /// <exception cref="OperationException">No dnf 4 under the root.</exception>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public static InstalledPlugin Run(InstallDnfPluginRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Path.IsPathFullyQualified(request.Kabigate) || request.Kabigate.Any(char.IsControl))
            throw new OperationException($"{request.Kabigate}: the kabigate binary must be an absolute path (the plugin runs it as root)");
        var root = Path.GetFullPath(request.Root);
        var constants = FindDnfConstants(root)
            ?? throw new OperationException($"{root}: no dnf 4 found (no usr/lib*/python3*/{{dist,site}}-packages/dnf/const.py); install python3-dnf");
        var text = File.ReadAllText(constants);
        var pluginDir = PluginPath().Match(text) is { Success: true } p
            ? Under(root, p.Groups[1].Value)
            : Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(constants))!, "dnf-plugins"); // beside the dnf package
        var confDir = Under(root, PluginConfPath().Match(text) is { Success: true } c ? c.Groups[1].Value : "/etc/dnf/plugins");
        var plugin = Path.Combine(pluginDir, "kabigate.py");
        var conf = Path.Combine(confDir, "kabigate.conf");
        Directory.CreateDirectory(pluginDir);
        Write(plugin, Resource(PluginResource));
        var keptConfiguration = File.Exists(conf);
        if (!keptConfiguration)
        {
            Directory.CreateDirectory(confDir);
            var configuration = Resource(ConfResource).Replace("\nkabigate = kabigate\n", $"\nkabigate = {request.Kabigate}\n", StringComparison.Ordinal);
            Write(conf, configuration);
        }
        return new InstalledPlugin(plugin, conf, keptConfiguration, request.Kabigate);
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

    /// <summary>A path of dnf's (absolute) under the root, without the doubled slash <c>Path.Join("/", "/usr")</c> gives.</summary>
    private static string Under(string root, string path) => Path.GetFullPath(Path.Join(root, path.TrimStart('/')));

    private static string Resource(string name)
    {
        using var source = typeof(InstallDnfPluginOperation).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} is missing from the build");
        using var reader = new StreamReader(source);
        return reader.ReadToEnd();
    }

    private static void Write(string path, string text)
    {
        var temporary = path + ".kabigate-new";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}

using Kabigate.Abi;

namespace Kabigate.Cli;

/// <summary>Short descriptions of module facts shared by the text renderers.</summary>
internal static class ModuleDescription
{
    public static string Versions(ModuleImage module) => module.VersionTables switch
    {
        ModversionTables.None => "none (built without CONFIG_MODVERSIONS)",
        ModversionTables.Basic => $"__versions, {module.BasicVersions.Length} entries",
        ModversionTables.Extended => $"extended only, {module.ExtendedVersions.Length} entries",
        _ => $"__versions {module.BasicVersions.Length} + extended {module.ExtendedVersions.Length} entries",
    };
}

using System.Collections.Immutable;
using Kabigate.Abi;

namespace Kabigate.Tests.Support;

/// <summary>Module images made in memory, for tests of logic above the ELF reader.</summary>
internal static class KmodFixtures
{
    public static ModuleImage Module(string name, string[]? imports = null, (string Symbol, uint Crc)[]? versions = null, string[]? namespaces = null, string license = "GPL", string? vermagic = "6.1.0-47-amd64 SMP preempt mod_unload modversions ", (string Symbol, uint? Crc)[]? exports = null, string? path = null)
    {
        var modinfo = new List<KeyValuePair<string, string>> { new("license", license), new("name", name) };
        if (vermagic is not null)
            modinfo.Add(new("vermagic", vermagic));
        modinfo.AddRange((namespaces ?? []).Select(ns => new KeyValuePair<string, string>("import_ns", ns)));
        var importList = imports ?? [];
        var versionList = versions ?? importList.Select(s => (s, 0x1234u)).ToArray();
        return new ModuleImage
        {
            Path = path ?? $"/test/{name}.ko",
            Name = name,
            Elf = new ElfIdentity(true, false, ElfIdentity.MachineX86_64),
            Modinfo = [.. modinfo],
            Imports = [.. importList.Select(s => new ModuleImport(s, false))],
            Exports = [.. (exports ?? []).Select(e => new ModuleExport(e.Symbol, e.Crc, ExportKind.Gpl, null))],
            BasicVersions = [.. versionList.Select(v => new SymbolVersion(v.Symbol, v.Crc))],
            ExtendedVersions = ImmutableArray<SymbolVersion>.Empty,
            VersionTables = ModversionTables.Basic,
            Signed = false,
        };
    }
}

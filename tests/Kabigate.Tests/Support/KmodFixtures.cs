using Kabigate.Abi;

namespace Kabigate.Tests.Support;

/// <summary>Module images made in memory, for tests of logic above the ELF reader: the one builder of them.</summary>
internal static class KmodFixtures
{
    public const string DefaultVermagic = "6.1.0-47-amd64 SMP preempt mod_unload modversions ";

    /// <summary>
    /// A module image: modinfo <c>license</c>, <c>name</c>, <c>vermagic</c>, <c>depends</c> and <c>import_ns</c> (in that
    /// order, the absent ones left out); one import per entry of <paramref name="imports"/> and <paramref name="weak"/>;
    /// a <c>__versions</c> entry for <paramref name="moreVersions"/> (first: module_layout and the like) and for each import
    /// with a CRC, unless <paramref name="versions"/> is false (no <c>__versions</c> at all).
    /// </summary>
    public static ModuleImage Module(
        string name, (string Symbol, uint? Crc)[] imports, string license = "GPL", string? vermagic = DefaultVermagic,
        string[]? importNs = null, ModuleExport[]? exports = null, bool versions = true, (string Symbol, bool Weak)[]? weak = null,
        string? depends = null, (string Symbol, uint Crc)[]? moreVersions = null, string? path = null)
    {
        var modinfo = new List<KeyValuePair<string, string>> { new("license", license), new("name", name) };
        if (vermagic is not null)
            modinfo.Add(new("vermagic", vermagic));
        if (depends is not null)
            modinfo.Add(new("depends", depends));
        modinfo.AddRange((importNs ?? []).Select(ns => new KeyValuePair<string, string>("import_ns", ns)));
        var versionList = versions
            ? (moreVersions ?? []).Select(v => new SymbolVersion(v.Symbol, v.Crc))
                .Concat(imports.Where(i => i.Crc is not null).Select(i => new SymbolVersion(i.Symbol, i.Crc!.Value)))
            : [];
        return new ModuleImage
        {
            Path = path ?? $"/test/{name}.ko",
            Name = name,
            Elf = new ElfIdentity(true, false, ElfIdentity.MachineX86_64),
            Modinfo = [.. modinfo],
            Imports = [.. imports.Select(i => new ModuleImport(i.Symbol, false)), .. (weak ?? []).Select(w => new ModuleImport(w.Symbol, w.Weak))],
            Exports = [.. exports ?? []],
            BasicVersions = [.. versionList],
            ExtendedVersions = [],
            VersionTables = versions ? ModversionTables.Basic : ModversionTables.None,
            Signed = false,
        };
    }

    /// <summary>Imports that each carry a <c>__versions</c> entry with the same placeholder CRC.</summary>
    public static (string Symbol, uint? Crc)[] Imports(params string[] symbols) => [.. symbols.Select(s => (s, (uint?)0x1234u))];
}

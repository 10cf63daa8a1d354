using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Kabigate.Abi;

namespace Kabigate.Bench;

/// <summary>
/// Synthetic out-of-tree kmods, as <c>modpost</c> would record them: each built for one of a set of kernels, importing
/// 20–80 of its exports (most from the few thousand core symbols drivers use, some from anywhere) with that kernel's
/// CRCs, <c>module_layout</c> in <c>__versions</c>, <c>import_ns</c> for every namespaced import, and the licenses
/// out-of-tree modules declare. Proprietary ones import only exports that are not GPL-only, as they must to build.
/// Seeded: every run makes the same kmods.
/// </summary>
internal static class SyntheticKmods
{
    private const string ModuleLayout = "module_layout";
    private const int CoreSymbols = 3000;

    private static readonly (string License, int Weight)[] s_licenses =
        [("GPL", 55), ("GPL v2", 25), ("Dual BSD/GPL", 8), ("Dual MIT/GPL", 4), ("Proprietary", 8)];

    /// <summary>The source of kmods ingested from one repository.</summary>
    public const string Repository = "https://repo.example.com/kmods/el9/x86_64/";

    /// <summary>One kmod per package: the package name each came from, as ingest records a source.</summary>
    public static string Source(ModuleImage kmod) => $"kmod-{kmod.Name.Replace('_', '-')}-1.0-1.{kmod.Vermagic!.Split(' ')[0]}.rpm";

    public static List<ModuleImage> Make(int count, IReadOnlyList<KernelAbi> builtFor)
    {
        var random = new Random(1717);
        var origin = builtFor[0];
        var vmlinux = origin.Exports.Values.Where(e => e.IsVmlinux).Select(e => e.Symbol).Order(StringComparer.Ordinal).ToArray();
        random.Shuffle(vmlinux);
        var core = vmlinux.Take(CoreSymbols).ToArray();
        var all = origin.Exports.Keys.Order(StringComparer.Ordinal).ToArray();
        int totalWeight = s_licenses.Sum(l => l.Weight);
        var kmods = new List<ModuleImage>(count);
        for (int i = 0; i < count; i++)
        {
            var kernel = builtFor[random.Next(builtFor.Count)];
            int pick = random.Next(totalWeight);
            var license = s_licenses.First(l => (pick -= l.Weight) < 0).License;
            bool gplOk = license != "Proprietary";
            int wanted = random.Next(20, 81);
            var imports = new SortedSet<string>(StringComparer.Ordinal);
            for (int attempts = 0; imports.Count < wanted && attempts < wanted * 20; attempts++)
            {
                var symbol = random.Next(5) < 4 ? core[random.Next(core.Length)] : all[random.Next(all.Length)];
                if (kernel.TryGetExport(symbol, out var export) && (gplOk || !export.Kind.IsGplOnly()))
                    imports.Add(symbol);
            }
            kmods.Add(Kmod($"kg_synth_{i:D4}", kernel, license, imports));
        }
        return kmods;
    }

    private static ModuleImage Kmod(string name, KernelAbi kernel, string license, SortedSet<string> imports)
    {
        var versions = new List<SymbolVersion>(imports.Count + 1);
        if (kernel.TryGetExport(ModuleLayout, out var layout) && layout.Crc is { } layoutCrc)
            versions.Add(new SymbolVersion(ModuleLayout, layoutCrc));
        var namespaces = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var symbol in imports)
        {
            var export = kernel.Exports[symbol];
            versions.Add(new SymbolVersion(symbol, export.Crc ?? 0));
            if (export.Namespace is { } ns)
                namespaces.Add(ns);
        }
        var modinfo = new List<KeyValuePair<string, string>>
        {
            new("version", "1.0"),
            new("license", license),
            new("srcversion", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..23]),
            new("depends", ""),
            new("retpoline", "Y"),
            new("name", name),
            new("vermagic", kernel.Vermagic!),
        };
        modinfo.AddRange(namespaces.Select(ns => new KeyValuePair<string, string>("import_ns", ns)));
        return new ModuleImage
        {
            Path = $"/lib/modules/{kernel.Release}/extra/{name}.ko",
            Name = name,
            Elf = new ElfIdentity(true, false, ElfIdentity.MachineX86_64),
            Modinfo = [.. modinfo],
            Imports = [.. imports.Select(s => new ModuleImport(s, false))],
            Exports = [],
            BasicVersions = [.. versions],
            ExtendedVersions = ImmutableArray<SymbolVersion>.Empty,
            VersionTables = ModversionTables.Basic,
            Signed = false,
        };
    }
}

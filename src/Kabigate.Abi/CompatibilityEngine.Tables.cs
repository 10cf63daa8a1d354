namespace Kabigate.Abi;

public static partial class CompatibilityEngine
{
    /// <summary>One export as the engine sees it: flags, CRC and interned namespace.</summary>
    private readonly struct ExportEntry(bool exists, bool hasCrc, bool gplOnly, uint crc, int ns)
    {
        public bool Exists { get; } = exists;
        public bool HasCrc { get; } = hasCrc;
        public bool GplOnly { get; } = gplOnly;
        public uint Crc { get; } = crc;
        public uint? CrcOrNull => HasCrc ? Crc : null;
        public int Namespace { get; } = ns;

        public static ExportEntry From(uint? crc, ExportKind kind, string? ns, SymbolTable namespaces) =>
            new(true, crc is not null, kind.IsGplOnly(), crc ?? 0, ns is null ? -1 : namespaces.Intern(ns));
    }

    /// <summary>A module's imports resolved to symbol ids and CRCs once, for every kernel.</summary>
    private sealed class PreparedModule
    {
        public required int[] ImportIds { get; init; }
        public required bool[] Weak { get; init; }
        public required uint?[] ImportCrcs { get; init; }
        public required HashSet<int> ImportedNamespaces { get; init; }
        public required bool GplOk { get; init; }
        public required bool HasVersions { get; init; }
        public required uint? ModuleLayoutCrc { get; init; }

        public static PreparedModule Create(ModuleImage image, SymbolTable symbols, SymbolTable namespaces)
        {
            var useExtended = (image.VersionTables & ModversionTables.Extended) != 0;
            var table = useExtended ? image.ExtendedVersions : image.BasicVersions;
            var versions = new Dictionary<string, uint>(table.Length, StringComparer.Ordinal);
            foreach (var entry in table)
                versions.TryAdd(entry.Symbol, entry.Crc);
            var count = image.Imports.Length;
            var ids = new int[count];
            var weak = new bool[count];
            var crcs = new uint?[count];
            for (var i = 0; i < count; i++)
            {
                var import = image.Imports[i];
                ids[i] = symbols.Intern(import.Symbol);
                weak[i] = import.Weak;
                crcs[i] = versions.TryGetValue(import.Symbol, out var crc) ? crc : null;
            }
            return new PreparedModule
            {
                ImportIds = ids,
                Weak = weak,
                ImportCrcs = crcs,
                ImportedNamespaces = image.ImportedNamespaces.Select(namespaces.Intern).ToHashSet(),
                GplOk = Licenses.IsGplCompatible(image.License),
                HasVersions = image.VersionTables != ModversionTables.None,
                ModuleLayoutCrc = versions.TryGetValue(ModuleLayout, out var layout) ? layout : null,
            };
        }
    }

    /// <summary>The exports of the module set, indexed by symbol id.</summary>
    private sealed class SetExports
    {
        public required int[] Owner { get; init; }
        public required ExportEntry[] Entries { get; init; }
        public required string[] ModulePaths { get; init; }
        public required Dictionary<string, int> IndexByName { get; init; }
        public IReadOnlyCollection<string> ModuleNames => IndexByName.Keys;

        public static SetExports Create(IReadOnlyList<ModuleImage> modules, SymbolTable symbols, SymbolTable namespaces)
        {
            var byName = new Dictionary<string, int>(StringComparer.Ordinal);
            var owners = new List<(int Id, int Module, ExportEntry Entry)>();
            for (var m = 0; m < modules.Count; m++)
            {
                // The loader refuses a second module of the same name; the first one given stands.
                if (!byName.TryAdd(modules[m].Name, m))
                    continue;
                foreach (var export in modules[m].Exports)
                    owners.Add((symbols.Intern(export.Symbol), m, ExportEntry.From(export.Crc, export.Kind, export.Namespace, namespaces)));
            }

            // Sized after every name is interned: kernels intern theirs later and grow past this, see Lookup.
            var owner = new int[symbols.Count + 1];
            Array.Fill(owner, -1);
            var entries = new ExportEntry[owner.Length];
            foreach (var (id, module, entry) in owners)
            {
                if (owner[id] < 0)
                {
                    owner[id] = module;
                    entries[id] = entry;
                }
            }
            return new SetExports
            {
                Owner = owner,
                Entries = entries,
                ModulePaths = modules.Select(m => m.Path).ToArray(),
                IndexByName = byName,
            };
        }
    }

    /// <summary>A kernel's exports indexed by symbol id, without the in-tree modules the set replaces.</summary>
    private sealed class KernelTable
    {
        public required ExportEntry[] Entries { get; init; }
        public required string?[] Exporters { get; init; }

        public bool TryGetCrc(int id, out uint crc)
        {
            crc = 0;
            if (id >= Entries.Length || !Entries[id].HasCrc)
                return false;
            crc = Entries[id].Crc;
            return true;
        }

        public static KernelTable Create(KernelAbi kernel, SymbolTable symbols, SymbolTable namespaces, IReadOnlyCollection<string> setModuleNames)
        {
            var shadowed = new HashSet<string>(setModuleNames, StringComparer.Ordinal);
            var normalized = new Dictionary<string, bool>(StringComparer.Ordinal);
            var rows = new List<(int Id, KernelExport Export)>(kernel.Exports.Count);
            foreach (var export in kernel.Exports.Values)
            {
                if (!export.IsVmlinux)
                {
                    if (!normalized.TryGetValue(export.Module, out var isShadowed))
                        normalized[export.Module] = isShadowed = shadowed.Contains(ModuleNames.Normalize(export.Module));
                    if (isShadowed)
                        continue;
                }
                rows.Add((symbols.Intern(export.Symbol), export));
            }
            var entries = new ExportEntry[symbols.Count];
            var exporters = new string?[symbols.Count];
            foreach (var (id, export) in rows)
            {
                entries[id] = ExportEntry.From(export.Crc, export.Kind, export.Namespace, namespaces);
                exporters[id] = export.Module;
            }
            return new KernelTable { Entries = entries, Exporters = exporters };
        }
    }
}

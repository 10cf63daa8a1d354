namespace Kabigate.Abi;

public static partial class CompatibilityEngine
{
    /// <summary>One export as the engine sees it: flags, CRC and namespace id (-1 for none).</summary>
    private readonly struct ExportEntry(bool hasCrc, bool gplOnly, uint crc, int ns)
    {
        public bool Exists { get; } = true;
        public bool HasCrc { get; } = hasCrc;
        public bool GplOnly { get; } = gplOnly;
        public uint Crc { get; } = crc;
        public uint? CrcOrNull => HasCrc ? Crc : null;
        public int Namespace { get; } = ns;
    }

    /// <summary>A module needed through one of its exports (Symbol) or its depends= list (Symbol null).</summary>
    private readonly record struct Dependency(int Module, string? Symbol);

    /// <summary>A module's imports resolved to symbol ids and CRCs once, for every kernel.</summary>
    private sealed class PreparedModule
    {
        public required int[] ImportIds { get; init; }
        public int[] ExportIds { get; private set; } = [];

        /// <summary>The CRC of each import in <c>__versions</c>, or null.</summary>
        public required uint?[] ImportCrcs { get; init; }

        /// <summary>The CRC of each import in <c>__version_ext_*</c>, or null; null as a whole without those tables.</summary>
        public required uint?[]? ExtendedImportCrcs { get; init; }
        public required HashSet<int> ImportedNamespaces { get; init; }
        public required bool GplOk { get; init; }
        public required bool HasBasicVersions { get; init; }
        public required uint? ModuleLayoutCrc { get; init; }
        public required uint? ExtendedModuleLayoutCrc { get; init; }
        public required string? Vermagic { get; init; }
        public Dependency[] Dependencies { get; private set; } = [];

        /// <summary>
        /// Whether the kernel reads the extended tables: check_version relies on them when present, from 6.14 on;
        /// older kernels know only <c>__versions</c>.
        /// </summary>
        public bool UsesExtended(string release) => ExtendedImportCrcs is not null && ReadsExtendedModversions(release);

        public static PreparedModule Create(ModuleImage image, SymbolTable symbols, SymbolTable namespaces)
        {
            var basic = Versions(image.BasicVersions);
            var extended = (image.VersionTables & ModversionTables.Extended) != 0 ? Versions(image.ExtendedVersions) : null;
            var count = image.Imports.Length;
            var ids = new int[count];
            var crcs = new uint?[count];
            var extendedCrcs = extended is null ? null : new uint?[count];
            for (var i = 0; i < count; i++)
            {
                var symbol = image.Imports[i].Symbol;
                ids[i] = symbols.Intern(symbol);
                crcs[i] = basic.TryGetValue(symbol, out var crc) ? crc : null;
                if (extendedCrcs is not null)
                    extendedCrcs[i] = extended!.TryGetValue(symbol, out var ext) ? ext : null;
            }
            return new PreparedModule
            {
                ImportIds = ids,
                ImportCrcs = crcs,
                ExtendedImportCrcs = extendedCrcs,
                ImportedNamespaces = image.ImportedNamespaces.Select(namespaces.Intern).ToHashSet(),
                GplOk = Licenses.IsGplCompatible(image.License),
                HasBasicVersions = image.HasBasicVersions,
                ModuleLayoutCrc = basic.TryGetValue(ModuleLayout, out var layout) ? layout : null,
                ExtendedModuleLayoutCrc = extended is not null && extended.TryGetValue(ModuleLayout, out var extLayout) ? extLayout : null,
                Vermagic = image.Vermagic,
            };
        }

        private static Dictionary<string, uint> Versions(System.Collections.Immutable.ImmutableArray<SymbolVersion> table)
        {
            var versions = new Dictionary<string, uint>(table.Length, StringComparer.Ordinal);
            foreach (var entry in table)
                versions.TryAdd(entry.Symbol, entry.Crc);
            return versions;
        }

        /// <summary>
        /// The set modules this one needs, which do not depend on the kernel: the exporters in the set of its
        /// imports (GPL-only ones only when its license lets it see them), then its depends= entries in the set.
        /// </summary>
        public void ResolveDependencies(int self, SetExports set, IReadOnlyList<ModuleImage> modules, SymbolTable symbols)
        {
            ExportIds = [.. modules[self].Exports.Select(e => symbols.TryGetId(e.Symbol, out var id) ? id : -1)];
            var seen = new HashSet<int>();
            var result = new List<Dependency>();
            for (var i = 0; i < ImportIds.Length; i++)
            {
                var owner = set.Owner[ImportIds[i]];
                if (owner >= 0 && owner != self && (GplOk || !set.Entries[ImportIds[i]].GplOnly) && seen.Add(owner))
                    result.Add(new Dependency(owner, modules[self].Imports[i].Symbol));
            }
            foreach (var name in modules[self].Depends)
            {
                if (set.IndexByName.TryGetValue(name, out var d) && d != self && seen.Add(d))
                    result.Add(new Dependency(d, null));
            }
            Dependencies = [.. result];
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
                {
                    var ns = export.Namespace is null ? -1 : namespaces.Intern(export.Namespace);
                    owners.Add((symbols.Intern(export.Symbol), m, new ExportEntry(export.Crc is not null, export.Kind.IsGplOnly(), export.Crc ?? 0, ns)));
                }
            }

            // Every symbol a module imports or exports is interned by now; kernels only look ids up.
            var owner = new int[symbols.Count];
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

        /// <summary>The kernel's namespace names; entries hold indices into this list until mapped to global ids.</summary>
        public required List<string> LocalNamespaces { get; init; }

        public bool TryGetCrc(int id, out uint crc)
        {
            crc = 0;
            if (id >= Entries.Length || !Entries[id].HasCrc)
                return false;
            crc = Entries[id].Crc;
            return true;
        }

        /// <summary>Maps this kernel's namespace indices to the check's namespace ids (not thread-safe: call in turn).</summary>
        public int[] InternNamespaces(SymbolTable namespaces) => [.. LocalNamespaces.Select(namespaces.Intern)];

        /// <summary>Builds the table; only reads the symbol table, so kernels can be prepared in parallel.</summary>
        public static KernelTable Create(KernelAbi kernel, SymbolTable symbols, IReadOnlyCollection<string> setModuleNames)
        {
            var shadowed = new HashSet<string>(setModuleNames, StringComparer.Ordinal);
            var isShadowed = new Dictionary<string, bool>(StringComparer.Ordinal);
            var localNamespaces = new List<string>();
            var nsIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var entries = new ExportEntry[symbols.Count];
            var exporters = new string?[symbols.Count];
            foreach (var export in kernel.Exports.Values)
            {
                if (!symbols.TryGetId(export.Symbol, out var id))
                    continue; // nobody in the set imports it
                if (!export.IsVmlinux)
                {
                    if (!isShadowed.TryGetValue(export.Module, out var hidden))
                        isShadowed[export.Module] = hidden = shadowed.Contains(ModuleNames.Normalize(export.Module));
                    if (hidden)
                        continue;
                }
                var ns = -1;
                if (export.Namespace is not null && !nsIndex.TryGetValue(export.Namespace, out ns))
                {
                    ns = localNamespaces.Count;
                    nsIndex[export.Namespace] = ns;
                    localNamespaces.Add(export.Namespace);
                }
                entries[id] = new ExportEntry(export.Crc is not null, export.Kind.IsGplOnly(), export.Crc ?? 0, ns);
                exporters[id] = export.Module;
            }
            return new KernelTable { Entries = entries, Exporters = exporters, LocalNamespaces = localNamespaces };
        }
    }
}

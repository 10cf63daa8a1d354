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

        /// <summary>The id of each export.</summary>
        public required int[] ExportIds { get; init; }

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
                ExportIds = [.. image.Exports.Select(e => symbols.Intern(e.Symbol))],
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
        /// The modules of its set this one needs, which do not depend on the kernel: the exporters in the set of its
        /// imports (GPL-only ones only when its license lets it see them), then its depends= entries in the set.
        /// </summary>
        /// <param name="self">Its index in the set.</param>
        /// <param name="set">The set's exports.</param>
        /// <param name="image">The module.</param>
        public Dependency[] DependenciesIn(int self, SetExports set, ModuleImage image)
        {
            var seen = new HashSet<int>();
            var result = new List<Dependency>();
            for (var i = 0; i < ImportIds.Length; i++)
            {
                var owner = set.Owner[ImportIds[i]];
                if (owner >= 0 && owner != self && (GplOk || !set.Entries[ImportIds[i]].GplOnly) && seen.Add(owner))
                    result.Add(new Dependency(owner, image.Imports[i].Symbol));
            }
            foreach (var name in image.Depends)
            {
                if (set.IndexByName.TryGetValue(name, out var d) && d != self && seen.Add(d))
                    result.Add(new Dependency(d, null));
            }
            return result.Count == 0 ? [] : [.. result];
        }
    }

    /// <summary>The exports of the module set, indexed by symbol id.</summary>
    private sealed class SetExports
    {
        public required int[] Owner { get; init; }
        public required ExportEntry[] Entries { get; init; }
        public required string[] ModulePaths { get; init; }
        public required Dictionary<string, int> IndexByName { get; init; }

        /// <summary>
        /// A set of one module: nothing in it can provide to another member, so it shares <paramref name="noOwners"/>
        /// (every id -1) instead of two arrays as long as the symbol table (the store's one-source-per-kmod matrix
        /// makes thousands of such sets).
        /// </summary>
        public static SetExports Single(ModuleImage module, int[] noOwners) => new()
        {
            Owner = noOwners,
            Entries = [],
            ModulePaths = [module.Path],
            IndexByName = new Dictionary<string, int>(1, StringComparer.Ordinal) { [module.Name] = 0 },
        };

        /// <summary>The set's exports; every symbol and namespace of the set is interned already, so sets can be made in parallel.</summary>
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
                    var ns = export.Namespace is null ? -1 : Id(namespaces, export.Namespace);
                    owners.Add((Id(symbols, export.Symbol), m, new ExportEntry(export.Crc is not null, export.Kind.IsGplOnly(), export.Crc ?? 0, ns)));
                }
            }

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

    private static int Id(SymbolTable table, string name) =>
        table.TryGetId(name, out var id) ? id : throw new InvalidOperationException($"'{name}' was not interned before the sets were made");

    /// <summary>
    /// A kernel's exports indexed by symbol id, shared by every module set checked on it; an export of an in-tree
    /// module that a set replaces is hidden from that set (<see cref="HiddenBy"/>, <see cref="Visible"/>).
    /// </summary>
    private sealed class KernelTable
    {
        public required ExportEntry[] Entries { get; init; }
        public required string?[] Exporters { get; init; }

        /// <summary>Each export's in-tree module, as an index into <see cref="Modules"/>; -1 for vmlinux.</summary>
        public required int[] ExporterModules { get; init; }

        /// <summary>The in-tree modules that export something a set imports or exports.</summary>
        public required List<string> Modules { get; init; }

        /// <summary>Their indices by normalized name (<see cref="ModuleNames.Normalize"/>), as a set's module names are compared.</summary>
        public required Dictionary<string, List<int>> ModulesByName { get; init; }

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

        /// <summary>The export as a set sees it: none where the set replaces its in-tree module.</summary>
        public ExportEntry Visible(int id, bool[]? hidden)
        {
            var entry = Entries[id];
            return hidden is not null && entry.Exists && ExporterModules[id] >= 0 && hidden[ExporterModules[id]] ? default : entry;
        }

        /// <summary>Which of its in-tree modules a set of these module names replaces; null for none.</summary>
        public bool[]? HiddenBy(Dictionary<string, int> setModuleNames)
        {
            bool[]? hidden = null;
            foreach (var name in setModuleNames.Keys)
            {
                if (!ModulesByName.TryGetValue(name, out var indices))
                    continue;
                hidden ??= new bool[Modules.Count];
                foreach (var i in indices)
                    hidden[i] = true;
            }
            return hidden;
        }

        /// <summary>Maps this kernel's namespace indices to the check's namespace ids (not thread-safe: call in turn).</summary>
        public int[] InternNamespaces(SymbolTable namespaces) => [.. LocalNamespaces.Select(namespaces.Intern)];

        /// <summary>Builds the table; only reads the symbol table, so kernels can be prepared in parallel.</summary>
        public static KernelTable Create(KernelAbi kernel, SymbolTable symbols)
        {
            var modules = new List<string>();
            var moduleIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var byName = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            var localNamespaces = new List<string>();
            var nsIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var entries = new ExportEntry[symbols.Count];
            var exporters = new string?[symbols.Count];
            var exporterModules = new int[symbols.Count];
            foreach (var export in kernel.Exports.Values)
            {
                if (!symbols.TryGetId(export.Symbol, out var id))
                    continue; // nobody in the sets imports or exports it
                var module = -1;
                if (!export.IsVmlinux && !moduleIndex.TryGetValue(export.Module, out module))
                {
                    module = modules.Count;
                    moduleIndex[export.Module] = module;
                    var name = ModuleNames.Normalize(export.Module);
                    if (!byName.TryGetValue(name, out var same))
                        byName[name] = same = [];
                    same.Add(module);
                    modules.Add(export.Module);
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
                exporterModules[id] = module;
            }
            return new KernelTable { Entries = entries, Exporters = exporters, ExporterModules = exporterModules, Modules = modules, ModulesByName = byName, LocalNamespaces = localNamespaces };
        }
    }
}

namespace Kabigate.Abi;

/// <summary>
/// Decides whether modules load on kernels the way the kernel's module loader does
/// (kernel/module/main.c: check_modinfo, simplify_symbols, resolve_symbol; version.c: check_version),
/// for a whole modules × kernels matrix at once. Modules of the set satisfy each other's imports, and
/// replace the kernel's in-tree modules of the same name, as a module tree does for depmod.
/// </summary>
public static partial class CompatibilityEngine
{
    private const string ModuleLayout = "module_layout";
    private static readonly Problem[] None = [];

    /// <summary>Checks every module on every kernel.</summary>
    /// <param name="kernels">The kernels.</param>
    /// <param name="modules">The module set.</param>
    /// <param name="options">Stablelist and loader configuration.</param>
    /// <returns>The verdict matrix.</returns>
    public static CheckReport Check(IReadOnlyList<KernelAbi> kernels, IReadOnlyList<ModuleImage> modules, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(modules);
        var rows = CheckSets(kernels, modules, [Enumerable.Range(0, modules.Count).ToArray()], options);
        var verdicts = new Verdict[modules.Count * kernels.Count];
        for (var m = 0; m < modules.Count; m++)
            rows[m].CopyTo(verdicts, m * kernels.Count);
        return new CheckReport(kernels, modules, verdicts);
    }

    /// <summary>The kernel's same_magic: with modversions the first word (the release) is not compared.</summary>
    public static bool SameMagic(string moduleMagic, string kernelMagic, bool hasCrcs)
    {
        var a = moduleMagic.AsSpan();
        var b = kernelMagic.AsSpan();
        if (hasCrcs)
        {
            var ia = a.IndexOf(' ');
            var ib = b.IndexOf(' ');
            a = ia < 0 ? [] : a[ia..];
            b = ib < 0 ? [] : b[ib..];
        }
        return a.SequenceEqual(b);
    }

    /// <summary>
    /// Whether a kernel release compares <c>.gnu.linkonce.this_module</c>'s size with its struct module: from 6.4
    /// (kernel/module/main.c). Debian's 6.1.192 image has no such message, its 6.12.117 image has it.
    /// </summary>
    public static bool ChecksModuleStructSize(string release) => KernelReleases.BaseVersion(release) is var (major, minor) && (major, minor).CompareTo((6, 4)) >= 0;

    /// <summary>The loader's ignore_undef_symbol: symbols some assemblers leave undefined and nobody references.</summary>
    public static bool IsIgnoredUndefined(ushort machine, string symbol) =>
        machine is ElfIdentity.Machine386 or ElfIdentity.MachineX86_64 && symbol == "_GLOBAL_OFFSET_TABLE_";

    private readonly record struct Context(
        int Self, PreparedModule Module, ModuleImage Image, KernelAbi Kernel, KernelTable Table, bool[]? Hidden, int[] KernelNamespaces,
        SetExports Set, SymbolTable Namespaces, int LayoutId, CheckOptions Options);

    private static Verdict CheckOne(in Context c)
    {
        List<Problem>? problems = null;
        List<Problem>? warnings = null;
        var resolutions = c.Options.Explain ? new List<ImportResolution>() : null;
        var module = c.Module;
        var name = c.Image.Name;
        var forceLoad = c.Kernel.Loader?.ForceLoad ?? false;
        var stablelist = c.Options.Stablelist;

        CheckBeforeSymbols(c, ref problems, ref warnings);

        // elf_validity_cache_index_mod (6.4+) runs while the ELF is validated, before vermagic and symbols.
        if (c.Image.ThisModuleSize is ulong sectionSize && ChecksModuleStructSize(c.Kernel.Release))
        {
            if (c.Kernel.ModuleStructSize is ulong structSize)
            {
                if (sectionSize != structSize)
                    (problems ??= []).Add(new Problem(ProblemKind.ModuleStructSize, name, null, Text: LoaderMessages.ModuleStructSize(name, sectionSize, structSize)));
            }
            else
            {
                (warnings ??= []).Add(new Problem(ProblemKind.ModuleStructUnchecked, name, null,
                    Text: LoaderMessages.ModuleStructUnchecked(name, c.Kernel.Release, c.Kernel.ModuleStructUnknownReason)));
            }
        }

        if (c.Kernel.Vermagic is null)
        {
            (warnings ??= []).Add(new Problem(ProblemKind.VermagicUnchecked, name, null,
                Text: LoaderMessages.VermagicUnchecked(name, c.Kernel.Release, c.Kernel.VermagicUnknownReason!)));
        }
        else if (module.Vermagic is null)
        {
            (forceLoad ? warnings ??= [] : problems ??= []).Add(new Problem(ProblemKind.VermagicMismatch, name, null, Text: LoaderMessages.NoVersionMagic(name, forceLoad)));
        }
        else if (!SameMagic(module.Vermagic, c.Kernel.Vermagic, c.Image.HasBasicVersions))
        {
            (problems ??= []).Add(new Problem(ProblemKind.VermagicMismatch, name, null,
                Text: LoaderMessages.VersionMagic(name, module.Vermagic, c.Kernel.Vermagic)));
        }

        if (c.Kernel.ExportKindsUnknownReason is string unknownKinds)
        {
            (warnings ??= []).Add(new Problem(ProblemKind.ExportKindsUnchecked, name, null,
                Text: LoaderMessages.ExportKindsUnchecked(name, c.Kernel.Release, unknownKinds)));
        }

        var extended = module.UsesExtended(c.Kernel.Release);
        var hasVersions = module.HasBasicVersions || extended;
        var moduleLayoutCrc = extended ? module.ExtendedModuleLayoutCrc : module.ModuleLayoutCrc;

        // check_modstruct_version: module_layout is checked like an import before any symbol is resolved.
        if (moduleLayoutCrc is uint layoutCrc && c.Table.TryGetCrc(c.LayoutId, out var kernelLayoutCrc) && layoutCrc != kernelLayoutCrc)
            (problems ??= []).Add(new Problem(ProblemKind.CrcMismatch, name, ModuleLayout, kernelLayoutCrc, layoutCrc, "vmlinux", stablelist?.Contains(ModuleLayout), From: ExporterKind.KernelImage));

        CheckExportFlags(c, ref problems);
        CheckNamespaceImports(c, ref problems);
        var moduleOnlyExports = HasModuleOnlyExports(c.Kernel.Release);
        var importCrcs = extended ? module.ExtendedImportCrcs! : module.ImportCrcs;

        string? firstUnversioned = null;
        var unversioned = 0;
        var imports = c.Image.Imports;
        var setOwner = c.Set.Owner;
        var kernelEntries = c.Table.Entries;
        for (var i = 0; i < module.ImportIds.Length; i++)
        {
            var id = module.ImportIds[i];
            var owner = setOwner[id];
            var fromSet = owner >= 0 && owner != c.Self;
            var export = fromSet ? c.Set.Entries[id] : c.Table.Visible(id, c.Hidden);
            var symbol = imports[i].Symbol;
            var moduleCrc = importCrcs[i];
            if (!export.Exists)
            {
                resolutions?.Add(new ImportResolution(symbol, imports[i].Weak, null, ExporterKind.None, null, moduleCrc, null, false));
                if (!imports[i].Weak && !IsIgnoredUndefined(c.Image.Elf.Machine, symbol))
                    (problems ??= []).Add(new Problem(ProblemKind.UnknownSymbol, name, symbol, null, moduleCrc, null, stablelist?.Contains(symbol)));
                continue;
            }

            var ns = export.Namespace < 0 ? -1 : fromSet ? export.Namespace : c.KernelNamespaces[export.Namespace];
            var exporter = fromSet ? c.Set.ModulePaths[owner] : c.Table.Exporters[id];
            var from = fromSet ? ExporterKind.SetModule : exporter == "vmlinux" ? ExporterKind.KernelImage : ExporterKind.KernelModule;
            resolutions?.Add(new ImportResolution(symbol, imports[i].Weak, exporter, from, export.CrcOrNull, moduleCrc, ns >= 0 ? c.Namespaces.Name(ns) : null, export.GplOnly));
            if (export.GplOnly && !module.GplOk)
            {
                (problems ??= []).Add(new Problem(ProblemKind.GplOnly, name, symbol, export.CrcOrNull, moduleCrc, exporter, stablelist?.Contains(symbol),
                    LoaderMessages.GplOnly(name, symbol, c.Image.License), from));
                continue;
            }
            if (export.HasCrc)
            {
                if (!hasVersions)
                {
                    unversioned++;
                    firstUnversioned ??= symbol;
                }
                else if (moduleCrc is not uint crc)
                {
                    (warnings ??= []).Add(new Problem(ProblemKind.NoSymbolVersion, name, symbol, export.Crc, null, exporter, stablelist?.Contains(symbol),
                        extended ? LoaderMessages.NoExtendedSymbolVersion(name, symbol) : null, from));
                }
                else if (crc != export.Crc)
                {
                    (problems ??= []).Add(new Problem(ProblemKind.CrcMismatch, name, symbol, export.Crc, crc, exporter, stablelist?.Contains(symbol), From: from));
                }
            }
            if (ns >= 0 && moduleOnlyExports && c.Namespaces.Name(ns) is var nsName && nsName.StartsWith(ModuleNamespacePrefix, StringComparison.Ordinal))
            {
                // verify_namespace_is_imported: a module: namespace admits the modules it names, whatever import_ns says.
                var patterns = nsName[ModuleNamespacePrefix.Length..];
                if (!ModuleMatch(name, patterns))
                {
                    (problems ??= []).Add(new Problem(ProblemKind.ModuleOnlyExport, name, symbol, null, null, exporter, stablelist?.Contains(symbol),
                        LoaderMessages.ExportedOnlyForModule(name, symbol, patterns), from));
                }
            }
            else if (ns >= 0 && !module.ImportedNamespaces.Contains(ns))
            {
                var finding = new Problem(ProblemKind.NamespaceNotImported, name, symbol, null, null, exporter, stablelist?.Contains(symbol),
                    LoaderMessages.NamespaceNotImported(name, symbol, c.Namespaces.Name(ns)), from);
                (c.Kernel.Loader?.AllowMissingNamespaceImports == true ? warnings ??= [] : problems ??= []).Add(finding);
            }
        }
        // complete_formation -> verify_exported_symbols: nothing the kernel image exports may be exported again.
        for (var e = 0; e < module.ExportIds.Length; e++)
        {
            var exportId = module.ExportIds[e];
            if (exportId >= 0 && kernelEntries[exportId].Exists && c.Table.Exporters[exportId] == "vmlinux")
                (problems ??= []).Add(new Problem(ProblemKind.DuplicateExport, name, c.Image.Exports[e].Symbol, Exporter: "vmlinux", From: ExporterKind.KernelImage));
        }

        if (c.Image.Btf is BtfFacts moduleBtf)
            CheckBtf(c, moduleBtf, ref problems, ref warnings);

        if (unversioned > 0)
        {
            (forceLoad ? warnings ??= [] : problems ??= []).Add(new Problem(ProblemKind.NoModversions, name, firstUnversioned,
                Text: LoaderMessages.NoModversions(name, firstUnversioned!, unversioned, forceLoad)));
        }

        return new Verdict(c.Image, c.Kernel, problems ?? (IReadOnlyList<Problem>)None, warnings ?? (IReadOnlyList<Problem>)None, resolutions);
    }

    /// <summary>
    /// btf_module_notify at MODULE_STATE_COMING: the split BTF is parsed on top of vmlinux's. Its own strings and
    /// types are numbered from the end of the base it was generated on; on another base a name offset or type id
    /// past the end is invalid (the kernel's "Invalid name_offset"), and a different base length misplaces every
    /// own name (inference: the kernel then fails on names or sizes, as seen in the field; not emulated type by type).
    /// </summary>
    private static void CheckBtf(in Context c, BtfFacts module, ref List<Problem>? problems, ref List<Problem>? warnings)
    {
        var allowance = c.Kernel.Loader?.AllowBtfMismatch;
        var allowed = allowance == true;
        if (c.Kernel.Btf is not BtfFacts kernel)
        {
            // Only a kernel known to refuse mismatches makes unknown BTF worth a word.
            if (allowance == false)
                (warnings ??= []).Add(new Problem(ProblemKind.BtfUnchecked, c.Image.Name, null, Text: LoaderMessages.BtfUnchecked(c.Image.Name, c.Kernel.Release)));
            return;
        }
        string? why = null;
        if (module.MaxNameOffset >= (ulong)kernel.StringLength + module.StringLength)
            why = $"name offset {module.MaxNameOffset} beyond the kernel's {kernel.StringLength} + the module's {module.StringLength} string bytes";
        else if (module.MaxTypeId > (ulong)kernel.TypeCount + (ulong)module.TypeCount)
            why = $"type id {module.MaxTypeId} beyond the kernel's {kernel.TypeCount} + the module's {module.TypeCount} types";
        else if (module.BuildBaseStringLength is uint built && built != kernel.StringLength)
            why = $"generated on a vmlinux BTF of {built} string bytes, the kernel's has {kernel.StringLength}";
        if (why is null)
            return;
        var finding = new Problem(ProblemKind.BtfMismatch, c.Image.Name, null, Text: LoaderMessages.BtfMismatch(c.Image.Name, allowed, why));
        (allowed ? warnings ??= [] : problems ??= []).Add(finding);
    }

    private static void PropagateDependencyFailures(
        int k, int kernelCount, IReadOnlyList<ModuleImage> modules, Dependency[][] dependencies, Verdict[] verdicts, KernelAbi kernel)
    {
        var count = modules.Count;
        var loads = new bool[count];
        for (var m = 0; m < count; m++)
            loads[m] = verdicts[(m * kernelCount) + k].Loads;

        // A module loads only if everything it needs loads: iterate to the fixed point (cycles included).
        var changed = true;
        while (changed)
        {
            changed = false;
            for (var m = 0; m < count; m++)
            {
                if (loads[m] && dependencies[m].Any(d => !loads[d.Module]))
                {
                    loads[m] = false;
                    changed = true;
                }
            }
        }

        for (var m = 0; m < count; m++)
        {
            List<Problem>? added = null;
            foreach (var dependency in dependencies[m])
            {
                if (loads[dependency.Module])
                    continue;
                var depName = modules[dependency.Module].Name;
                var message = dependency.Symbol is not null
                    ? LoaderMessages.DependencyFails(modules[m].Name, dependency.Symbol, depName, kernel.Release)
                    : LoaderMessages.DependsFails(modules[m].Name, depName, kernel.Release);
                (added ??= []).Add(new Problem(ProblemKind.DependencyFails, modules[m].Name, dependency.Symbol, Exporter: depName, Text: message, From: ExporterKind.SetModule));
            }
            if (added is null)
                continue;
            var index = (m * kernelCount) + k;
            verdicts[index] = verdicts[index] with { Problems = [.. verdicts[index].Problems, .. added] };
        }
    }
}

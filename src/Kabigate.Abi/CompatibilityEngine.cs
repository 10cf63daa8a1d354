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

    /// <summary>Checks every module on every kernel.</summary>
    /// <param name="kernels">The kernels.</param>
    /// <param name="modules">The module set.</param>
    /// <param name="options">Stablelist and loader configuration.</param>
    /// <returns>The verdict matrix.</returns>
    public static CheckReport Check(IReadOnlyList<KernelAbi> kernels, IReadOnlyList<ModuleImage> modules, CheckOptions? options = null)
    {
        options ??= new CheckOptions();
        var symbols = new SymbolTable();
        var namespaces = new SymbolTable();
        var layoutId = symbols.Intern(ModuleLayout);
        var prepared = new PreparedModule[modules.Count];
        for (var m = 0; m < modules.Count; m++)
            prepared[m] = PreparedModule.Create(modules[m], symbols, namespaces);
        var setExports = SetExports.Create(modules, symbols, namespaces);
        var kernelTables = new KernelTable[kernels.Count];
        for (var k = 0; k < kernels.Count; k++)
            kernelTables[k] = KernelTable.Create(kernels[k], symbols, namespaces, setExports.ModuleNames);

        var verdicts = new Verdict[modules.Count * kernels.Count];
        var dependencies = new List<Dependency>[modules.Count * kernels.Count];
        Parallel.For(0, modules.Count, m =>
        {
            for (var k = 0; k < kernels.Count; k++)
            {
                var (verdict, deps) = CheckOne(m, prepared[m], modules[m], kernels[k], kernelTables[k], setExports, symbols, namespaces, layoutId, options);
                verdicts[(m * kernels.Count) + k] = verdict;
                dependencies[(m * kernels.Count) + k] = deps;
            }
        });
        for (var k = 0; k < kernels.Count; k++)
            PropagateDependencyFailures(k, kernels.Count, modules, verdicts, dependencies, setExports, kernels[k]);
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

    /// <summary>The loader's ignore_undef_symbol: symbols some assemblers leave undefined and nobody references.</summary>
    public static bool IsIgnoredUndefined(ushort machine, string symbol) =>
        machine is ElfIdentity.Machine386 or ElfIdentity.MachineX86_64 && symbol == "_GLOBAL_OFFSET_TABLE_";

    private readonly record struct Dependency(int Module, string Symbol);

    private static (Verdict, List<Dependency>) CheckOne(
        int self, PreparedModule module, ModuleImage image, KernelAbi kernel, KernelTable table, SetExports set,
        SymbolTable symbols, SymbolTable namespaces, int layoutId, CheckOptions options)
    {
        var problems = new List<Problem>();
        var warnings = new List<Problem>();
        var deps = new List<Dependency>();
        var resolutions = options.Explain ? new List<ImportResolution>() : null;
        var name = image.Name;
        var forceLoad = kernel.Loader?.ForceLoad ?? false;
        bool? Listed(string symbol) => options.Stablelist?.Contains(symbol);

        if (kernel.Vermagic is null)
        {
            warnings.Add(new Problem(ProblemKind.VermagicUnchecked, null, null, null,
                LoaderMessages.VermagicUnchecked(name, kernel.Release, kernel.VermagicUnknownReason!)));
        }
        else if (image.Vermagic is null)
        {
            (forceLoad ? warnings : problems).Add(new Problem(ProblemKind.VermagicMismatch, null, null, null, LoaderMessages.NoVersionMagic(name, forceLoad)));
        }
        else if (!SameMagic(image.Vermagic, kernel.Vermagic, image.HasBasicVersions))
        {
            problems.Add(new Problem(ProblemKind.VermagicMismatch, null, null, null,
                LoaderMessages.VersionMagic(name, image.Vermagic, kernel.Vermagic)));
        }

        // check_modstruct_version: module_layout is checked like an import before any symbol is resolved.
        if (module.ModuleLayoutCrc is uint layoutCrc && table.TryGetCrc(layoutId, out var kernelLayoutCrc) && layoutCrc != kernelLayoutCrc)
        {
            problems.Add(new Problem(ProblemKind.CrcMismatch, ModuleLayout, kernelLayoutCrc, layoutCrc,
                LoaderMessages.DisagreesAboutVersion(name, ModuleLayout), "vmlinux", Listed(ModuleLayout)));
        }

        string? firstUnversioned = null;
        var unversioned = 0;
        for (var i = 0; i < module.ImportIds.Length; i++)
        {
            var id = module.ImportIds[i];
            var symbol = symbols.Name(id);
            ExportEntry export;
            var owner = set.Owner[id];
            if (owner >= 0 && owner != self)
                export = set.Entries[id];
            else if (table.Entries[id].Exists)
                export = table.Entries[id];
            else
            {
                resolutions?.Add(new ImportResolution(symbol, module.Weak[i], null, ExporterKind.None, null, module.ImportCrcs[i], null, false));
                if (!module.Weak[i] && !IsIgnoredUndefined(image.Elf.Machine, symbol))
                    problems.Add(new Problem(ProblemKind.UnknownSymbol, symbol, null, module.ImportCrcs[i], LoaderMessages.UnknownSymbol(name, symbol), null, Listed(symbol)));
                continue;
            }

            var fromSet = owner >= 0 && owner != self;
            var exporter = fromSet ? set.ModulePaths[owner] : table.Exporters[id];
            var exporterKind = fromSet ? ExporterKind.SetModule : exporter == "vmlinux" ? ExporterKind.KernelImage : ExporterKind.KernelModule;
            resolutions?.Add(new ImportResolution(symbol, module.Weak[i], exporter, exporterKind, export.CrcOrNull, module.ImportCrcs[i],
                export.Namespace >= 0 ? namespaces.Name(export.Namespace) : null, export.GplOnly));
            if (export.GplOnly && !module.GplOk)
            {
                problems.Add(new Problem(ProblemKind.GplOnly, symbol, export.CrcOrNull, module.ImportCrcs[i],
                    LoaderMessages.GplOnly(name, symbol, image.License), exporter, Listed(symbol)));
                continue;
            }
            if (fromSet)
                deps.Add(new Dependency(owner, symbol));
            if (export.HasCrc)
            {
                if (!module.HasVersions)
                {
                    unversioned++;
                    firstUnversioned ??= symbol;
                }
                else if (module.ImportCrcs[i] is not uint moduleCrc)
                {
                    warnings.Add(new Problem(ProblemKind.NoSymbolVersion, symbol, export.Crc, null,
                        LoaderMessages.NoSymbolVersion(name, symbol), exporter, Listed(symbol)));
                }
                else if (moduleCrc != export.Crc)
                {
                    problems.Add(new Problem(ProblemKind.CrcMismatch, symbol, export.Crc, moduleCrc,
                        LoaderMessages.DisagreesAboutVersion(name, symbol), exporter, Listed(symbol)));
                }
            }
            if (export.Namespace >= 0 && !module.ImportedNamespaces.Contains(export.Namespace))
            {
                var finding = new Problem(ProblemKind.NamespaceNotImported, symbol, null, null,
                    LoaderMessages.NamespaceNotImported(name, symbol, namespaces.Name(export.Namespace)), exporter, Listed(symbol));
                (kernel.Loader?.AllowMissingNamespaceImports == true ? warnings : problems).Add(finding);
            }
        }
        if (unversioned > 0)
        {
            (forceLoad ? warnings : problems).Add(new Problem(ProblemKind.NoModversions, firstUnversioned, null, null,
                LoaderMessages.NoModversions(name, firstUnversioned!, unversioned, forceLoad)));
        }

        return (new Verdict(image, kernel, problems, warnings, resolutions), deps);
    }

    private static void PropagateDependencyFailures(
        int k, int kernelCount, IReadOnlyList<ModuleImage> modules, Verdict[] verdicts, List<Dependency>[] dependencies, SetExports set, KernelAbi kernel)
    {
        var count = modules.Count;
        var loads = new bool[count];
        for (var m = 0; m < count; m++)
            loads[m] = verdicts[(m * kernelCount) + k].Loads;
        var dependsOn = new List<Dependency>[count];
        for (var m = 0; m < count; m++)
        {
            var deps = dependencies[(m * kernelCount) + k];
            foreach (var dependency in modules[m].Depends)
            {
                if (set.IndexByName.TryGetValue(dependency, out var d) && d != m && deps.All(x => x.Module != d))
                    deps.Add(new Dependency(d, ""));
            }
            dependsOn[m] = deps;
        }

        // A module loads only if everything it needs loads: iterate to the fixed point (cycles included).
        var changed = true;
        while (changed)
        {
            changed = false;
            for (var m = 0; m < count; m++)
            {
                if (loads[m] && dependsOn[m].Any(d => !loads[d.Module]))
                {
                    loads[m] = false;
                    changed = true;
                }
            }
        }

        for (var m = 0; m < count; m++)
        {
            var index = (m * kernelCount) + k;
            var failing = dependsOn[m].Where(d => !loads[d.Module]).GroupBy(d => d.Module).Select(g => g.First()).ToList();
            if (failing.Count == 0)
                continue;
            var verdict = verdicts[index];
            var problems = verdict.Problems.ToList();
            foreach (var dependency in failing)
            {
                var depName = modules[dependency.Module].Name;
                var message = dependency.Symbol.Length > 0
                    ? LoaderMessages.DependencyFails(modules[m].Name, dependency.Symbol, depName, kernel.Release)
                    : LoaderMessages.DependsFails(modules[m].Name, depName, kernel.Release);
                problems.Add(new Problem(ProblemKind.DependencyFails, dependency.Symbol.Length > 0 ? dependency.Symbol : null, null, null, message, depName));
            }
            verdicts[index] = verdict with { Problems = problems };
        }
    }
}

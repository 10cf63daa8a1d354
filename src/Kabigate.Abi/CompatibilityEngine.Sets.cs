namespace Kabigate.Abi;

public static partial class CompatibilityEngine
{
    /// <summary>
    /// Checks several module sets on every kernel, each set loaded on its own (a package, a driver disk, a build
    /// directory: its modules satisfy each other's imports, and replace the kernel's in-tree modules of their names).
    /// Every module is prepared once and every kernel's table built once, whatever the number of sets; sets are
    /// checked in parallel, or a single set's modules are.
    /// </summary>
    /// <param name="kernels">The kernels.</param>
    /// <param name="modules">Every module of every set.</param>
    /// <param name="sets">Each set, as indices into <paramref name="modules"/>; a module may be in one set only.</param>
    /// <param name="options">Stablelist and loader configuration.</param>
    /// <returns>The verdicts, indexed [module][kernel]; null rows for modules in no set.</returns>
    public static Verdict[][] CheckSets(IReadOnlyList<KernelAbi> kernels, IReadOnlyList<ModuleImage> modules, IReadOnlyList<IReadOnlyList<int>> sets, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(sets);
        options ??= new CheckOptions();
        var symbols = new SymbolTable();
        var namespaces = new SymbolTable();
        var layoutId = symbols.Intern(ModuleLayout);
        var prepared = new PreparedModule[modules.Count];
        for (var m = 0; m < modules.Count; m++)
        {
            prepared[m] = PreparedModule.Create(modules[m], symbols, namespaces);
            foreach (var export in modules[m].Exports)
            {
                if (export.Namespace is not null)
                    namespaces.Intern(export.Namespace);
            }
        }
        // Every name is interned by now: from here on the tables are only read, and sets can be checked in parallel.
        var tables = new KernelTable[kernels.Count];
        Parallel.For(0, kernels.Count, k => tables[k] = KernelTable.Create(kernels[k], symbols));
        var kernelNamespaces = tables.Select(t => t.InternNamespaces(namespaces)).ToArray();
        var noOwners = new int[symbols.Count];
        Array.Fill(noOwners, -1);
        var shared = new SharedTables(kernels, tables, kernelNamespaces, symbols, namespaces, layoutId, options, noOwners);

        var rows = new Verdict[modules.Count][];
        if (sets.Count == 1)
            CheckSet(shared, modules, prepared, sets[0], rows, parallel: true);
        else
            Parallel.ForEach(sets, set => CheckSet(shared, modules, prepared, set, rows, parallel: false));
        return rows;
    }

    private sealed record SharedTables(
        IReadOnlyList<KernelAbi> Kernels, KernelTable[] Tables, int[][] KernelNamespaces, SymbolTable Symbols, SymbolTable Namespaces, int LayoutId, CheckOptions Options, int[] NoOwners);

    private static void CheckSet(SharedTables shared, IReadOnlyList<ModuleImage> modules, PreparedModule[] prepared, IReadOnlyList<int> set, Verdict[][] rows, bool parallel)
    {
        var kernelCount = shared.Kernels.Count;
        var members = new ModuleImage[set.Count];
        for (var i = 0; i < set.Count; i++)
            members[i] = modules[set[i]];
        var exports = set.Count == 1 ? SetExports.Single(members[0], shared.NoOwners) : SetExports.Create(members, shared.Symbols, shared.Namespaces);
        var dependencies = new Dependency[set.Count][];
        for (var i = 0; i < set.Count; i++)
            dependencies[i] = prepared[set[i]].DependenciesIn(i, exports, members[i]);
        var hidden = new bool[]?[kernelCount];
        for (var k = 0; k < kernelCount; k++)
            hidden[k] = shared.Tables[k].HiddenBy(exports.IndexByName);

        var verdicts = new Verdict[set.Count * kernelCount];
        void CheckMember(int i)
        {
            for (var k = 0; k < kernelCount; k++)
            {
                var context = new Context(i, prepared[set[i]], members[i], shared.Kernels[k], shared.Tables[k], hidden[k], shared.KernelNamespaces[k],
                    exports, shared.Namespaces, shared.LayoutId, shared.Options);
                verdicts[(i * kernelCount) + k] = CheckOne(context);
            }
        }
        if (parallel)
        {
            Parallel.For(0, set.Count, CheckMember);
        }
        else
        {
            for (var i = 0; i < set.Count; i++)
                CheckMember(i);
        }
        for (var k = 0; k < kernelCount; k++)
            PropagateDependencyFailures(k, kernelCount, members, dependencies, verdicts, shared.Kernels[k]);
        for (var i = 0; i < set.Count; i++)
            rows[set[i]] = verdicts[(i * kernelCount)..((i + 1) * kernelCount)];
    }
}

namespace Kabigate.Abi;

/// <summary>
/// Compares what a kmod package declares (<c>Requires: kernel(sym) = 0xCRC</c> and its kin) with the modversions its
/// modules were really built against: a package whose metadata and contents disagree will be masked or installed
/// for the wrong reasons.
/// </summary>
public static class DeclaredRequirements
{
    /// <summary>Every disagreement, one line each, sorted.</summary>
    /// <param name="package">The package, for the messages.</param>
    /// <param name="requires">The package's kABI requires.</param>
    /// <param name="provides">The package's kABI provides (its own modules' exports need not be required).</param>
    /// <param name="modules">The modules in the package.</param>
    public static IReadOnlyList<string> Compare(string package, IEnumerable<KabiDependency> requires, IEnumerable<KabiDependency> provides, IReadOnlyList<ModuleImage> modules)
    {
        var declared = new Dictionary<string, KabiDependency>(StringComparer.Ordinal);
        foreach (var dependency in requires.Where(d => d.Symbol is not null))
            declared.TryAdd(dependency.Symbol!, dependency);
        var ownExports = provides.Where(p => p.Symbol is not null).Select(p => p.Symbol!)
            .Concat(modules.SelectMany(m => m.Exports.Select(e => e.Symbol))).ToHashSet(StringComparer.Ordinal);
        var findings = new List<string>();
        var imported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var module in modules)
        {
            var file = Path.GetFileName(module.Path);
            var table = (module.VersionTables & ModversionTables.Extended) != 0 ? module.ExtendedVersions : module.BasicVersions;
            foreach (var version in table)
            {
                // module_layout is in __versions (check_modstruct_version) though no module imports it: RHEL's ksym
                // generator declares it, kmods built without it do not; either is consistent, a mismatch is not.
                imported.Add(version.Symbol);
                if (version.Symbol == "module_layout" && !declared.ContainsKey(version.Symbol))
                    continue;
                if (declared.TryGetValue(version.Symbol, out var dependency))
                {
                    if (dependency.Crc != version.Crc)
                        findings.Add($"{package}: declares {dependency} but {file} was built against 0x{version.Crc:x8}");
                }
                else if (!ownExports.Contains(version.Symbol))
                {
                    findings.Add($"{package}: {file} needs {version.Symbol} (0x{version.Crc:x8}), which the package does not declare");
                }
            }
        }
        foreach (var (symbol, dependency) in declared)
        {
            if (!imported.Contains(symbol))
                findings.Add($"{package}: declares {dependency} but none of its modules imports {symbol}");
        }
        findings.Sort(StringComparer.Ordinal);
        return findings;
    }
}

using System.Globalization;

namespace Kabigate.Abi.Rebuild;

/// <summary>One RPM dependency: <c>Name = Version</c>, or a bare name.</summary>
/// <param name="Name">The capability, e.g. <c>kernel(misc_register)</c>.</param>
/// <param name="Version">What it must equal (<c>0x8f0b1b34</c>), or null.</param>
public readonly record struct RpmDependency(string Name, string? Version)
{
    /// <inheritdoc/>
    public override string ToString() => Version is null ? Name : $"{Name} = {Version}";
}

/// <summary>The kABI dependencies of a kmod package, as RHEL's generators write them.</summary>
/// <param name="Requires">One per imported (symbol, CRC), sorted by name.</param>
/// <param name="Provides">The modules' own exports (<c>ksym(sym) = 0xCRC</c>) and <c>kmod(NAME.ko)</c>, sorted.</param>
public sealed record KmodDependencies(IReadOnlyList<RpmDependency> Requires, IReadOnlyList<RpmDependency> Provides);

/// <summary>
/// The dependencies RHEL's rpm generators give a third-party kmod package (kernel-srpm-macros' find-requires.ksyms and
/// find-provides.ksyms, Fedora's kmod.prov): every modversions entry of every module (<c>modprobe --dump-modversions</c>),
/// less the symbols the package exports itself, becomes <c>kernel(sym) = 0xCRC</c> when the build kernel's
/// Module.symvers has that exact (symbol, CRC), and <c>ksym(sym) = 0xCRC</c> otherwise; the modules' exports with a CRC
/// become <c>ksym(sym) = 0xCRC</c> provides, and each module <c>kmod(NAME.ko)</c>. Symbol names come from a built
/// module and are checked before they become a dependency: one outside <c>[A-Za-z0-9_.$]</c> is refused.
/// </summary>
public static class KmodDependencyGenerator
{
    /// <summary>The dependencies of a package holding <paramref name="modules"/>, built against <paramref name="buildKernel"/>.</summary>
    /// <param name="modules">The package's modules.</param>
    /// <param name="buildKernel">The kernel whose headers the modules were built against.</param>
    /// <param name="fileNames">The modules' file names in the package (<c>vpoll.ko</c>), parallel to <paramref name="modules"/>.</param>
    /// <exception cref="ArgumentException">A symbol or file name cannot be written as an RPM dependency.</exception>
    public static KmodDependencies Of(IReadOnlyList<ModuleImage> modules, KernelAbi buildKernel, IReadOnlyList<string> fileNames)
    {
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(buildKernel);
        ArgumentNullException.ThrowIfNull(fileNames);
        if (fileNames.Count != modules.Count)
            throw new ArgumentException("one file name per module", nameof(fileNames));
        var provides = new SortedSet<RpmDependency>(Comparer<RpmDependency>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString())));
        var own = new HashSet<string>(StringComparer.Ordinal);
        for (int m = 0; m < modules.Count; m++)
        {
            if (!IsSafeName(fileNames[m]))
                throw new ArgumentException($"module file name '{fileNames[m]}' cannot be written in an RPM dependency");
            provides.Add(new RpmDependency($"kmod({fileNames[m]})", null));
            foreach (var export in modules[m].Exports)
            {
                Check(export.Symbol);
                own.Add(export.Symbol);
                if (export.Crc is uint crc)
                    provides.Add(new RpmDependency($"ksym({export.Symbol})", Hex(crc)));
            }
        }
        var requires = new SortedDictionary<string, RpmDependency>(StringComparer.Ordinal);
        foreach (var module in modules)
        {
            var table = (module.VersionTables & ModversionTables.Extended) != 0 ? module.ExtendedVersions : module.BasicVersions;
            foreach (var (symbol, crc) in table)
            {
                Check(symbol);
                if (own.Contains(symbol))
                    continue;
                bool kernelHas = buildKernel.TryGetExport(symbol, out var export) && export.Crc == crc;
                var dependency = new RpmDependency(kernelHas ? $"kernel({symbol})" : $"ksym({symbol})", Hex(crc));
                requires[dependency.ToString()] = dependency;
            }
        }
        return new KmodDependencies([.. requires.Values], [.. provides]);
    }

    /// <summary>Whether a name is made only of <c>[A-Za-z0-9_.$+-]</c> (nothing a spec or a dependency would read as syntax).</summary>
    public static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 256 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$' or '+' or '-');

    private static void Check(string symbol)
    {
        if (symbol.Length is 0 or > 256 || !symbol.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$'))
            throw new ArgumentException($"symbol name '{symbol}' cannot be written as an RPM dependency");
    }

    private static string Hex(uint crc) => "0x" + crc.ToString("x8", CultureInfo.InvariantCulture);
}

using Kabigate.Abi;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.App.Json;

/// <summary>A modinfo entry.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
public sealed record JsonModinfo(string Key, string Value);

/// <summary>A modversions entry.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Crc">Its CRC.</param>
public sealed record JsonSymbolVersion(string Symbol, string? Crc);

/// <summary>An import.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Weak">Whether it is weak.</param>
public sealed record JsonImport(string Symbol, bool Weak);

/// <summary>An export.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Crc">Its CRC, or null.</param>
/// <param name="Kind">Its kind as Module.symvers writes it.</param>
/// <param name="Namespace">Its namespace, or null.</param>
public sealed record JsonExport(string Symbol, string? Crc, string Kind, string? Namespace);

/// <summary><c>inspect MODULE --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Kmod">The module.</param>
/// <param name="Elf64">ELF64, else ELF32.</param>
/// <param name="BigEndian">Big-endian, else little.</param>
/// <param name="Machine">The ELF machine number.</param>
/// <param name="Signed">Whether a signature is appended.</param>
/// <param name="Modinfo">Its .modinfo, in order.</param>
/// <param name="Versions">Its __versions.</param>
/// <param name="ExtendedVersions">Its __version_ext_* entries.</param>
/// <param name="Imports">Its imports.</param>
/// <param name="Exports">Its exports.</param>
public sealed record InspectModuleDocument(int Schema, JsonKmod Kmod, bool Elf64, bool BigEndian, int Machine, bool Signed, IReadOnlyList<JsonModinfo> Modinfo,
    IReadOnlyList<JsonSymbolVersion> Versions, IReadOnlyList<JsonSymbolVersion> ExtendedVersions, IReadOnlyList<JsonImport> Imports, IReadOnlyList<JsonExport> Exports);

/// <summary><c>inspect KERNEL --format json</c>: one document per kernel of the source.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Kernel">The kernel.</param>
/// <param name="Modversions">Whether its exports carry CRCs.</param>
public sealed record InspectKernelDocument(int Schema, JsonKernel Kernel, bool Modversions);

/// <summary><c>inspect KMOD.rpm --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Package">The package's NEVRA.</param>
/// <param name="Kmods">Its modules.</param>
/// <param name="Requires">Its kABI requirements, as rpm prints them.</param>
/// <param name="Provides">Its kABI provides.</param>
/// <param name="Findings">Where its declared requirements disagree with its modules.</param>
public sealed record InspectPackageDocument(int Schema, string Package, IReadOnlyList<JsonKmod> Kmods, IReadOnlyList<string> Requires, IReadOnlyList<string> Provides, IReadOnlyList<string> Findings);

/// <summary><c>kernels --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Kernels">The stored kernels.</param>
public sealed record KernelsDocument(int Schema, IReadOnlyList<JsonKernel> Kernels);

/// <summary><c>kmods --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Kmods">The stored kmods.</param>
public sealed record KmodsDocument(int Schema, IReadOnlyList<JsonKmod> Kmods);

/// <summary>A symbol in one stored release.</summary>
/// <param name="Kernel">The release.</param>
/// <param name="Exported">Whether it exports the symbol.</param>
/// <param name="Crc">Its CRC there.</param>
/// <param name="Kind">Its kind there.</param>
/// <param name="Namespace">Its namespace there.</param>
/// <param name="Module">Its exporter there.</param>
/// <param name="Changed">Whether it differs from the previous release of the line.</param>
public sealed record JsonHistoryRow(JsonKernel Kernel, bool Exported, string? Crc, string? Kind, string? Namespace, string? Module, bool Changed);

/// <summary><c>history --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Releases">One row per stored release.</param>
public sealed record HistoryDocument(int Schema, string Symbol, IReadOnlyList<JsonHistoryRow> Releases);

/// <summary>A greylisted symbol.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="KmodCount">How many stored kmods import it.</param>
/// <param name="CrcChanges">How often its CRC changed between consecutive releases of a line.</param>
/// <param name="Removals">How often it disappeared.</param>
/// <param name="Releases">In how many releases it is exported.</param>
/// <param name="Exporter">Who exports it (newest release), or null.</param>
/// <param name="Kmods">The kmods that import it.</param>
public sealed record JsonGreylistEntry(string Symbol, int KmodCount, int CrcChanges, int Removals, int Releases, string? Exporter, IReadOnlyList<string> Kmods);

/// <summary><c>greylist --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Stablelist">The stablelist, or null.</param>
/// <param name="KernelCount">How many stored releases the changes were counted over.</param>
/// <param name="KmodCount">How many stored kmods were read.</param>
/// <param name="Symbols">The symbols, ranked.</param>
public sealed record GreylistDocument(int Schema, string? Stablelist, int KernelCount, int KmodCount, IReadOnlyList<JsonGreylistEntry> Symbols);

/// <summary>Maps source and store results to their documents.</summary>
public static class SourceDocuments
{
    /// <summary><c>inspect</c> of a module.</summary>
    public static InspectModuleDocument Module(ModuleImage module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return new InspectModuleDocument(JsonShapes.Schema, JsonShapes.Kmod(module), module.Elf.Is64Bit, module.Elf.BigEndian, module.Elf.Machine, module.Signed,
            [.. module.Modinfo.Select(p => new JsonModinfo(p.Key, p.Value))],
            [.. module.BasicVersions.Select(Version)], [.. module.ExtendedVersions.Select(Version)],
            [.. module.Imports.Select(i => new JsonImport(i.Symbol, i.Weak))],
            [.. module.Exports.Select(e => new JsonExport(e.Symbol, JsonShapes.Crc(e.Crc), e.Kind.ToSymversName(), e.Namespace))]);
    }

    /// <summary><c>inspect</c> of a kernel.</summary>
    public static InspectKernelDocument Kernel(KernelAbi kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        return new InspectKernelDocument(JsonShapes.Schema, JsonShapes.Kernel(kernel), kernel.HasModversions);
    }

    /// <summary><c>inspect</c> of a kmod package.</summary>
    public static InspectPackageDocument Package(InspectedPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return new InspectPackageDocument(JsonShapes.Schema, package.Nevra, [.. package.Modules.Select(JsonShapes.Kmod)],
            [.. package.Requires.Select(d => d.ToString())], [.. package.Provides.Select(d => d.ToString())], package.Findings);
    }

    /// <summary><c>kernels</c>.</summary>
    public static KernelsDocument Kernels(IEnumerable<StoredKernel> kernels) => new(JsonShapes.Schema, [.. kernels.Select(JsonShapes.Kernel)]);

    /// <summary><c>kmods</c>.</summary>
    public static KmodsDocument Kmods(IEnumerable<StoredKmod> kmods) => new(JsonShapes.Schema, [.. kmods.Select(JsonShapes.Kmod)]);

    /// <summary><c>history</c>.</summary>
    public static HistoryDocument History(HistoryResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new HistoryDocument(JsonShapes.Schema, result.Symbol, [.. result.Rows.Select(r => new JsonHistoryRow(JsonShapes.Kernel(r.Kernel), r.Export is not null,
            JsonShapes.Crc(r.Export?.Crc), r.Export?.Kind.ToSymversName(), r.Export?.Namespace, r.Export?.Module, r.Changed))]);
    }

    /// <summary><c>greylist</c>.</summary>
    public static GreylistDocument Greylist(GreylistResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new GreylistDocument(JsonShapes.Schema, result.Stablelist?.Source, result.Kernels, result.Kmods,
            [.. result.Entries.Select(e => new JsonGreylistEntry(e.Symbol, e.Kmods.Count, e.CrcChanges, e.Removals, e.Releases, e.Exporter, e.Kmods))]);
    }

    private static JsonSymbolVersion Version(SymbolVersion version) => new(version.Symbol, JsonShapes.Crc(version.Crc));
}

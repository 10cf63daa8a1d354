using Kabigate.Abi;
using Kabigate.Formats.Rpm;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Operations;

/// <summary>What <c>inspect</c> is asked: what kabigate reads from one file or kernel source.</summary>
/// <param name="Source">A module, a kmod RPM, or any kernel source.</param>
/// <param name="Release">The kernel release, when the kernel source does not tell it.</param>
public sealed record InspectRequest(string Source, string? Release = null);

/// <summary>What the source turned out to be.</summary>
public enum InspectedKind
{
    /// <summary>A module file.</summary>
    Module,

    /// <summary>A kmod package (an RPM with kABI requirements or kernel-modules).</summary>
    KmodPackage,

    /// <summary>One or more kernels.</summary>
    Kernels,
}

/// <summary>A kmod package's modules and kABI dependencies.</summary>
/// <param name="Nevra">The package.</param>
/// <param name="Modules">Its modules.</param>
/// <param name="Requires">Its kABI requirements.</param>
/// <param name="Provides">Its kABI provides.</param>
/// <param name="Findings">Disagreements between the declared requirements and the modules.</param>
public sealed record InspectedPackage(string Nevra, IReadOnlyList<ModuleImage> Modules, IReadOnlyList<KabiDependency> Requires, IReadOnlyList<KabiDependency> Provides, IReadOnlyList<string> Findings);

/// <summary>What was read; exactly one of the parts is set, as <paramref name="Kind"/> says.</summary>
/// <param name="Kind">What the source is.</param>
/// <param name="Module">The module.</param>
/// <param name="Package">The kmod package.</param>
/// <param name="Kernels">The kernels.</param>
/// <param name="Errors">Modules of the package that could not be read.</param>
public sealed record InspectResult(InspectedKind Kind, ModuleImage? Module, InspectedPackage? Package, IReadOnlyList<KernelAbi> Kernels, IReadOnlyList<string> Errors);

/// <summary><c>inspect</c>: modinfo, modversions, imports and exports of a module, or the facts of each kernel of a source.</summary>
public static class InspectOperation
{
    /// <summary>Reads the source as what it is.</summary>
    /// <exception cref="IOException">The source cannot be read (a <see cref="Formats.ModuleFormatException"/> when malformed).</exception>
    public static InspectResult Run(InspectRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var source = request.Source;
        var kind = File.Exists(source) ? SourceSniffer.SniffFile(source) : SourceKind.Unknown;
        if (kind == SourceKind.Module)
            return new InspectResult(InspectedKind.Module, ModuleFileReader.Read(source), null, [], []);
        if (kind == SourceKind.Rpm && RpmReader.Read(source) is var rpm && PackageSets.FromRpm(rpm, source, installed: false).Role == KabiPackageRole.Kmod)
        {
            var set = ModuleSetReader.Read([source]);
            var package = new InspectedPackage(rpm.Nevra, set.Modules, Kabi(rpm.Requires), Kabi(rpm.Provides), [.. set.Warnings.Select(w => w.Message)]);
            return new InspectResult(InspectedKind.KmodPackage, null, package, [], [.. set.Errors.Select(e => e.Message)]);
        }
        var kernels = KernelSourceReader.ReadAll(source, new KernelSourceOptions(request.Release, log.Note));
        return new InspectResult(InspectedKind.Kernels, null, null, kernels, []);
    }

    private static List<KabiDependency> Kabi(IEnumerable<RpmDependency> dependencies) =>
        [.. dependencies.Select(d => KabiDependency.Parse(d.Name, RpmRelations.Of(d.Flags), d.Version)).OfType<KabiDependency>()];
}

using System.Globalization;
using Kabigate.Abi;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.App.Json;

/// <summary>The one mapping from domain and store records to the shared JSON shapes.</summary>
public static class JsonShapes
{
    /// <summary>The JSON schema number every document carries; bumped when a shape changes, never when a field is only added.</summary>
    public const int Schema = 2;

    /// <summary>A CRC as <c>0x%08x</c>, or null.</summary>
    public static string? Crc(uint? crc) => crc is uint c ? $"0x{c:x8}" : null;

    /// <summary>A kernel read from a source.</summary>
    public static JsonKernel Kernel(KernelAbi kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        return new JsonKernel(null, kernel.Release, KernelReleases.Line(kernel.Release), kernel.Source, kernel.Vermagic, kernel.Exports.Count);
    }

    /// <summary>A stored kernel.</summary>
    public static JsonKernel Kernel(StoredKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        return new JsonKernel(kernel.Id, kernel.Release, kernel.Line, kernel.Source, kernel.Vermagic, kernel.ExportCount, kernel.ContentHash,
            kernel.IngestedAt.ToString("O", CultureInfo.InvariantCulture), kernel.Conflicting);
    }

    /// <summary>A module read from a source.</summary>
    public static JsonKmod Kmod(ModuleImage module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return new JsonKmod(null, module.Name, module.Path, KernelReleases.BuiltFor(module.Vermagic), module.Vermagic, module.License);
    }

    /// <summary>A stored kmod.</summary>
    public static JsonKmod Kmod(StoredKmod kmod)
    {
        ArgumentNullException.ThrowIfNull(kmod);
        return new JsonKmod(kmod.Id, kmod.Name, kmod.Path, KernelReleases.BuiltFor(kmod.Vermagic), kmod.Vermagic, kmod.License, kmod.Source, kmod.ContentHash,
            kmod.IngestedAt.ToString("O", CultureInfo.InvariantCulture));
    }

    /// <summary>A problem or warning.</summary>
    public static JsonProblem Problem(Problem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new JsonProblem(problem.Kind.ToJsonName(), problem.Symbol, Crc(problem.Expected), Crc(problem.Found), problem.Message, problem.Exporter, From(problem.From), problem.Stablelisted);
    }

    /// <summary>Problems or warnings.</summary>
    public static List<JsonProblem> Problems(IEnumerable<Problem> problems) => [.. problems.Select(Problem)];

    /// <summary>A verdict.</summary>
    public static JsonVerdict Verdict(Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return new JsonVerdict(verdict.Loads, Problems(verdict.Problems), Problems(verdict.Warnings));
    }

    /// <summary>Inputs that could not be read.</summary>
    public static List<JsonSourceError> Errors(IEnumerable<SourceError> errors) => [.. errors.Select(e => new JsonSourceError(e.Source, e.Message))];

    /// <summary>A package.</summary>
    public static JsonPackage Package(KabiPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return new JsonPackage(package.Nevra, package.Name, package.Epoch ?? 0, package.Version, package.Release, package.Arch, package.Origin);
    }

    private static string? From(ExporterKind kind) => kind switch
    {
        ExporterKind.KernelImage => "vmlinux",
        ExporterKind.KernelModule => "kernel-module",
        ExporterKind.SetModule => "module-set",
        _ => null,
    };
}

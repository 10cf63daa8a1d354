using Kabigate.Abi;

namespace Kabigate.Formats.Sources;

/// <summary>What a source is to be read as.</summary>
public enum SourceRole
{
    /// <summary>A kernel (anything <see cref="KernelSourceReader"/> reads).</summary>
    Kernel,

    /// <summary>Kmods (anything <see cref="ModuleSetReader"/> reads).</summary>
    Kmods,

    /// <summary>Find out from the source: kernels, kmods, or both (a repository).</summary>
    Any,
}

/// <summary>What one source holds.</summary>
/// <param name="Kernels">Its kernels.</param>
/// <param name="Kmods">Its kmods.</param>
/// <param name="Warnings">Findings that do not stop the read (a kmod package's declared requirements that disagree with its modules).</param>
/// <param name="Error">Why the source cannot be read as what it was said or found to be, one line; null when it was read.</param>
public sealed record SourceContents(IReadOnlyList<KernelAbi> Kernels, IReadOnlyList<ModuleImage> Kmods, IReadOnlyList<string> Warnings, string? Error = null);

/// <summary>
/// Reads a source as kernels, kmods or both, deciding by what it is: Module.symvers, headers and module trees, kernel
/// packages and <c>apt:linux-headers-*</c>/<c>apt:linux-image-*</c> are kernels; modules, their directories, kmod
/// packages and driver update disks are kmods; a repository gives both.
/// </summary>
public static class SourceContentsReader
{
    /// <summary>Reads the source; a source that cannot be read is an <see cref="SourceContents.Error"/>, not an exception.</summary>
    public static SourceContents Read(string source, SourceRole role, KernelSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return ReadOrThrow(source, role, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SourceContents([], [], [], ModuleSetReader.Describe(source, e));
        }
    }

    private static SourceContents ReadOrThrow(string source, SourceRole role, KernelSourceOptions options)
    {
        if (role == SourceRole.Any && RepositorySources.TryParse(source, out var location, out var release) && release is null)
        {
            var kernels = RepositorySources.KernelPackages(location, null, options with { FetchKernelPackages = options.FetchKernelPackages || RepositorySources.Fetches(source) })
                .Select(k => k.Kernel).ToList();
            return Kmods(source, kernels, null, options);
        }
        if (role == SourceRole.Kernel || (role == SourceRole.Any && !LooksLikeKmods(source)))
        {
            try
            {
                return new SourceContents(KernelSourceReader.ReadAll(source, options), [], []);
            }
            catch (ModuleFormatException) when (role == SourceRole.Any)
            {
                // Not a kernel: perhaps kmods (a kmod package, a directory of modules).
            }
        }
        return Kmods(source, [], role == SourceRole.Any ? " (neither a kernel nor kmods)" : null, options);
    }

    private static SourceContents Kmods(string source, IReadOnlyList<KernelAbi> kernels, string? suffix, KernelSourceOptions options)
    {
        var set = ModuleSetReader.Read([source], options.Log);
        if (set.Errors.Count > 0)
            return new SourceContents([], [], [], set.Errors[0].Message + suffix);
        return new SourceContents(kernels, set.Modules, [.. set.Warnings.Select(w => w.Message)]);
    }

    private static bool LooksLikeKmods(string source)
    {
        if (source.StartsWith(AptCache.Prefix, StringComparison.Ordinal))
            return !source.StartsWith(AptCache.Prefix + "linux-headers-", StringComparison.Ordinal) && !source.StartsWith(AptCache.Prefix + "linux-image-", StringComparison.Ordinal);
        if (!File.Exists(source))
            return false;
        return SourceSniffer.SniffFile(source) switch
        {
            SourceKind.Module => true,
            SourceKind.Iso => !InstallerKernels.IsBootIso(source), // a driver update disk, not an installer's boot image
            _ => false,
        };
    }
}

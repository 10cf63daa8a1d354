using System.Text;
using System.Text.RegularExpressions;
using Kabigate.Abi;
using Kabigate.Formats.Deb;

namespace Kabigate.Formats.Sources;

/// <summary>Options for reading kernel sources.</summary>
/// <param name="Release">The release to use when the source does not tell it.</param>
/// <param name="Log">Receives progress lines (downloads).</param>
/// <param name="FetchKernelPackages">
/// Read a repository's kernels from the kernel packages themselves (downloaded, verified and cached by their
/// primary.xml checksum) instead of from their kABI provides: what <c>fetch:REPO</c> asks for.
/// </param>
public sealed record KernelSourceOptions(string? Release = null, Action<string>? Log = null, bool FetchKernelPackages = false);

/// <summary>
/// Turns what a user names as a kernel into a <see cref="KernelAbi"/>: a Module.symvers or symvers.gz file,
/// a linux-headers directory, a <c>/lib/modules/RELEASE</c> tree, a Debian headers .deb, or <c>apt:PACKAGE</c>.
/// </summary>
public static partial class KernelSourceReader
{
    private const long MaxSymversBytes = InputLimits.MaxKernelImageBytes;

    [GeneratedRegex(@"(?:^|/)symvers-(?<r>[^/]+?)(?:\.(?:gz|xz|zst))?$")]
    private static partial Regex BootSymvers();

    [GeneratedRegex(@"(?:^|/)lib/modules/(?<r>[^/]+)/symvers(?:\.(?:gz|xz|zst))?$")]
    private static partial Regex ModulesSymvers();

    [GeneratedRegex(@"(?:^|/)(?:linux-headers-|kernels/(?!linux-headers-))(?<r>[^/]+)/Module\.symvers$")]
    private static partial Regex HeadersSymvers();

    /// <summary>A symvers file named after its release: <c>R.symvers</c> or <c>Module.symvers-R</c> (compressed or not).</summary>
    [GeneratedRegex(@"(?:^|/)(?:Module\.symvers-(?<r>[^/]+?)|(?!Module\.symvers)(?<r>[^/]+?)\.symvers)(?:\.(?:gz|xz|zst))?$")]
    private static partial Regex NamedSymvers();

    /// <summary>Reads a kernel source that names exactly one kernel.</summary>
    /// <exception cref="ModuleFormatException">The source is malformed, of an unknown kind, lacks what a kernel ABI needs, or names several kernels.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static KernelAbi Read(string source, KernelSourceOptions options)
    {
        var kernels = ReadAll(source, options);
        if (kernels.Count == 1)
            return kernels[0];
        if (kernels.Select(k => k.Release).Distinct(StringComparer.Ordinal).Count() == 1)
            throw new ModuleFormatException(source, $"names {kernels.Count} kernels of release {kernels[0].Release} ({string.Join(", ", kernels.Select(k => k.Source))}): name the directory or file of one");
        throw new ModuleFormatException(source, $"names {kernels.Count} kernels ({string.Join(", ", kernels.Select(k => k.Release))}): pick one with SOURCE#RELEASE");
    }

    /// <summary>
    /// Reads every kernel a source names: one for a file, headers directory, module tree or package; every kernel
    /// package of a repository (a directory with repodata/, or an http(s):// URL), or the one <c>REPO#RELEASE</c> names.
    /// </summary>
    /// <exception cref="ModuleFormatException">The source is malformed, of an unknown kind, or lacks what a kernel ABI needs.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static IReadOnlyList<KernelAbi> ReadAll(string source, KernelSourceOptions options)
    {
        if (source.StartsWith(AptCache.Prefix, StringComparison.Ordinal))
            return ReadPackagePayload(AptCache.Fetch(source[AptCache.Prefix.Length..], options.Log), options);
        if (RepositorySources.TryParse(source, out var location, out var release))
            return RepositorySources.Kernels(location, release, options with { FetchKernelPackages = options.FetchKernelPackages || RepositorySources.Fetches(source) });
        if (NamedRelease(source) is var (path, named))
            return ReadAll(path, options with { Release = named });
        if (Directory.Exists(source))
            return ReadDirectory(Path.GetFullPath(source).TrimEnd('/'), options);
        if (!File.Exists(source))
            throw new ModuleFormatException(source, "no such file or directory");
        var kind = SourceSniffer.SniffFile(source);
        return kind switch
        {
            SourceKind.Deb => ReadPackagePayload(source, options),
            SourceKind.Iso => [InstallerKernels.FromIso(source, options)],
            SourceKind.Rpm => [PackageKernels.FromRpm(source, options)],
            SourceKind.Symvers => [ReadSymversFile(source, options)],
            SourceKind.Module => throw new ModuleFormatException(source, "this is a kernel module, not a kernel: give it as a module argument"),
            _ => throw new ModuleFormatException(source, "not a kernel source: expected Module.symvers (plain or compressed), a headers or /lib/modules directory, a .deb or .rpm, an installer image, or a repository"),
        };
    }

    /// <summary>Whether a package member is a symvers file (Module.symvers, /boot/symvers-R.*, /lib/modules/R/symvers.*).</summary>
    internal static bool IsSymversMember(string path) =>
        path.EndsWith("/Module.symvers", StringComparison.Ordinal) || BootSymvers().IsMatch(path) || ModulesSymvers().IsMatch(path);

    /// <summary>The release a symvers path names, or null.</summary>
    internal static string? ReleaseFromSymversPath(string path) => MatchRelease(path, BootSymvers(), ModulesSymvers(), HeadersSymvers());

    private static KernelAbi ReadSymversFile(string path, KernelSourceOptions options)
    {
        var exports = SymversReader.Read(path);
        var full = Path.GetFullPath(path);
        var release = options.Release ?? MatchRelease(full, BootSymvers(), ModulesSymvers(), HeadersSymvers(), NamedSymvers())
            ?? throw new ModuleFormatException(path, "cannot tell the kernel release from this path: name the kernel PATH#RELEASE, or the file symvers-RELEASE, RELEASE.symvers or Module.symvers-RELEASE (or give --release with a single --kernel)");
        var dir = Path.GetDirectoryName(full)!;
        var configPath = Path.Combine(dir, ".config");
        if (Path.GetFileName(full) == "Module.symvers" && File.Exists(configPath))
            return FromHeaders(release, exports, InputFiles.ReadAllBytes(configPath, InputLimits.MaxTextFileBytes), path);
        return new KernelAbi(release, exports, path, null, "a bare symvers file does not carry the kernel's vermagic; give the headers directory or package");
    }

    /// <summary><c>PATH#RELEASE</c> where PATH exists: the release the user names for any kernel source.</summary>
    private static (string Path, string Release)? NamedRelease(string source)
    {
        var hash = source.LastIndexOf('#');
        if (hash <= 0 || hash == source.Length - 1)
            return null;
        var path = source[..hash];
        return File.Exists(path) || Directory.Exists(path) ? (path, source[(hash + 1)..]) : null;
    }

    private static string? MatchRelease(string path, params Regex[] patterns)
    {
        foreach (var pattern in patterns)
        {
            var match = pattern.Match(path);
            if (match.Success)
                return match.Groups["r"].Value;
        }
        return null;
    }

    private static KernelAbi FromHeaders(string release, IReadOnlyList<KernelExport> exports, byte[]? config, string source, ulong? moduleStructSize = null, BtfFacts? btf = null)
    {
        var (vermagic, reason, loader) = KernelFacts.Magic(config, [], release, "the headers carry no .config");
        return new KernelAbi(release, exports, source, vermagic, reason, loader)
        {
            ModuleStructSize = moduleStructSize,
            Btf = btf,
            ModuleStructUnknownReason = "the headers carry no vmlinux with BTF and no in-tree modules",
        };
    }

    private static IReadOnlyList<KernelAbi> ReadDirectory(string dir, KernelSourceOptions options)
    {
        var symvers = Path.Combine(dir, "Module.symvers");
        if (File.Exists(symvers))
        {
            var release = options.Release ?? ReleaseFromHeaders(dir) ?? MatchRelease(symvers, HeadersSymvers())
                ?? throw new ModuleFormatException(dir, "cannot tell the kernel release of these headers: name them DIR#RELEASE (or give --release with a single --kernel)");
            var config = Path.Combine(dir, ".config");
            var vmlinux = Path.Combine(dir, "vmlinux");
            var (structSize, btf) = KernelFacts.VmlinuxBtf(File.Exists(vmlinux) ? InputFiles.ReadAllBytes(vmlinux, InputLimits.MaxKernelImageBytes) : null, vmlinux);
            return [FromHeaders(release, SymversReader.Read(symvers), File.Exists(config) ? InputFiles.ReadAllBytes(config, InputLimits.MaxTextFileBytes) : null, dir, structSize, btf)];
        }
        var installers = InstallerKernels.FindInDirectory(dir);
        if (installers.Count > 0)
            return InstallerKernels.FromFiles(installers, options);
        return [ModuleTreeReader.Read(dir, options)];
    }

    private static string? ReleaseFromHeaders(string dir)
    {
        var uts = Path.Combine(dir, "include/generated/utsrelease.h");
        return File.Exists(uts) ? KernelFacts.ReleaseFromUts(InputFiles.ReadAllBytes(uts, InputLimits.MaxTextFileBytes)) : null;
    }

    [GeneratedRegex(@"linux-(?:headers|image)-(?<r>[^_/]+)_[^/]*\.deb$")]
    private static partial Regex DebFileName();

    private static IReadOnlyList<KernelAbi> ReadPackagePayload(string path, KernelSourceOptions options)
    {
        PackageKernels.Payload payload;
        var installer = new InstallerKernels.PackageMembers(path, options);
        using (var stream = File.OpenRead(path))
        {
            var entries = DebReader.ReadDataEntries(stream, path, p => PackageKernels.Payload.Wanted(p) || InstallerKernels.IsPackageMember(p), MaxSymversBytes)
                .Where(e => !installer.TryTake(e.Path, e.Data));
            payload = PackageKernels.Collect(path, entries.Select(e => (e.Path, e.Data)));
        }
        if (payload.Symvers is null && payload.Vmlinuz is null && installer.Any)
            return installer.Kernels();
        if (payload.Symvers is null && payload.Vmlinuz is null)
        {
            throw new ModuleFormatException(path, payload.Modules.Count > 0
                ? $"this package holds {payload.Modules.Count} modules but neither a symvers file nor a kernel image: give it as modules, with the kernel's headers or image package as --kernel"
                : "this package holds no Module.symvers, symvers or kernel image: not a kernel headers or kernel image package");
        }
        var fallback = MatchRelease(path, DebFileName()) ?? throw new ModuleFormatException(path, "cannot tell the kernel release of this package: name it PACKAGE#RELEASE (or give --release with a single --kernel)");
        return [PackageKernels.FromPayload(path, payload, fallback, options)];
    }
}

using System.Text;
using System.Text.RegularExpressions;
using Kabigate.Abi;
using Kabigate.Formats.Deb;

namespace Kabigate.Formats.Sources;

/// <summary>Options for reading kernel sources.</summary>
/// <param name="Release">The release to use when the source does not tell it.</param>
/// <param name="Log">Receives progress lines (downloads).</param>
public sealed record KernelSourceOptions(string? Release = null, Action<string>? Log = null);

/// <summary>
/// Turns what a user names as a kernel into a <see cref="KernelAbi"/>: a Module.symvers or symvers.gz file,
/// a linux-headers directory, a <c>/lib/modules/RELEASE</c> tree, a Debian headers .deb, or <c>apt:PACKAGE</c>.
/// </summary>
public static partial class KernelSourceReader
{
    private const long MaxSymversBytes = 1L << 30;

    [GeneratedRegex(@"(?:^|/)symvers-(?<r>[^/]+?)(?:\.(?:gz|xz|zst))?$")]
    private static partial Regex BootSymvers();

    [GeneratedRegex(@"(?:^|/)lib/modules/(?<r>[^/]+)/symvers(?:\.(?:gz|xz|zst))?$")]
    private static partial Regex ModulesSymvers();

    [GeneratedRegex(@"(?:^|/)(?:linux-headers-|kernels/)(?<r>[^/]+)/Module\.symvers$")]
    private static partial Regex HeadersSymvers();

    [GeneratedRegex("UTS_RELEASE \"(?<r>[^\"]+)\"")]
    private static partial Regex UtsRelease();

    /// <summary>Reads one kernel source.</summary>
    /// <exception cref="ModuleFormatException">The source is malformed, of an unknown kind, or lacks what a kernel ABI needs.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static KernelAbi Read(string source, KernelSourceOptions options)
    {
        if (source.StartsWith(AptCache.Prefix, StringComparison.Ordinal))
            return ReadDeb(AptCache.Fetch(source[AptCache.Prefix.Length..], options.Log), options);
        if (Directory.Exists(source))
            return ReadDirectory(Path.GetFullPath(source).TrimEnd('/'), options);
        if (!File.Exists(source))
            throw new ModuleFormatException(source, "no such file or directory");
        var kind = SourceSniffer.SniffFile(source);
        return kind switch
        {
            SourceKind.Deb => ReadDeb(source, options),
            SourceKind.Symvers => ReadSymversFile(source, options),
            SourceKind.Module => throw new ModuleFormatException(source, "this is a kernel module, not a kernel: give it as a module argument"),
            _ => throw new ModuleFormatException(source, "not a kernel source: expected Module.symvers (plain or compressed), a headers or /lib/modules directory, or a .deb"),
        };
    }

    private static KernelAbi ReadSymversFile(string path, KernelSourceOptions options)
    {
        var exports = SymversReader.Read(path);
        var full = Path.GetFullPath(path);
        var release = options.Release ?? MatchRelease(full, BootSymvers(), ModulesSymvers(), HeadersSymvers())
            ?? throw new ModuleFormatException(path, "cannot tell the kernel release from this path: give --release");
        var dir = Path.GetDirectoryName(full)!;
        var configPath = Path.Combine(dir, ".config");
        if (Path.GetFileName(full) == "Module.symvers" && File.Exists(configPath))
            return FromHeaders(release, exports, File.ReadAllBytes(configPath), path);
        return new KernelAbi(release, exports, path, null, "a bare symvers file does not carry the kernel's vermagic; give the headers directory or package");
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

    private static KernelAbi FromHeaders(string release, IReadOnlyList<KernelExport> exports, byte[]? config, string source)
    {
        if (config is null)
            return new KernelAbi(release, exports, source, null, "the headers carry no .config");
        var parsed = KernelConfig.Parse(config);
        var vermagic = parsed.Vermagic(release, out var reason);
        return new KernelAbi(release, exports, source, vermagic, reason, parsed.Loader());
    }

    private static KernelAbi ReadDirectory(string dir, KernelSourceOptions options)
    {
        var symvers = Path.Combine(dir, "Module.symvers");
        if (File.Exists(symvers))
        {
            var release = options.Release ?? ReleaseFromHeaders(dir) ?? MatchRelease(symvers, HeadersSymvers())
                ?? throw new ModuleFormatException(dir, "cannot tell the kernel release of these headers: give --release");
            var config = Path.Combine(dir, ".config");
            return FromHeaders(release, SymversReader.Read(symvers), File.Exists(config) ? File.ReadAllBytes(config) : null, dir);
        }
        return ModuleTreeReader.Read(dir, options);
    }

    private static string? ReleaseFromHeaders(string dir)
    {
        var uts = Path.Combine(dir, "include/generated/utsrelease.h");
        if (File.Exists(uts))
        {
            var match = UtsRelease().Match(File.ReadAllText(uts));
            if (match.Success)
                return match.Groups["r"].Value;
        }
        return null;
    }

    private static KernelAbi ReadDeb(string path, KernelSourceOptions options)
    {
        byte[]? symvers = null, config = null, uts = null;
        string? symversPath = null;
        var moduleCount = 0;
        bool Wanted(string member)
        {
            if (ModuleSetReader.IsModuleFileName(member))
                moduleCount++;
            return IsKernelMember(member);
        }
        using (var stream = File.OpenRead(path))
        {
            foreach (var entry in DebReader.ReadDataEntries(stream, path, Wanted, MaxSymversBytes))
            {
                if (entry.Path.EndsWith("/Module.symvers", StringComparison.Ordinal) || BootSymvers().IsMatch(entry.Path) || ModulesSymvers().IsMatch(entry.Path))
                {
                    symvers = entry.Data;
                    symversPath = entry.Path;
                }
                else if (entry.Path.EndsWith("/.config", StringComparison.Ordinal) || entry.Path.StartsWith("boot/config-", StringComparison.Ordinal))
                    config = entry.Data;
                else if (entry.Path.EndsWith("include/generated/utsrelease.h", StringComparison.Ordinal))
                    uts = entry.Data;
            }
        }
        if (symvers is null)
        {
            throw new ModuleFormatException(path, moduleCount > 0
                ? $"this package holds {moduleCount} modules but no symvers: the kernel image's own exports are unknown, so it cannot serve as a kernel (use the matching linux-headers package; give this one as modules)"
                : "this package holds no Module.symvers or symvers file: not a kernel headers or kernel package");
        }
        var source = $"{path}!{symversPath}";
        var exports = SymversReader.Read(symvers, source);
        string? release = options.Release;
        if (release is null && uts is not null)
        {
            var match = UtsRelease().Match(Encoding.UTF8.GetString(uts));
            release = match.Success ? match.Groups["r"].Value : null;
        }
        release ??= MatchRelease(symversPath!, BootSymvers(), ModulesSymvers(), HeadersSymvers())
            ?? throw new ModuleFormatException(path, "cannot tell the kernel release of this package: give --release");
        return FromHeaders(release, exports, config, source);
    }

    private static bool IsKernelMember(string path) =>
        path.EndsWith("/Module.symvers", StringComparison.Ordinal)
        || (path.StartsWith("usr/src/linux-headers-", StringComparison.Ordinal) && (path.EndsWith("/.config", StringComparison.Ordinal) || path.EndsWith("include/generated/utsrelease.h", StringComparison.Ordinal)))
        || path.StartsWith("boot/config-", StringComparison.Ordinal)
        || BootSymvers().IsMatch(path) || ModulesSymvers().IsMatch(path);
}

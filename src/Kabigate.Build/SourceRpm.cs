using Kabigate.Abi.Rebuild;
using System.Text;
using System.Text.RegularExpressions;
using Kabigate.Formats;
using Kabigate.Formats.Rpm;

namespace Kabigate.Build;

/// <summary>A kmod's source RPM, read with kabigate's RPM reader (lead, headers and the whole payload) before anything builds it.</summary>
/// <param name="Path">The .src.rpm.</param>
/// <param name="Package">Its main header (NAME, VERSION, RELEASE).</param>
/// <param name="Spec">The spec file's name in the payload.</param>
/// <param name="KmodName">The spec's <c>%define kmod_name NAME</c> (ELRepo's convention), or null.</param>
public sealed partial record SourceRpm(string Path, RpmPackage Package, string Spec, string? KmodName)
{
    /// <summary>The largest spec file read.</summary>
    public const int MaxSpecBytes = 1 << 20;

    /// <summary>The kmod's name by ELRepo's naming: the spec's kmod_name, else NAME less a leading <c>kmod-</c>.</summary>
    public string Name => KmodName ?? (Package.Name.StartsWith("kmod-", StringComparison.Ordinal) && Package.Name.Length > 5 ? Package.Name[5..] : Package.Name);

    /// <summary>Reads and checks a source RPM: an RPM whose lead says source, with one spec file at the top of its payload.</summary>
    /// <exception cref="ModuleFormatException">It is malformed or truncated, a binary package, or holds no spec or several (one line).</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static SourceRpm Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var headers = RpmReader.ReadHeaders(path);
        var package = RpmPackage.FromHeader(headers.Header);
        if (!headers.Lead.IsSource)
            throw new ModuleFormatException(path, $"not a source RPM: {package.Nevra} is a binary package (an SRPM recipe is a .src.rpm)");
        var specs = new List<RpmEntry>();
        // The whole payload is read (its checksums and the compressor's end checks run): a damaged SRPM is refused here, not by rpmbuild.
        foreach (var entry in RpmReader.ReadPayloadEntries(path, p => !p.Contains('/', StringComparison.Ordinal) && p.EndsWith(".spec", StringComparison.Ordinal), MaxSpecBytes))
            specs.Add(entry);
        if (specs.Count != 1)
            throw new ModuleFormatException(path, specs.Count == 0 ? "a source RPM without a .spec file" : $"{specs.Count} .spec files in one source RPM");
        var text = Encoding.UTF8.GetString(specs[0].Data);
        var kmodName = KmodNameLine().Match(text) is { Success: true } match ? match.Groups[1].Value : null;
        if (kmodName is not null && (!KmodDependencyGenerator.IsSafeName(kmodName) || kmodName.Contains('%', StringComparison.Ordinal)))
            throw new ModuleFormatException(path, $"its spec's kmod_name '{kmodName}' is not a module name");
        return new SourceRpm(path, package, specs[0].Path, kmodName);
    }

    /// <summary>
    /// The release as ELRepo's <c>kmod_kernel_version</c> says it: without the <c>.ARCH</c> their specs append
    /// (<c>5.14.0-362.8.1.el9_3.x86_64</c> is <c>5.14.0-362.8.1.el9_3</c>); a release without one (Debian's) is kept.
    /// </summary>
    public static string KmodKernelVersion(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var arch = "." + KernelHeaders.ArchOf(release);
        return release.EndsWith(arch, StringComparison.Ordinal) ? release[..^arch.Length] : release;
    }

    [GeneratedRegex(@"^\s*%(?:define|global)\s+kmod_name\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex KmodNameLine();
}

using System.Text.RegularExpressions;

namespace Kabigate.Abi;

/// <summary>One Provides or Requires of a package, as rpm prints it.</summary>
/// <param name="Name">The capability, e.g. <c>kernel(printk)</c> or <c>kernel-uname-r</c>.</param>
/// <param name="Operator">The relation (<c>=</c>, <c>&gt;=</c>, …), or empty when unversioned.</param>
/// <param name="Version">The version, or null.</param>
public sealed record PackageRelation(string Name, string Operator, string? Version);

/// <summary>What kind of package a <see cref="KabiPackage"/> is, as far as the kernel ABI goes.</summary>
public enum KabiPackageRole : byte
{
    /// <summary>Neither a kernel nor a kmod.</summary>
    Other,

    /// <summary>
    /// A kernel package: named as a kernel (<see cref="KernelPackageNames"/>: kernel, kernel-core, kernel-modules,
    /// kernel-rt-core, kernel-lt, kernel-ml, kernel-default, …) and providing <c>kernel(sym) = CRC</c>, SUSE's
    /// <c>ksym(flavor:sym) = crc</c> (without requiring any), or a <c>kernel…-uname-r</c>: name and provides together.
    /// </summary>
    Kernel,

    /// <summary>
    /// A kernel meta package: named as a kernel and requiring one kernel release exactly (<c>Requires:
    /// kernel-core-uname-r = R</c>); it stands or falls with that release.
    /// </summary>
    KernelMeta,

    /// <summary>
    /// A kmod: it requires kABI symbols, provides <c>kernel-modules</c>, is named <c>kmod-…</c>, or holds modules
    /// under /lib/modules.
    /// </summary>
    Kmod,
}

/// <summary>
/// A package as the gates see it: identity, where it is (a repository or the installed system) and its relations.
/// Built from repository metadata or the rpm database by the readers.
/// </summary>
/// <param name="Name">The package name.</param>
/// <param name="Epoch">The epoch, or null.</param>
/// <param name="Version">The version.</param>
/// <param name="Release">The release.</param>
/// <param name="Arch">The architecture.</param>
/// <param name="Origin">Where it was found: a repository's location, or the rpm database's path.</param>
/// <param name="Installed">True for a package of the rpm database.</param>
/// <param name="Provides">Its provides.</param>
/// <param name="Requires">Its requires.</param>
/// <param name="Files">Its files, when known (the rpm database lists them; primary.xml does not, in general).</param>
public sealed partial class KabiPackage(
    string Name,
    int? Epoch,
    string Version,
    string Release,
    string Arch,
    string Origin,
    bool Installed,
    IReadOnlyList<PackageRelation> Provides,
    IReadOnlyList<PackageRelation> Requires,
    IReadOnlyList<string> Files)
{
    private Facts? _facts;
    private KabiDependency[]? _symbolProvides;

    /// <summary>The package name.</summary>
    public string Name { get; } = Name;

    /// <summary>The epoch, or null.</summary>
    public int? Epoch { get; } = Epoch;

    /// <summary>The version.</summary>
    public string Version { get; } = Version;

    /// <summary>The release.</summary>
    public string Release { get; } = Release;

    /// <summary>The architecture.</summary>
    public string Arch { get; } = Arch;

    /// <summary>Where it was found: a repository's location, or the rpm database's path.</summary>
    public string Origin { get; } = Origin;

    /// <summary>True for a package of the rpm database.</summary>
    public bool Installed { get; } = Installed;

    /// <summary>Its provides.</summary>
    public IReadOnlyList<PackageRelation> Provides { get; } = Provides;

    /// <summary>Its requires.</summary>
    public IReadOnlyList<PackageRelation> Requires { get; } = Requires;

    /// <summary>Its files, when known.</summary>
    public IReadOnlyList<string> Files { get; } = Files;

    /// <inheritdoc/>
    public override string ToString() => Nevra;

    /// <summary><c>name-[epoch:]version-release.arch</c>, the epoch only when non-zero: what dnf's excludes take.</summary>
    public string Nevra => Epoch is int e && e != 0 ? $"{Name}-{e}:{Version}-{Release}.{Arch}" : $"{Name}-{Version}-{Release}.{Arch}";

    /// <summary>Its kABI symbol requirements (<c>kernel(sym)</c>, <c>ksym(sym)</c>, <c>ksym(flavor:sym)</c> with a CRC).</summary>
    public IReadOnlyList<KabiDependency> SymbolRequirements => Analyse().Requires;

    /// <summary>Its kABI symbol provides (parsed on first use: a kernel package has some ten thousand).</summary>
    public IReadOnlyList<KabiDependency> SymbolProvides => _symbolProvides ??= Facts.Symbols(Provides);

    /// <summary>The kernel release it provides (<c>kernel-uname-r</c>, <c>kernel-core-uname-r</c>, <c>kernel-modules-uname-r</c>, …), or null.</summary>
    public string? UnameR => Analyse().UnameR;

    /// <summary>What it is.</summary>
    public KabiPackageRole Role => Analyse().Role;

    /// <summary>
    /// The kernel release a kernel package belongs to: its <see cref="UnameR"/>; for a meta package, the release it
    /// requires exactly; else <c>version-release.arch</c>.
    /// </summary>
    public string KernelRelease => Analyse().KernelRelease;

    /// <summary>The module names of its <c>.ko</c> files (dashes as underscores, as /proc/modules lists them).</summary>
    public IEnumerable<string> ModuleNames => Files
        .Where(f => f.StartsWith("/lib/modules/", StringComparison.Ordinal) || f.StartsWith("/usr/lib/modules/", StringComparison.Ordinal))
        .Select(f => KoName().Match(f)).Where(m => m.Success).Select(m => m.Groups[1].Value.Replace('-', '_'));

    /// <summary>Compares packages by epoch, version and release as rpm does.</summary>
    public static int CompareEvr(KabiPackage a, KabiPackage b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return RpmVersions.CompareEvr(a.Epoch, a.Version, a.Release, b.Epoch, b.Version, b.Release);
    }

    [GeneratedRegex(@"^kernel(-[A-Za-z0-9_+.-]+)?-uname-r$")]
    private static partial Regex UnameRName();

    [GeneratedRegex(@"/([^/]+)\.ko(\.xz|\.zst|\.gz|\.bz2)?$")]
    private static partial Regex KoName();

    private Facts Analyse() => _facts ??= Facts.Of(this);

    private sealed record Facts(IReadOnlyList<KabiDependency> Requires, string? UnameR, KabiPackageRole Role, string KernelRelease)
    {
        public static Facts Of(KabiPackage package)
        {
            var requires = Symbols(package.Requires);
            var unameR = package.Provides.FirstOrDefault(IsUnameR)?.Version;
            var metaOf = KernelPackageNames.IsKernel(package.Name) ? package.Requires.FirstOrDefault(IsUnameR)?.Version : null;
            bool kernel = KernelPackageNames.IsKernel(package.Name) && (unameR is not null
                || package.Provides.Any(p => p.Name.StartsWith("kernel(", StringComparison.Ordinal) && KabiDependency.Parse(p.Name, p.Operator, p.Version)?.Kind == KabiDependencyKind.KernelSymbol)
                || (requires.Length == 0 && package.Provides.Any(p => p.Name.StartsWith("ksym(", StringComparison.Ordinal) && KabiDependency.Parse(p.Name, p.Operator, p.Version)?.Kind == KabiDependencyKind.FlavorSymbol)));
            KabiPackageRole role;
            if (kernel)
                role = KabiPackageRole.Kernel;
            else if (metaOf is not null)
                role = KabiPackageRole.KernelMeta;
            else if (requires.Length > 0 || package.Provides.Any(p => p.Name == "kernel-modules") || package.Name.StartsWith("kmod-", StringComparison.Ordinal)
                || package.Files.Any(f => f.Contains("/lib/modules/", StringComparison.Ordinal) && KoName().IsMatch(f)))
                role = KabiPackageRole.Kmod;
            else
                role = KabiPackageRole.Other;
            return new Facts(requires, unameR, role, unameR ?? metaOf ?? $"{package.Version}-{package.Release}.{package.Arch}");
        }

        /// <summary><c>kernel…-uname-r = R</c> (cheap checks first: a kernel package has ten thousand provides).</summary>
        private static bool IsUnameR(PackageRelation r) =>
            r.Operator == "=" && r.Version is not null && r.Name.StartsWith("kernel", StringComparison.Ordinal)
            && r.Name.EndsWith("-uname-r", StringComparison.Ordinal) && UnameRName().IsMatch(r.Name);

        internal static KabiDependency[] Symbols(IEnumerable<PackageRelation> relations) =>
            [.. relations.Select(r => KabiDependency.Parse(r.Name, r.Operator, r.Version)).OfType<KabiDependency>().Where(d => d.Symbol is not null)];
    }
}

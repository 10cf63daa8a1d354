namespace Kabigate.Abi;

/// <summary>
/// One kernel release as packages offer it: every kernel package of the release (kernel-core, kernel-modules, the
/// meta package, …), installed or available, and the kABI symbols they provide together.
/// </summary>
public sealed class KernelCandidate
{
    private readonly Dictionary<string, uint> _exports;
    private readonly HashSet<(string Key, uint Crc)> _provided;

    internal KernelCandidate(string release, IReadOnlyList<KabiPackage> packages, IReadOnlySet<string> installedNevras)
    {
        Release = release;
        Packages = packages;
        _exports = new Dictionary<string, uint>(StringComparer.Ordinal);
        _provided = [];
        foreach (var dependency in packages.SelectMany(p => p.SymbolProvides))
        {
            var key = KabiGate.Key(dependency);
            _exports.TryAdd(key, dependency.Crc!.Value);
            _provided.Add((key, dependency.Crc!.Value));
        }
        Available = [.. packages.Where(p => !p.Installed && !installedNevras.Contains(p.Nevra))];
        Newest = packages.Where(p => p.Role == KabiPackageRole.Kernel).DefaultIfEmpty(packages[0]).MaxBy(p => p, EvrComparer.Instance)!;
    }

    /// <summary>The release (<c>kernel-uname-r</c>, or the package's <c>version-release.arch</c>).</summary>
    public string Release { get; }

    /// <summary>Every package of the release, installed and available.</summary>
    public IReadOnlyList<KabiPackage> Packages { get; }

    /// <summary>The packages of the release that repositories offer and that are not installed: what a hold excludes.</summary>
    public IReadOnlyList<KabiPackage> Available { get; }

    /// <summary>The newest kernel package of the release (its name in reports).</summary>
    public KabiPackage Newest { get; }

    /// <summary>Whether a package of the release is installed.</summary>
    public bool IsInstalled => Packages.Any(p => p.Installed);

    /// <summary>How many kABI symbols the release's packages provide.</summary>
    public int ExportCount => _exports.Count;

    /// <summary>Whether the release provides <paramref name="requirement"/>'s symbol with its CRC.</summary>
    public bool Provides(KabiDependency requirement) => _provided.Contains((KabiGate.Key(requirement), requirement.Crc!.Value));

    /// <summary>The CRC the release provides for <paramref name="requirement"/>'s symbol, or null.</summary>
    public uint? Crc(KabiDependency requirement) => _exports.TryGetValue(KabiGate.Key(requirement), out var crc) ? crc : null;

    /// <inheritdoc/>
    public override string ToString() => $"{Release} ({Newest.Nevra})";

    /// <summary>Orders packages by EVR.</summary>
    internal sealed class EvrComparer : IComparer<KabiPackage>
    {
        public static readonly EvrComparer Instance = new();

        public int Compare(KabiPackage? x, KabiPackage? y) => KabiPackage.CompareEvr(x!, y!);
    }
}

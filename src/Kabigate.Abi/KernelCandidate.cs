namespace Kabigate.Abi;

/// <summary>
/// One kernel release as packages offer it: every kernel package of the release (kernel-core, kernel-modules, the
/// meta package, …), installed or available, and the kABI symbols they provide together.
/// </summary>
public sealed class KernelCandidate
{
    private readonly Dictionary<string, uint> _exports;
    private readonly HashSet<(string Key, uint Crc)> _provided;

    /// <param name="release">The release.</param>
    /// <param name="packages">Its packages.</param>
    /// <param name="installedNevras">The installed packages.</param>
    /// <param name="wanted">The symbol keys (<c>sym</c>, <c>flavor:sym</c>) any kmod requires, or null for all: a
    /// kernel provides some ten thousand, a set of kmods needs a few dozen, and only those are kept.</param>
    internal KernelCandidate(string release, IReadOnlyList<KabiPackage> packages, IReadOnlySet<string> installedNevras, HashSet<string>? wanted)
    {
        Release = release;
        Packages = packages;
        _exports = new Dictionary<string, uint>(StringComparer.Ordinal);
        _provided = [];
        var lookup = wanted?.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var relation in packages.SelectMany(p => p.Provides))
        {
            // kernel(sym), ksym(sym) and ksym(flavor:sym): the key is what the parentheses hold.
            var name = relation.Name.AsSpan();
            int open = name.StartsWith("kernel(") ? 6 : name.StartsWith("ksym(") ? 4 : -1;
            if (open < 0 || !name.EndsWith(")") || relation.Operator != "=" || relation.Version is null || !KabiDependency.TryParseCrc(relation.Version, out uint crc))
                continue;
            ExportCount++;
            var key = name[(open + 1)..^1];
            if (lookup is { } wantedKeys && !wantedKeys.Contains(key))
                continue;
            var text = key.ToString();
            _exports.TryAdd(text, crc);
            _provided.Add((text, crc));
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

    /// <summary>The repository that offers the release's available packages, or null when none is offered (installed only).</summary>
    public string? Origin => Available.Count > 0 ? Available[0].Origin : null;

    /// <summary>The newest kernel package of the release (its name in reports).</summary>
    public KabiPackage Newest { get; }

    /// <summary>Whether a package of the release is installed.</summary>
    public bool IsInstalled => Packages.Any(p => p.Installed);

    /// <summary>How many kABI symbols the release's packages provide.</summary>
    public int ExportCount { get; }

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

namespace Kabigate.Abi;

/// <summary>
/// What a kernel release offers modules: its exported symbols (vmlinux and in-tree modules) and its
/// version magic. Immutable once built.
/// </summary>
public sealed class KernelAbi
{
    private readonly Dictionary<string, KernelExport> _exports;

    /// <summary>Creates an ABI; a later export of the same symbol replaces an earlier one.</summary>
    /// <param name="release">The kernel release (<c>uname -r</c>), e.g. <c>6.1.0-47-amd64</c>.</param>
    /// <param name="exports">Every export.</param>
    /// <param name="source">Where the ABI was read from, for messages.</param>
    /// <param name="vermagic">The kernel's version magic, or null when the source does not tell it.</param>
    /// <param name="vermagicUnknownReason">Why <paramref name="vermagic"/> is null, shown to the user.</param>
    /// <param name="loader">The loader's configuration, or null when the source does not carry the kernel's .config.</param>
    /// <param name="exportKindsUnknownReason">
    /// Set when the source tells CRCs but not whether exports are GPL-only or namespaced (RPM provides): why.
    /// </param>
    public KernelAbi(string release, IEnumerable<KernelExport> exports, string source, string? vermagic, string? vermagicUnknownReason = null, LoaderConfig? loader = null, string? exportKindsUnknownReason = null)
    {
        Loader = loader;
        ExportKindsUnknownReason = exportKindsUnknownReason;
        Release = release;
        Source = source;
        Vermagic = vermagic;
        VermagicUnknownReason = vermagic is null ? vermagicUnknownReason ?? "the source does not say" : null;
        _exports = new Dictionary<string, KernelExport>(StringComparer.Ordinal);
        foreach (var export in exports)
            _exports[export.Symbol] = export;
    }

    private KernelAbi(string release, Dictionary<string, KernelExport> exports, string source, string? vermagic, string? vermagicUnknownReason, LoaderConfig? loader, string? exportKindsUnknownReason)
    {
        Loader = loader;
        ExportKindsUnknownReason = exportKindsUnknownReason;
        Release = release;
        Source = source;
        Vermagic = vermagic;
        VermagicUnknownReason = vermagic is null ? vermagicUnknownReason ?? "the source does not say" : null;
        _exports = exports;
    }

    /// <summary>
    /// Another kernel's ABI made from this one's exports: those of <paramref name="removed"/> dropped, then those of
    /// <paramref name="changed"/> added or replacing; equal to building it from every export, at the cost of the
    /// changes and a copy of the table (what a store's line of releases, each a few changes apart, is loaded with).
    /// The init-only facts (<see cref="ModuleStructSize"/>, <see cref="Btf"/>, <see cref="UsesExportFlagsTable"/>) are not carried over.
    /// </summary>
    /// <param name="release">The other kernel's release.</param>
    /// <param name="removed">Symbols this ABI exports and the other does not.</param>
    /// <param name="changed">Exports the other has that this one lacks or has otherwise.</param>
    /// <param name="source">Where the other ABI was read from.</param>
    /// <param name="vermagic">Its version magic, or null.</param>
    /// <param name="vermagicUnknownReason">Why <paramref name="vermagic"/> is null.</param>
    /// <param name="loader">Its loader configuration, or null.</param>
    /// <param name="exportKindsUnknownReason">Why its export kinds are unknown, or null.</param>
    public KernelAbi Derive(string release, IEnumerable<string> removed, IEnumerable<KernelExport> changed, string source, string? vermagic, string? vermagicUnknownReason = null, LoaderConfig? loader = null, string? exportKindsUnknownReason = null)
    {
        ArgumentNullException.ThrowIfNull(removed);
        ArgumentNullException.ThrowIfNull(changed);
        var exports = new Dictionary<string, KernelExport>(_exports, StringComparer.Ordinal);
        foreach (var symbol in removed)
            exports.Remove(symbol);
        foreach (var export in changed)
            exports[export.Symbol] = export;
        return new KernelAbi(release, exports, source, vermagic, vermagicUnknownReason, loader, exportKindsUnknownReason);
    }

    /// <summary>The kernel release, e.g. <c>6.1.0-47-amd64</c> or <c>4.18.0-259.el8.x86_64</c>.</summary>
    public string Release { get; }

    /// <summary>The flavour, derived from the release: Debian's suffix after the ABI number (<c>amd64</c>, <c>rt-amd64</c>), else null.</summary>
    public string? Flavour => KernelReleases.Flavour(Release);

    /// <summary>Where the ABI came from.</summary>
    public string Source { get; }

    /// <summary>The version magic modules must match, or null when unknown.</summary>
    public string? Vermagic { get; }

    /// <summary>Why <see cref="Vermagic"/> is unknown; null when it is known.</summary>
    public string? VermagicUnknownReason { get; }

    /// <summary>
    /// The loader options of the kernel's configuration, or null when unknown; the check then assumes the strict
    /// defaults (no forced loads, namespace imports required) and says so.
    /// </summary>
    public LoaderConfig? Loader { get; }

    /// <summary>
    /// Why the GPL-only and namespace rules cannot be checked on this kernel (its source lists CRCs only), or null
    /// when its exports' kinds and namespaces are known.
    /// </summary>
    public string? ExportKindsUnknownReason { get; }

    /// <summary>
    /// sizeof(struct module) of this kernel: the <c>.gnu.linkonce.this_module</c> size of its in-tree modules, or the
    /// size of <c>struct module</c> in its vmlinux BTF; null when the source tells neither.
    /// </summary>
    public ulong? ModuleStructSize { get; init; }

    /// <summary>Why <see cref="ModuleStructSize"/> is unknown (shown when the kernel checks it).</summary>
    public string ModuleStructUnknownReason { get; init; } = "the source carries neither in-tree modules nor a vmlinux with BTF";

    /// <summary>This kernel's vmlinux BTF (what module BTF is validated against), or null when the source does not carry it.</summary>
    public BtfFacts? Btf { get; init; }

    /// <summary>
    /// Whether this kernel reads export flags from <c>__kflagstab</c> and so refuses a module that exports symbols
    /// without one ("no flags for exported symbols"): known from its in-tree modules; null when the source cannot tell.
    /// </summary>
    public bool? UsesExportFlagsTable { get; init; }

    /// <summary>Every export, keyed by symbol.</summary>
    public IReadOnlyDictionary<string, KernelExport> Exports => _exports;

    /// <summary>Whether the kernel was built with CONFIG_MODVERSIONS (some export carries a CRC).</summary>
    public bool HasModversions => _exports.Values.Any(e => e.Crc is not null);

    /// <summary>Looks up one export.</summary>
    public bool TryGetExport(string symbol, out KernelExport export) => _exports.TryGetValue(symbol, out export!);

    /// <inheritdoc/>
    public override string ToString() => $"{Release} ({_exports.Count} exports, from {Source})";
}

/// <summary>The kernel configuration options that change what the module loader accepts.</summary>
/// <param name="ForceLoad">CONFIG_MODULE_FORCE_LOAD: a module without vermagic or modversions loads, tainting the kernel.</param>
/// <param name="AllowMissingNamespaceImports">CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS: a missing import_ns only warns.</param>
/// <param name="AllowBtfMismatch">
/// CONFIG_MODULE_ALLOW_BTF_MISMATCH: a module whose BTF does not validate loads without it; null when not known
/// (a configuration recorded without it, such as the store's).
/// </param>
public sealed record LoaderConfig(bool ForceLoad, bool AllowMissingNamespaceImports, bool? AllowBtfMismatch = null);

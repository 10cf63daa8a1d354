namespace Kabigate.Abi;

/// <summary>What the loader objects to (or warns about). The JSON names are a public contract.</summary>
public enum ProblemKind : byte
{
    /// <summary>Exported neither by the kernel nor by a module of the set ("Unknown symbol", err -2).</summary>
    UnknownSymbol,

    /// <summary>The exporter's CRC differs from the module's ("disagrees about version of symbol").</summary>
    CrcMismatch,

    /// <summary>A GPL-only export used by a module whose license is not GPL-compatible.</summary>
    GplOnly,

    /// <summary>A namespaced export used without <c>import_ns=</c>.</summary>
    NamespaceNotImported,

    /// <summary>The module's version magic does not match the kernel's.</summary>
    VermagicMismatch,

    /// <summary>The module has no modversions at all while the kernel's exports carry CRCs.</summary>
    NoModversions,

    /// <summary>The module needs a module of the set that does not load itself.</summary>
    DependencyFails,

    /// <summary>The module exports a symbol the kernel image already exports (verify_exported_symbols).</summary>
    DuplicateExport,

    /// <summary>Warning: no modversions entry for an imported symbol; the loader warns and loads.</summary>
    NoSymbolVersion,

    /// <summary>Warning: the kernel's version magic is unknown, so it was not compared.</summary>
    VermagicUnchecked,

    /// <summary>Warning: the kernel source tells CRCs only, so GPL-only exports and namespaces were not checked.</summary>
    ExportKindsUnchecked,

    /// <summary>
    /// The module's <c>.gnu.linkonce.this_module</c> section is not the size of the kernel's struct module
    /// (kernel/module/main.c, since 6.4): refused before any CRC is looked at.
    /// </summary>
    ModuleStructSize,

    /// <summary>Warning: the kernel checks the struct module size, but the source does not tell the kernel's.</summary>
    ModuleStructUnchecked,

    /// <summary>
    /// The module's split BTF does not validate against the kernel's vmlinux BTF (kernel/bpf/btf.c,
    /// btf_module_notify): a warning with CONFIG_MODULE_ALLOW_BTF_MISMATCH, else a refusal.
    /// </summary>
    BtfMismatch,

    /// <summary>Warning: the module carries BTF, the kernel refuses mismatches, and the kernel's BTF is not known.</summary>
    BtfUnchecked,

    /// <summary>
    /// The module uses an export whose namespace is <c>module:PATTERNS</c> (EXPORT_SYMBOL_GPL_FOR_MODULES, 6.16;
    /// EXPORT_SYMBOL_FOR_MODULES, 6.17) and its name matches none of the patterns.
    /// </summary>
    ModuleOnlyExport,

    /// <summary>The module imports a <c>module:</c> namespace explicitly (import_ns), which 6.16+ refuses with -EPERM.</summary>
    ModuleNamespaceImport,

    /// <summary>The module exports symbols without a <c>__kflagstab</c> on a kernel whose exports carry one.</summary>
    ExportFlagsMissing,

    /// <summary>
    /// The module signature is refused (kernel/module/signing.c): unsigned or by an untrusted key under enforcement,
    /// or a signature that does not verify (always fatal).
    /// </summary>
    SignatureRejected,

    /// <summary>Warning: unsigned, or signed by a key the kernel does not hold, without enforcement: loads, tainting the kernel.</summary>
    SignatureUnverified,
}

/// <summary>Names of <see cref="ProblemKind"/> as they appear in JSON and text.</summary>
public static class ProblemKinds
{
    /// <summary>The stable JSON name, e.g. <c>crc-mismatch</c>.</summary>
    public static string ToJsonName(this ProblemKind kind) => kind switch
    {
        ProblemKind.UnknownSymbol => "unknown-symbol",
        ProblemKind.CrcMismatch => "crc-mismatch",
        ProblemKind.GplOnly => "gpl-only",
        ProblemKind.NamespaceNotImported => "namespace-not-imported",
        ProblemKind.VermagicMismatch => "vermagic-mismatch",
        ProblemKind.NoModversions => "no-modversions",
        ProblemKind.DependencyFails => "dependency-fails",
        ProblemKind.DuplicateExport => "duplicate-export",
        ProblemKind.NoSymbolVersion => "no-symbol-version",
        ProblemKind.VermagicUnchecked => "vermagic-unchecked",
        ProblemKind.ModuleStructSize => "module-struct-size",
        ProblemKind.ModuleStructUnchecked => "module-struct-unchecked",
        ProblemKind.BtfMismatch => "btf-mismatch",
        ProblemKind.BtfUnchecked => "btf-unchecked",
        ProblemKind.ModuleOnlyExport => "module-only-export",
        ProblemKind.ModuleNamespaceImport => "module-namespace-import",
        ProblemKind.ExportFlagsMissing => "export-flags-missing",
        ProblemKind.SignatureRejected => "signature-rejected",
        ProblemKind.SignatureUnverified => "signature-unverified",
        _ => "export-kinds-unchecked",
    };
}

/// <summary>One finding about a module on a kernel, in the kernel's words.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Module">The module's name, as the kernel prints it.</param>
/// <param name="Symbol">The symbol concerned, or null.</param>
/// <param name="Expected">The kernel's (exporter's) CRC, or null.</param>
/// <param name="Found">The module's CRC, or null.</param>
/// <param name="Exporter">The exporting module (<c>vmlinux</c> or a module path), or null.</param>
/// <param name="Stablelisted">Whether the symbol is on the given stablelist; null when no list was given or no symbol.</param>
/// <param name="Text">The message, for kinds whose words need more than module and symbol; null for the others.</param>
/// <param name="From">Which kind of exporter <paramref name="Exporter"/> is.</param>
public sealed record Problem(
    ProblemKind Kind,
    string Module,
    string? Symbol,
    uint? Expected = null,
    uint? Found = null,
    string? Exporter = null,
    bool? Stablelisted = null,
    string? Text = null,
    ExporterKind From = ExporterKind.None)
{
    /// <summary>
    /// The message the kernel would print (or the nearest it has). Built on demand for the common kinds, so that
    /// a matrix of half a million findings does not hold half a million strings.
    /// </summary>
    public string Message => Text ?? Kind switch
    {
        ProblemKind.UnknownSymbol => LoaderMessages.UnknownSymbol(Module, Symbol!),
        ProblemKind.CrcMismatch => LoaderMessages.DisagreesAboutVersion(Module, Symbol!),
        ProblemKind.NoSymbolVersion => LoaderMessages.NoSymbolVersion(Module, Symbol!),
        ProblemKind.DuplicateExport => LoaderMessages.DuplicateExport(Module, Symbol!),
        _ => $"{Module}: {Kind.ToJsonName()} {Symbol}",
    };
}

/// <summary>Where an import was found.</summary>
public enum ExporterKind : byte
{
    /// <summary>Nobody exports it.</summary>
    None,

    /// <summary>The kernel image (vmlinux).</summary>
    KernelImage,

    /// <summary>One of the kernel's own modules (a non-vmlinux Module.symvers row, or a module of a tree).</summary>
    KernelModule,

    /// <summary>A module of the checked set.</summary>
    SetModule,
}

/// <summary>How one import of a module resolved on one kernel (kept only when a check is asked to explain).</summary>
/// <param name="Symbol">The imported symbol.</param>
/// <param name="Weak">Whether the import is weak.</param>
/// <param name="Exporter">Who exports it (<c>vmlinux</c>, an in-tree module path, or a module of the set), or null when nobody does.</param>
/// <param name="ExporterKind">Which kind of exporter that is.</param>
/// <param name="ExporterCrc">The exporter's CRC, or null.</param>
/// <param name="ModuleCrc">The CRC the module was built against, or null.</param>
/// <param name="Namespace">The export's namespace, or null.</param>
/// <param name="GplOnly">Whether the export is GPL-only.</param>
public sealed record ImportResolution(string Symbol, bool Weak, string? Exporter, ExporterKind ExporterKind, uint? ExporterCrc, uint? ModuleCrc, string? Namespace, bool GplOnly);

/// <summary>Whether one module loads on one kernel, and everything found on the way.</summary>
/// <param name="Module">The module.</param>
/// <param name="Kernel">The kernel.</param>
/// <param name="Problems">Reasons the loader refuses it, in the loader's order; empty when it loads.</param>
/// <param name="Warnings">Findings the loader only warns about.</param>
/// <param name="Imports">How each import resolved, when the check was asked to explain; else null.</param>
public sealed record Verdict(ModuleImage Module, KernelAbi Kernel, IReadOnlyList<Problem> Problems, IReadOnlyList<Problem> Warnings, IReadOnlyList<ImportResolution>? Imports = null)
{
    /// <summary>Whether the module loads.</summary>
    public bool Loads => Problems.Count == 0;
}

namespace Kabigate.Abi;

/// <summary>
/// The loader's own words (kernel/module/main.c and version.c), one place for every text so they can be grepped.
/// </summary>
public static class LoaderMessages
{
    /// <summary>simplify_symbols: the symbol is exported by nobody (-ENOENT).</summary>
    public static string UnknownSymbol(string module, string symbol) => $"{module}: Unknown symbol {symbol} (err -2)";

    /// <summary>check_version: CRC mismatch, after which the symbol is refused with -EINVAL.</summary>
    public static string DisagreesAboutVersion(string module, string symbol) => $"{module}: disagrees about version of symbol {symbol}";

    /// <summary>resolve_symbol with gplok = false: the GPL-only export is invisible, so the kernel reports it unknown.</summary>
    public static string GplOnly(string module, string symbol, string? license) =>
        $"{module}: Unknown symbol {symbol} (err -2) (GPL-incompatible module {module}.ko uses GPL-only symbol '{symbol}'; license '{license ?? "(none)"}')";

    /// <summary>verify_namespace_is_imported.</summary>
    public static string NamespaceNotImported(string module, string symbol, string ns) =>
        $"{module}: module uses symbol ({symbol}) from namespace {ns}, but does not import it.";

    /// <summary>
    /// elf_validity_cache_index_mod (kernel/module/main.c; "module: add sanity check for ELF module section",
    /// Luis Chamberlain, 2023, first in 6.4): -ENOEXEC before vermagic or any CRC. The sizes follow in parentheses.
    /// </summary>
    public static string ModuleStructSize(string module, ulong moduleSize, ulong kernelSize) =>
        $"module {module}: .gnu.linkonce.this_module section size must match the kernel's built struct module size at run time (section {moduleSize} bytes, struct module {kernelSize})";

    /// <summary>The kernel checks the struct module size but its size is not known from the source.</summary>
    public static string ModuleStructUnchecked(string module, string release, string reason) =>
        $"{module}: .gnu.linkonce.this_module size not checked against {release}'s struct module: {reason}";

    /// <summary>
    /// kernel/bpf/btf.c btf_module_notify (since 6.2 this text; the -EINVAL refusal without
    /// CONFIG_MODULE_ALLOW_BTF_MISMATCH since 5.18): the module's split BTF does not validate against vmlinux's.
    /// </summary>
    public static string BtfMismatch(string module, bool allowed, string why) => allowed
        ? $"{module}: Kernel module BTF mismatch detected, BTF debug info may be unavailable for some modules ({why}; loads: CONFIG_MODULE_ALLOW_BTF_MISMATCH)"
        : $"failed to validate module [{module}] BTF: -22 ({why})";

    /// <summary>The kernel would refuse a BTF mismatch, but its BTF is not known from the source.</summary>
    public static string BtfUnchecked(string module, string release) =>
        $"{module}: BTF not checked against {release}: the source carries no vmlinux BTF, and without CONFIG_MODULE_ALLOW_BTF_MISMATCH a mismatch is refused";

    /// <summary>check_modinfo: same_magic failed.</summary>
    public static string VersionMagic(string module, string moduleMagic, string kernelMagic) =>
        $"{module}: version magic '{moduleMagic}' should be '{kernelMagic}'";

    /// <summary>check_modinfo: no vermagic at all; try_to_force_load decides.</summary>
    public static string NoVersionMagic(string module, bool forceLoad) => forceLoad
        ? $"{module}: bad vermagic: kernel tainted. (no version magic; loaded only because the kernel has CONFIG_MODULE_FORCE_LOAD)"
        : $"{module}: no version magic: refused, the kernel does not have CONFIG_MODULE_FORCE_LOAD (or its configuration is unknown)";

    /// <summary>check_version with no modversions at all; try_to_force_load decides.</summary>
    public static string NoModversions(string module, string firstSymbol, int count, bool forceLoad) => forceLoad
        ? $"{module}: {firstSymbol}: kernel tainted. (the module has no modversions while {count} of its imports carry CRCs; loaded only because the kernel has CONFIG_MODULE_FORCE_LOAD)"
        : $"{module}: no modversions for {firstSymbol}: the module has no modversions while {count} of its imports carry CRCs; refused, the kernel does not have CONFIG_MODULE_FORCE_LOAD (or its configuration is unknown)";

    /// <summary>check_version: no entry for the symbol, the loader warns once and accepts.</summary>
    public static string NoSymbolVersion(string module, string symbol) => $"{module}: no symbol version for {symbol}";

    /// <summary>
    /// check_version with extended modversions (kernel/module/version.c since 6.14, "modules: Support extended
    /// MODVERSIONS info", Matthew Maurer): no <c>__version_ext_*</c> entry for the symbol; warned once, accepted.
    /// </summary>
    public static string NoExtendedSymbolVersion(string module, string symbol) => $"{module}: no extended symbol version for {symbol}";

    /// <summary>
    /// verify_namespace_is_imported for a <c>module:</c> namespace (kernel/module/main.c since 6.16: "module: Add
    /// module specific symbol namespace support", 092a4f5985f2, and the message of Masahiro Yamada's follow-up that
    /// Fixes it): the importing module's name matches none of the patterns; -EINVAL.
    /// </summary>
    public static string ExportedOnlyForModule(string module, string symbol, string patterns) =>
        $"module \"{module}\" uses symbol \"{symbol}\", which is exported only for module \"{patterns}\"";

    /// <summary>setup_modinfo (kernel/module/main.c since 6.16): <c>module:</c> namespaces are implicit; importing one is -EPERM.</summary>
    public static string ImportsModuleNamespace(string module, string ns) => $"{module}: module tries to import module namespace: {ns}";

    /// <summary>
    /// check_export_symbol_sections on kernels whose exports carry a <c>__kflagstab</c> ("module loader: use kflagstab
    /// instead of *_gpl sections", Siddharth Nayyar, 2025): the module exports symbols but has no flags table; -ENOEXEC.
    /// </summary>
    public static string NoExportFlags(string module) => $"{module}: no flags for exported symbols";

    /// <summary>
    /// module_sig_check (kernel/module/signing.c) with module.sig_enforce=1: an unsigned module, or one whose key the
    /// kernel does not hold, is refused with -EKEYREJECTED, which insmod prints as "Key was rejected by service".
    /// </summary>
    public static string SignatureRejected(string module, string reason, string detail) =>
        $"{module}: Loading of {reason} is rejected (-EKEYREJECTED: Key was rejected by service; {detail})";

    /// <summary>
    /// module_sig_check: a signature by a trusted key that does not verify (or a PKCS#7 the kernel cannot parse) is
    /// fatal even without enforcement ("All other errors are fatal ... even if signatures aren't required").
    /// </summary>
    public static string SignatureInvalid(string module, string error, string detail) =>
        $"{module}: module signature check failed: {error} ({detail})";

    /// <summary>
    /// module_augment_kernel_taints (kernel/module/main.c) without enforcement: the module loads and taints the kernel
    /// (TAINT_UNSIGNED_MODULE, 'E').
    /// </summary>
    public static string SignatureTaint(string module, string detail) =>
        $"{module}: module verification failed: signature and/or required key missing - tainting kernel ({detail})";

    /// <summary>verify_exported_symbols: the module exports what the kernel image already exports.</summary>
    public static string DuplicateExport(string module, string symbol) => $"{module}: exports duplicate symbol {symbol} (owned by kernel)";

    /// <summary>A module of the set this one needs does not load.</summary>
    public static string DependencyFails(string module, string symbol, string dependency, string release) =>
        $"{module}: needs {symbol} from {dependency}, which does not load on {release}";

    /// <summary>A module of the set this one names in depends= does not load.</summary>
    public static string DependsFails(string module, string dependency, string release) =>
        $"{module}: depends on {dependency}, which does not load on {release}";

    /// <summary>The kernel source tells CRCs but not export kinds or namespaces.</summary>
    public static string ExportKindsUnchecked(string module, string release, string reason) =>
        $"{module}: GPL-only and namespace rules not checked: the exports of {release} carry no kinds or namespaces ({reason})";

    /// <summary>The kernel's vermagic is unknown.</summary>
    public static string VermagicUnchecked(string module, string release, string reason) =>
        $"{module}: version magic not checked: the vermagic of {release} is unknown ({reason})";
}

namespace Kabigate.Abi;

/// <summary>
/// The loader rules kernels after 6.1 added, each gated on the release that introduced it (docs/newer-kernels.md
/// lists the sources): extended modversions (6.14), module-only exports (6.16), export flags (__kflagstab).
/// </summary>
public static partial class CompatibilityEngine
{
    /// <summary>The namespace prefix of module-only exports (kernel/module/main.c MODULE_NS_PREFIX).</summary>
    public const string ModuleNamespacePrefix = "module:";

    /// <summary>
    /// Whether check_version reads <c>__version_ext_crcs</c>/<c>__version_ext_names</c> (and relies on them when
    /// present): kernel/module/version.c from 6.14 ("modules: Support extended MODVERSIONS info", Matthew Maurer).
    /// Older kernels ignore those sections, so a module with only them has no modversions there.
    /// </summary>
    public static bool ReadsExtendedModversions(string release) => AtLeast(release, 6, 14);

    /// <summary>
    /// Whether <c>module:</c> namespaces restrict an export to the modules they name (kernel/module/main.c from
    /// 6.16, "module: Add module specific symbol namespace support", 092a4f5985f2). Before, such a namespace is an
    /// ordinary one.
    /// </summary>
    public static bool HasModuleOnlyExports(string release) => AtLeast(release, 6, 16);

    /// <summary>
    /// module_match: whether a module name matches comma-separated patterns, each exact or with a tail <c>*</c>,
    /// comparing <c>-</c> and <c>_</c> as equal (mod_strncmp).
    /// </summary>
    public static bool ModuleMatch(string module, string patterns)
    {
        foreach (var raw in patterns.Split(','))
        {
            if (raw.Length == 0)
                continue;
            var glob = raw[^1] == '*';
            var pattern = glob ? raw[..^1] : raw;
            if (module.Length < pattern.Length || (!glob && module.Length != pattern.Length))
                continue;
            var same = true;
            for (var i = 0; i < pattern.Length && same; i++)
                same = Dashless(pattern[i]) == Dashless(module[i]);
            if (same)
                return true;
        }
        return false;
    }

    private static char Dashless(char c) => c == '-' ? '_' : c;

    private static bool AtLeast(string release, int major, int minor) =>
        KernelReleases.BaseVersion(release) is var (a, b) && (a, b).CompareTo((major, minor)) >= 0;

    /// <summary>Rules the loader applies before it resolves any symbol: the signature, and setup_modinfo's imports.</summary>
    private static void CheckBeforeSymbols(in Context c, ref List<Problem>? problems, ref List<Problem>? warnings)
    {
        // load_module: module_sig_check comes first of all.
        if (c.Options.Signatures?.Judge(c.Image, out var refused) is Problem signature)
            (refused ? problems ??= [] : warnings ??= []).Add(signature);
    }

    /// <summary>setup_modinfo (6.16+): an explicit import of a <c>module:</c> namespace is -EPERM.</summary>
    private static void CheckNamespaceImports(in Context c, ref List<Problem>? problems)
    {
        if (!HasModuleOnlyExports(c.Kernel.Release))
            return;
        foreach (var ns in c.Image.ImportedNamespaces)
        {
            if (ns.StartsWith(ModuleNamespacePrefix, StringComparison.Ordinal))
                (problems ??= []).Add(new Problem(ProblemKind.ModuleNamespaceImport, c.Image.Name, null, Text: LoaderMessages.ImportsModuleNamespace(c.Image.Name, ns)));
        }
    }

    /// <summary>check_export_symbol_sections on a kernel reading __kflagstab: __ksymtab entries need their flags.</summary>
    private static void CheckExportFlags(in Context c, ref List<Problem>? problems)
    {
        if (c.Kernel.UsesExportFlagsTable == true && c.Image.ExportFlagsTable == false && c.Image.Exports.Any(e => e.Kind == ExportKind.Plain))
            (problems ??= []).Add(new Problem(ProblemKind.ExportFlagsMissing, c.Image.Name, null, Text: LoaderMessages.NoExportFlags(c.Image.Name)));
    }
}

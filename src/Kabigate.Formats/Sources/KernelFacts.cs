using System.Text;
using Kabigate.Abi;

namespace Kabigate.Formats.Sources;

/// <summary>
/// What every kernel source derives the same way, whether it is a headers directory, a module tree or a package:
/// the exports of the kernel's own modules, its version magic and loader options, and the release utsrelease.h names.
/// </summary>
internal static class KernelFacts
{
    /// <summary>
    /// A module's exports as Module.symvers rows: the module column is its path below <c>/lib/modules/R/</c>
    /// without <c>kernel/</c> and <c>.ko*</c> (<c>drivers/usb/storage/usb-storage</c>).
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="relativePath">Its path below the release's module directory.</param>
    public static IEnumerable<KernelExport> ModuleExports(ModuleImage module, string relativePath)
    {
        if (relativePath.StartsWith("kernel/", StringComparison.Ordinal))
            relativePath = relativePath["kernel/".Length..];
        var modulePath = relativePath[..relativePath.IndexOf(".ko", StringComparison.Ordinal)];
        return module.Exports.Select(e => new KernelExport(e.Symbol, e.Crc, modulePath, e.Kind, e.Namespace));
    }

    /// <summary>
    /// The vermagic and loader options: from the kernel's .config when there is one (vermagic.h's rules), else the
    /// vermagic of an in-tree module with the release word replaced (they were built for this kernel), else unknown.
    /// </summary>
    public static (string? Vermagic, string? Reason, LoaderConfig? Loader) Magic(byte[]? config, IEnumerable<ModuleImage> modules, string release, string unknown)
    {
        if (config is not null)
        {
            var parsed = KernelConfig.Parse(config);
            var vermagic = parsed.Vermagic(release, out var reason);
            return (vermagic, reason, parsed.Loader());
        }
        var intree = modules.FirstOrDefault(m => m.InTree && m.Vermagic is not null);
        if (intree?.Vermagic is string magic)
        {
            var space = magic.IndexOf(' ', StringComparison.Ordinal);
            return (space < 0 ? magic : release + magic[space..], null, null);
        }
        return (null, unknown, null);
    }

    /// <summary>
    /// sizeof(struct module) as the kernel's own modules were built with it: the size of their
    /// <c>.gnu.linkonce.this_module</c> (the most common one, should a stray module differ); null without in-tree modules.
    /// </summary>
    public static ulong? ModuleStructSize(IEnumerable<ModuleImage> modules) =>
        modules.Where(m => m.InTree && m.ThisModuleSize is not null).GroupBy(m => m.ThisModuleSize!.Value)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => (ulong?)g.Key).FirstOrDefault();

    /// <summary>
    /// Whether the kernel reads export flags from <c>__kflagstab</c>: its in-tree modules that export symbols carry
    /// one (true) or none does (false), as the kernel and its modules are built with one layout; null when no in-tree
    /// module exports anything.
    /// </summary>
    public static bool? UsesExportFlagsTable(IEnumerable<ModuleImage> modules)
    {
        bool? found = null;
        foreach (var module in modules)
        {
            if (!module.InTree || module.Exports.IsEmpty || module.ExportFlagsTable is not bool has)
                continue;
            if (has)
                return true;
            found = false;
        }
        return found;
    }

    /// <summary>sizeof(struct module) and the BTF facts of a BTF-carrying vmlinux; nulls without one.</summary>
    /// <exception cref="ModuleFormatException">The vmlinux or its BTF is malformed.</exception>
    public static (ulong? ModuleStructSize, BtfFacts? Btf) VmlinuxBtf(byte[]? vmlinux, string source) =>
        vmlinux is not null && Elf.BtfReader.ReadElf(vmlinux, source) is { } summary ? (summary.ModuleStructSize, summary.Facts) : (null, null);

    /// <summary>The release include/generated/utsrelease.h defines, or null.</summary>
    public static string? ReleaseFromUts(byte[]? uts)
    {
        if (uts is null)
            return null;
        var text = Encoding.UTF8.GetString(uts);
        var start = text.IndexOf("UTS_RELEASE \"", StringComparison.Ordinal);
        if (start < 0)
            return null;
        start += "UTS_RELEASE \"".Length;
        var end = text.IndexOf('"', start);
        return end > start ? text[start..end] : null;
    }
}

using Kabigate.Abi;

namespace Kabigate.Formats.Sources;

/// <summary>
/// A <c>/lib/modules/RELEASE</c> tree as a kernel: vmlinux exports from its symvers (in the tree, or
/// <c>/boot/symvers-RELEASE.*</c> beside it), module exports from its .ko files as depmod takes them, and the
/// version magic of its in-tree modules.
/// </summary>
internal static class ModuleTreeReader
{
    private static readonly string[] SymversNames = ["symvers.gz", "symvers.xz", "symvers.zst", "symvers"];

    public static KernelAbi Read(string dir, KernelSourceOptions options)
    {
        var release = options.Release ?? Path.GetFileName(dir);
        var boot = Path.GetFullPath(Path.Combine(dir, "../../../boot"));
        var symvers = SymversNames.Select(n => Path.Combine(dir, n))
            .Concat(SymversNames.Skip(0).Take(3).Select(n => Path.Combine(boot, $"symvers-{release}{Path.GetExtension(n)}")))
            .FirstOrDefault(File.Exists);
        var set = ModuleSetReader.Read([dir]);
        if (set.Errors.Count > 0)
            throw new ModuleFormatException(dir, $"{set.Errors.Count} module(s) of this tree cannot be read; first: {set.Errors[0].Message}");
        if (symvers is null)
        {
            throw new ModuleFormatException(dir, set.Modules.Count > 0
                ? $"a module tree without symvers (looked for {string.Join(", ", SymversNames)} in it and /boot/symvers-{release}.*): the kernel image's own exports are unknown"
                : "not a kernel source: no Module.symvers, no symvers and no modules in this directory");
        }

        var exports = new List<KernelExport>();
        foreach (var export in SymversReader.Read(symvers))
        {
            if (export.IsVmlinux)
                exports.Add(export);
        }
        foreach (var module in set.Modules)
        {
            var relative = Path.GetRelativePath(dir, module.Path);
            var modulePath = relative[..relative.IndexOf(".ko", StringComparison.Ordinal)];
            foreach (var export in module.Exports)
                exports.Add(new KernelExport(export.Symbol, export.Crc, modulePath, export.Kind, export.Namespace));
        }

        var intree = set.Modules.FirstOrDefault(m => m.InTree && m.Vermagic is not null);
        string? vermagic = intree?.Vermagic is string v ? ReplaceRelease(v, release) : null;
        var configPath = new[] { Path.Combine(dir, "config"), Path.Combine(boot, $"config-{release}") }.FirstOrDefault(File.Exists);
        var loader = configPath is null ? null : KernelConfig.Parse(File.ReadAllBytes(configPath)).Loader();
        return new KernelAbi(release, exports, dir, vermagic, "the tree has no in-tree module to take the vermagic from", loader);
    }

    /// <summary>The tree's modules were built for it, so their vermagic is the kernel's; keep the tree's release word.</summary>
    private static string ReplaceRelease(string vermagic, string release)
    {
        var space = vermagic.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? vermagic : release + vermagic[space..];
    }
}

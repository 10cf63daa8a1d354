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
            .Concat(new[] { ".gz", ".xz", ".zst", "" }.Select(ext => Path.Combine(boot, $"symvers-{release}{ext}")))
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
            exports.AddRange(KernelFacts.ModuleExports(module, Path.GetRelativePath(dir, module.Path)));

        var configPath = new[] { Path.Combine(dir, "config"), Path.Combine(boot, $"config-{release}") }.FirstOrDefault(File.Exists);
        var (vermagic, reason, loader) = KernelFacts.Magic(configPath is null ? null : InputFiles.ReadAllBytes(configPath, InputLimits.MaxTextFileBytes), set.Modules, release,
            "the tree has neither a config nor an in-tree module to take the vermagic from");
        return new KernelAbi(release, exports, dir, vermagic, reason, loader) { ModuleStructSize = KernelFacts.ModuleStructSize(set.Modules), UsesExportFlagsTable = KernelFacts.UsesExportFlagsTable(set.Modules) };
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kabigate.Abi.Rebuild;

/// <summary>
/// What a kernel looks like to one kmod: two kernels with the same key give every module of the kmod the same
/// verdict by the loader's rules, so one build serves both. The key is a digest of, in this order:
/// <list type="bullet">
/// <item>the version magic after the loader's own rule (<see cref="CompatibilityEngine.SameMagic"/>): without its
/// release word when the kmod has modversions, in full otherwise; an unknown magic keys the kernel apart;</item>
/// <item>the loader configuration (forced loads, missing namespace imports, BTF mismatches allowed);</item>
/// <item>the size of struct module where the kernel compares it (6.4 and later), or "unknown";</item>
/// <item>the kernel's BTF base (string bytes, type count) when the kmod carries BTF and the kernel refuses mismatches;</item>
/// <item>for every symbol the loader reads for the kmod (<see cref="Gate.SymbolsJudged"/>: its imports, its exports,
/// <c>module_layout</c>), the kernel's export of it: CRC, kind, namespace and exporter (vmlinux or module), or absent.</item>
/// </list>
/// A kmod never built has no imports: its key then comes from a reference build of the same recipe (the union of
/// the symbols of every earlier build, which approximates what the next build imports; the re-verification after the
/// build catches where it does not), and with no build at all from the whole ABI (every export), so that every
/// distinct (vermagic, ABI content) is a class of its own.
/// </summary>
public static class AbiClassKey
{
    /// <summary>How many hex digits of the SHA-256 digest a key keeps.</summary>
    public const int Length = 16;

    /// <summary>The key of <paramref name="kernel"/> for a kmod whose reference modules are <paramref name="reference"/>.</summary>
    /// <param name="kernel">The target kernel.</param>
    /// <param name="reference">The modules of earlier builds of the recipe; empty when it was never built.</param>
    public static string Of(KernelAbi kernel, IReadOnlyCollection<ModuleImage> reference)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(reference);
        var text = new StringBuilder();
        bool built = reference.Count > 0;
        // A build made against a kernel with modversions has them (kbuild follows CONFIG_MODVERSIONS).
        bool hasCrcs = built ? reference.Any(m => m.HasBasicVersions) : kernel.HasModversions;
        text.Append("magic\t");
        if (kernel.Vermagic is not string magic)
            text.Append("unknown ").Append(kernel.Release);
        else
            text.Append(hasCrcs ? MagicWithoutRelease(magic) : magic);
        var loader = kernel.Loader;
        text.Append("\nloader\t").Append(loader is null ? "unknown" : $"{loader.ForceLoad} {loader.AllowMissingNamespaceImports} {loader.AllowBtfMismatch?.ToString() ?? "?"}");
        if (CompatibilityEngine.ChecksModuleStructSize(kernel.Release))
            text.Append("\nstruct_module\t").Append(kernel.ModuleStructSize?.ToString(CultureInfo.InvariantCulture) ?? "unknown");
        bool btfMatters = (!built || reference.Any(m => m.Btf is not null)) && loader?.AllowBtfMismatch != true;
        if (btfMatters)
            text.Append("\nbtf\t").Append(kernel.Btf is BtfFacts btf ? $"{btf.StringLength} {btf.TypeCount}" : "unknown");
        IEnumerable<string> symbols = built ? Gate.SymbolsJudged(reference) : kernel.Exports.Keys;
        foreach (var symbol in symbols.Order(StringComparer.Ordinal))
        {
            text.Append('\n').Append(symbol).Append('\t');
            if (kernel.TryGetExport(symbol, out var export))
            {
                text.Append(export.Crc is uint crc ? crc.ToString("x8", CultureInfo.InvariantCulture) : "-")
                    .Append('\t').Append(export.Kind.ToSymversName())
                    .Append('\t').Append(export.Namespace ?? "")
                    .Append('\t').Append(export.Module);
            }
            else
            {
                text.Append("absent");
            }
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(digest)[..Length];
    }

    /// <summary>The version magic without its first word (the release), as same_magic compares it with modversions.</summary>
    private static string MagicWithoutRelease(string magic)
    {
        int space = magic.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? "" : magic[space..];
    }
}

using System.Collections.Immutable;

namespace Kabigate.Abi;

/// <summary>An undefined symbol a module needs resolved at load time.</summary>
/// <param name="Symbol">The symbol name.</param>
/// <param name="Weak">A weak undefined symbol may stay unresolved.</param>
public readonly record struct ModuleImport(string Symbol, bool Weak);

/// <summary>A symbol a module exports.</summary>
/// <param name="Symbol">The symbol name.</param>
/// <param name="Crc">Its CRC, or null when the module was built without modversions.</param>
/// <param name="Kind">Plain or GPL-only.</param>
/// <param name="Namespace">The symbol namespace, or null.</param>
public readonly record struct ModuleExport(string Symbol, uint? Crc, ExportKind Kind, string? Namespace);

/// <summary>One modversions entry: the CRC a module was built against.</summary>
/// <param name="Symbol">The symbol name.</param>
/// <param name="Crc">The CRC.</param>
public readonly record struct SymbolVersion(string Symbol, uint Crc);

/// <summary>Which modversions tables a module carries.</summary>
[Flags]
public enum ModversionTables : byte
{
    /// <summary>Neither: the module was built without CONFIG_MODVERSIONS.</summary>
    None = 0,

    /// <summary>The classic <c>__versions</c> section (64-byte entries).</summary>
    Basic = 1,

    /// <summary><c>__version_ext_crcs</c> + <c>__version_ext_names</c> (long symbol names).</summary>
    Extended = 2,
}

/// <summary>ELF facts about a module file.</summary>
/// <param name="Is64Bit">ELFCLASS64.</param>
/// <param name="BigEndian">ELFDATA2MSB.</param>
/// <param name="Machine">e_machine.</param>
public readonly record struct ElfIdentity(bool Is64Bit, bool BigEndian, ushort Machine)
{
    /// <summary>e_machine for x86-64.</summary>
    public const ushort MachineX86_64 = 62;

    /// <summary>e_machine for i386.</summary>
    public const ushort Machine386 = 3;

    /// <inheritdoc/>
    public override string ToString() => $"ELF{(Is64Bit ? 64 : 32)} {(BigEndian ? "MSB" : "LSB")} machine {Machine}";
}

/// <summary>Everything the loader looks at in one kernel module file. Immutable.</summary>
public sealed class ModuleImage
{
    /// <summary>Where the module was read from (a file path, or <c>package!member</c>).</summary>
    public required string Path { get; init; }

    /// <summary>The module name (<c>.modinfo</c> <c>name=</c>, else from the file name), with <c>_</c> for <c>-</c>.</summary>
    public required string Name { get; init; }

    /// <summary>ELF class, byte order and machine.</summary>
    public required ElfIdentity Elf { get; init; }

    /// <summary>Every <c>.modinfo</c> entry in file order, keys repeated as they appear.</summary>
    public required ImmutableArray<KeyValuePair<string, string>> Modinfo { get; init; }

    /// <summary>Symbols the module needs from the kernel or other modules, in symbol-table order.</summary>
    public required ImmutableArray<ModuleImport> Imports { get; init; }

    /// <summary>Symbols the module exports.</summary>
    public required ImmutableArray<ModuleExport> Exports { get; init; }

    /// <summary>The <c>__versions</c> entries, in file order.</summary>
    public required ImmutableArray<SymbolVersion> BasicVersions { get; init; }

    /// <summary>The <c>__version_ext_*</c> entries, in file order.</summary>
    public required ImmutableArray<SymbolVersion> ExtendedVersions { get; init; }

    /// <summary>Which modversions tables are present.</summary>
    public required ModversionTables VersionTables { get; init; }

    /// <summary>Whether a module signature is appended after the ELF image.</summary>
    public required bool Signed { get; init; }

    /// <summary>The appended signature (signer, key id, hash), or null when the module is not signed.</summary>
    public ModuleSignature? Signature { get; init; }

    /// <summary>
    /// The size of the <c>.gnu.linkonce.this_module</c> section (the module's <c>struct module __this_module</c>,
    /// so sizeof(struct module) of the kernel it was built against), or null when the module has no such section.
    /// </summary>
    public ulong? ThisModuleSize { get; init; }

    /// <summary>
    /// Whether the module carries a <c>__kflagstab</c> (a flag byte per <c>__ksymtab</c> entry, for kernels that read
    /// GPL-only-ness from it); null when not known (a module read back from the store).
    /// </summary>
    public bool? ExportFlagsTable { get; init; }

    /// <summary>The module's <c>.BTF</c> (split BTF on top of its build kernel's vmlinux BTF), or null when it has none.</summary>
    public BtfFacts? Btf { get; init; }

    /// <summary>The first value of a <c>.modinfo</c> key, or null (the kernel's get_modinfo).</summary>
    public string? Info(string key)
    {
        foreach (var (k, v) in Modinfo)
        {
            if (k == key)
                return v;
        }
        return null;
    }

    /// <summary>Every value of a repeatable <c>.modinfo</c> key.</summary>
    public IEnumerable<string> InfoAll(string key) => Modinfo.Where(p => p.Key == key).Select(p => p.Value);

    /// <summary>The version magic, or null when absent.</summary>
    public string? Vermagic => Info("vermagic");

    /// <summary>The license the loader judges GPL-compatibility by (the first <c>license=</c>).</summary>
    public string? License => Info("license");

    /// <summary>The namespaces the module imports (<c>import_ns=</c>).</summary>
    public IEnumerable<string> ImportedNamespaces => InfoAll("import_ns");

    /// <summary>The modules named by <c>depends=</c>, normalized.</summary>
    public IEnumerable<string> Depends =>
        (Info("depends") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ModuleNames.Normalize);

    /// <summary>Whether the module was built with the kernel tree (<c>intree=Y</c>).</summary>
    public bool InTree => Info("intree") == "Y";

    /// <summary>Whether the module has any modversions table, which is what makes the loader ignore the release in vermagic.</summary>
    public bool HasBasicVersions => (VersionTables & ModversionTables.Basic) != 0;

    /// <summary>
    /// The CRC the module was built against for a symbol, looked up the way the loader does: in the extended
    /// tables when present, else in <c>__versions</c>.
    /// </summary>
    public bool TryGetVersion(string symbol, out uint crc)
    {
        var table = (VersionTables & ModversionTables.Extended) != 0 ? ExtendedVersions : BasicVersions;
        foreach (var entry in table)
        {
            if (entry.Symbol == symbol)
            {
                crc = entry.Crc;
                return true;
            }
        }
        crc = 0;
        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Path})";
}

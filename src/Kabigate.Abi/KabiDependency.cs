using System.Globalization;

namespace Kabigate.Abi;

/// <summary>What a package dependency says about the kernel ABI.</summary>
public enum KabiDependencyKind : byte
{
    /// <summary>RHEL <c>kernel(sym) = 0xCRC</c>: a vmlinux export (kernel packages provide, kmods require).</summary>
    KernelSymbol,

    /// <summary>RHEL <c>ksym(sym) = 0xCRC</c>: an export of a module, or a CRC the build kernel did not have.</summary>
    ModuleSymbol,

    /// <summary>SUSE <c>ksym(flavor:sym) = crc</c> (the hex not always zero-padded).</summary>
    FlavorSymbol,

    /// <summary><c>kernel-uname-r</c>: the exact kernel release.</summary>
    KernelUnameR,

    /// <summary><c>kernel-core-uname-r</c> (el8+).</summary>
    KernelCoreUnameR,

    /// <summary><c>kernel-modules &gt;= VERSION</c> (kmodtool; what ELRepo's plugin reads).</summary>
    KernelModules,
}

/// <summary>One kABI-related RPM dependency, parsed.</summary>
/// <param name="Kind">Which form it has.</param>
/// <param name="Symbol">The symbol, for the symbol forms.</param>
/// <param name="Flavor">SUSE's flavor, for <see cref="KabiDependencyKind.FlavorSymbol"/>.</param>
/// <param name="Crc">The CRC as a 32-bit integer, for the symbol forms. Never compared as an RPM version string:
/// rpm's version comparison holds <c>0xa01b1cde</c> and <c>0xa1b01cde</c> equal.</param>
/// <param name="Operator">The relation (<c>=</c>, <c>&gt;=</c>, …), or empty when unversioned.</param>
/// <param name="Version">The version text as written, or null.</param>
public sealed record KabiDependency(KabiDependencyKind Kind, string? Symbol, string? Flavor, uint? Crc, string Operator, string? Version)
{
    /// <summary>The dependency as RPM prints it.</summary>
    public override string ToString() => Kind switch
    {
        KabiDependencyKind.KernelSymbol => $"kernel({Symbol}) {Operator} {Version}",
        KabiDependencyKind.ModuleSymbol => $"ksym({Symbol}) {Operator} {Version}",
        KabiDependencyKind.FlavorSymbol => $"ksym({Flavor}:{Symbol}) {Operator} {Version}",
        KabiDependencyKind.KernelUnameR => $"kernel-uname-r {Operator} {Version}".TrimEnd(),
        KabiDependencyKind.KernelCoreUnameR => $"kernel-core-uname-r {Operator} {Version}".TrimEnd(),
        _ => $"kernel-modules {Operator} {Version}".TrimEnd(),
    };

    /// <summary>
    /// Parses an RPM dependency; null when it is not about the kernel ABI (including <c>kernel(x86-64) = EVR</c>,
    /// rpm's automatic arch provide, whose version is not a CRC).
    /// </summary>
    /// <param name="name">The dependency name, e.g. <c>kernel(printk)</c>.</param>
    /// <param name="op">The relation, e.g. <c>=</c>; empty or null when unversioned.</param>
    /// <param name="version">The version, e.g. <c>0xc5850110</c>.</param>
    public static KabiDependency? Parse(string name, string? op, string? version)
    {
        op ??= "";
        switch (name)
        {
            case "kernel-uname-r":
                return new KabiDependency(KabiDependencyKind.KernelUnameR, null, null, null, op, version);
            case "kernel-core-uname-r":
                return new KabiDependency(KabiDependencyKind.KernelCoreUnameR, null, null, null, op, version);
            case "kernel-modules":
                return new KabiDependency(KabiDependencyKind.KernelModules, null, null, null, op, version);
        }
        if (!name.EndsWith(')') || op != "=" || version is null || !TryParseCrc(version, out var crc))
            return null;
        if (name.StartsWith("kernel(", StringComparison.Ordinal))
            return new KabiDependency(KabiDependencyKind.KernelSymbol, name[7..^1], null, crc, op, version);
        if (!name.StartsWith("ksym(", StringComparison.Ordinal))
            return null;
        var inner = name[5..^1];
        var colon = inner.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? new KabiDependency(KabiDependencyKind.ModuleSymbol, inner, null, crc, op, version)
            : new KabiDependency(KabiDependencyKind.FlavorSymbol, inner[(colon + 1)..], inner[..colon], crc, op, version);
    }

    /// <summary>A CRC written <c>0x%08x</c> (RHEL) or bare hex of any width up to 8 digits (SUSE).</summary>
    public static bool TryParseCrc(string text, out uint crc)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text.AsSpan(2) : text.AsSpan();
        crc = 0;
        return digits.Length is > 0 and <= 8 && uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out crc);
    }
}

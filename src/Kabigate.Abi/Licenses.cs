namespace Kabigate.Abi;

/// <summary>The kernel's list of GPL-compatible license strings (include/linux/license.h).</summary>
public static class Licenses
{
    private static readonly HashSet<string> GplCompatible = new(StringComparer.Ordinal)
    {
        "GPL",
        "GPL v2",
        "GPL and additional rights",
        "Dual BSD/GPL",
        "Dual MIT/GPL",
        "Dual MPL/GPL",
    };

    /// <summary>
    /// Whether a module with this <c>license=</c> may use GPL-only exports. A module without a license
    /// taints the kernel as proprietary, exactly as a non-GPL one does.
    /// </summary>
    public static bool IsGplCompatible(string? license) => license is not null && GplCompatible.Contains(license);
}

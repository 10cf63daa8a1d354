using System.Text.RegularExpressions;

namespace Kabigate.Abi;

/// <summary>
/// The one list of kernel package names every verb shares. A package is a kernel only when its name is on it and
/// its provides say so (<c>kernel(sym)</c>, <c>ksym(flavor:sym)</c>, <c>kernel…-uname-r</c>), never by a provide
/// alone: any repository can publish a package that provides <c>kernel-uname-r</c>.
/// </summary>
public static partial class KernelPackageNames
{
    /// <summary>
    /// Kernel flavours as distributions name their packages: RHEL and its rebuilds (<c>kernel-rt</c>,
    /// <c>kernel-64k</c>, <c>kernel-debug</c>, <c>kernel-uek</c>), ELRepo (<c>kernel-lt</c>, <c>kernel-ml</c>),
    /// SUSE (<c>kernel-default</c>, <c>kernel-rt</c>, <c>kernel-azure</c>, <c>kernel-64kb</c>, <c>kernel-kvmsmall</c>,
    /// <c>kernel-zfcpdump</c>, <c>kernel-vanilla</c>, <c>kernel-preempt</c>), the clouds.
    /// </summary>
    public static readonly IReadOnlyList<string> Flavours =
        ["rt", "rt-debug", "rt-64k", "rt-64k-debug", "64k", "64k-debug", "16k", "16k-debug", "debug", "lt", "ml", "uek", "default", "azure", "aws", "gcp",
            "64kb", "kvmsmall", "zfcpdump", "vanilla", "preempt", "automotive", "zstream"];

    /// <summary>The subpackages a kernel release is split into: <c>kernel-core</c>, <c>kernel-modules</c>, …, SUSE's <c>-base</c>.</summary>
    public static readonly IReadOnlyList<string> Subpackages =
        ["core", "modules", "modules-core", "modules-extra", "modules-internal", "modules-partner", "base", "extra", "optional"];

    /// <summary>Whether a package name is a kernel's: <c>kernel[-FLAVOUR][-SUBPACKAGE]</c> from the lists above.</summary>
    public static bool IsKernel(string name) => name is not null && KernelName().IsMatch(name);

    /// <summary>
    /// The flavour a package of a kernel's family carries (<c>rt</c> for <c>kernel-rt-core</c> and
    /// <c>kernel-rt-devel</c>), or null for the plain kernel's (<c>kernel-core</c>, <c>kernel-devel</c>).
    /// </summary>
    public static string? FlavourOf(string name)
    {
        var match = name is null ? null : Family().Match(name);
        return match is { Success: true } && match.Groups["flavour"].Success ? match.Groups["flavour"].Value : null;
    }

    /// <summary>
    /// Whether <paramref name="name"/> belongs to the release of the kernel package <paramref name="kernelName"/>
    /// when both have one version: a package of the same kernel family and flavour (<c>kernel-rt-modules</c> and
    /// <c>kernel-rt-devel</c> of <c>kernel-rt-core</c>, not <c>kernel-core</c>).
    /// </summary>
    public static bool SameFlavour(string name, string kernelName) =>
        name is not null && kernelName is not null && Family().IsMatch(name) && Family().IsMatch(kernelName) && FlavourOf(name) == FlavourOf(kernelName);

    [GeneratedRegex(@"^kernel(-(?<flavour>rt-64k-debug|rt-64k|rt-debug|64k-debug|16k-debug|rt|64k|16k|debug|lt|ml|uek|default|azure|aws|gcp|64kb|kvmsmall|zfcpdump|vanilla|preempt|automotive|zstream))?(-(?<sub>modules-core|modules-extra|modules-internal|modules-partner|modules|core|base|extra|optional))?$")]
    private static partial Regex KernelName();

    [GeneratedRegex(@"^kernel(-(?<flavour>rt-64k-debug|rt-64k|rt-debug|64k-debug|16k-debug|rt|64k|16k|debug|lt|ml|uek|default|azure|aws|gcp|64kb|kvmsmall|zfcpdump|vanilla|preempt|automotive|zstream))?(-[A-Za-z0-9_.+-]+)?$")]
    private static partial Regex Family();
}

namespace Kabigate.Formats.Repodata;

/// <summary>
/// One dependency of a package as primary.xml writes it: <c>&lt;rpm:entry name flags epoch ver rel pre/&gt;</c>.
/// A kernel's kABI is its <c>kernel(sym) = 0xCRC</c> provides (<see cref="Version"/> holds the CRC text).
/// </summary>
/// <param name="Name">The capability, e.g. <c>kernel(printk)</c>, <c>kernel-uname-r</c>, <c>/bin/sh</c> or a rich
/// dependency such as <c>(a or b)</c>.</param>
/// <param name="Flags">The comparison: <c>EQ</c>, <c>LT</c>, <c>LE</c>, <c>GT</c> or <c>GE</c>; null when unversioned.</param>
/// <param name="Epoch">The epoch. createrepo_c writes <c>epoch="0"</c> for every versioned entry, also when the
/// package gave none, so 0 and absent cannot be told apart.</param>
/// <param name="Version">The version, or null.</param>
/// <param name="Release">The release, or null.</param>
/// <param name="Pre">True for <c>pre="1"</c>: a requirement of an install scriptlet (<c>Requires(pre)</c>,
/// <c>Requires(post)</c>).</param>
public sealed record RepoDependency(string Name, string? Flags, int? Epoch, string? Version, string? Release, bool Pre);

/// <summary>One <c>&lt;package&gt;</c> of primary.xml: identity, where the package file is, and its dependencies.</summary>
/// <param name="Name">The package name.</param>
/// <param name="Arch">The architecture (<c>x86_64</c>, <c>noarch</c>, <c>src</c>, …).</param>
/// <param name="Epoch">The epoch, or null when the attribute is absent (createrepo_c writes 0 for none).</param>
/// <param name="Version">The version.</param>
/// <param name="Release">The release.</param>
/// <param name="LocationHref">The package file, relative to the repository base (or to <paramref name="LocationBase"/>).</param>
/// <param name="PackageSize">The package file's size in bytes, or null when absent.</param>
/// <param name="ChecksumType">The package file's checksum algorithm (<c>sha256</c>, …), or null when absent.</param>
/// <param name="Checksum">The package file's checksum in hexadecimal, or null when absent.</param>
/// <param name="Provides">The <c>rpm:provides</c> entries, in document order.</param>
/// <param name="Requires">The <c>rpm:requires</c> entries, in document order. createrepo_c leaves out
/// <c>rpmlib(…)</c> requirements and those the package satisfies itself.</param>
/// <param name="Conflicts">The <c>rpm:conflicts</c> entries, in document order.</param>
/// <param name="LocationBase">The <c>xml:base</c> of <c>&lt;location&gt;</c> (a URL the file is relative to instead of
/// the repository base), or null when absent.</param>
public sealed record RepoPackage(
    string Name,
    string Arch,
    int? Epoch,
    string Version,
    string Release,
    string LocationHref,
    long? PackageSize,
    string? ChecksumType,
    string? Checksum,
    IReadOnlyList<RepoDependency> Provides,
    IReadOnlyList<RepoDependency> Requires,
    IReadOnlyList<RepoDependency> Conflicts,
    string? LocationBase = null)
{
    /// <summary>The package as rpm names it: <c>name-[epoch:]version-release.arch</c>, the epoch only when non-zero.</summary>
    public string Nevra => Epoch is int e && e != 0 ? $"{Name}-{e}:{Version}-{Release}.{Arch}" : $"{Name}-{Version}-{Release}.{Arch}";
}

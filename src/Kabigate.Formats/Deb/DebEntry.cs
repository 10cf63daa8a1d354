namespace Kabigate.Formats.Deb;

/// <summary>A regular file from a Debian package's data archive.</summary>
/// <param name="Path">The path inside the package, relative: <c>usr/src/linux-headers-6.1.0-50-amd64/Module.symvers</c>.</param>
/// <param name="Data">The file's bytes.</param>
public sealed record DebEntry(string Path, byte[] Data);

/// <summary>The identity of a Debian binary package, from its <c>control</c> file.</summary>
/// <param name="Package">The <c>Package</c> field, e.g. <c>linux-headers-6.1.0-50-amd64</c>.</param>
/// <param name="Version">The <c>Version</c> field, e.g. <c>6.1.176-1</c> (with an epoch when there is one).</param>
/// <param name="Architecture">The <c>Architecture</c> field, e.g. <c>amd64</c> or <c>all</c>.</param>
public sealed record DebControl(string Package, string Version, string Architecture)
{
    /// <summary>The <c>Depends</c> field as written (continuation lines joined with a space), or empty.</summary>
    public string Depends { get; init; } = "";
}

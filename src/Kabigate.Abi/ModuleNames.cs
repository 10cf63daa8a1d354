namespace Kabigate.Abi;

/// <summary>The kernel's module naming rules.</summary>
public static class ModuleNames
{
    /// <summary>
    /// The name the kernel knows a module by: the file or symvers path's last component without
    /// <c>.ko</c> and compression suffixes, with <c>-</c> replaced by <c>_</c> (as modprobe and the loader do).
    /// </summary>
    public static string Normalize(string pathOrName)
    {
        var name = pathOrName;
        var slash = name.LastIndexOf('/');
        if (slash >= 0)
            name = name[(slash + 1)..];
        foreach (var suffix in new[] { ".xz", ".zst", ".gz", ".bz2" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                name = name[..^suffix.Length];
                break;
            }
        }
        if (name.EndsWith(".ko", StringComparison.Ordinal))
            name = name[..^3];
        return name.Replace('-', '_');
    }
}

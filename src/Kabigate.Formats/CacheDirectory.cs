namespace Kabigate.Formats;

/// <summary>kabigate's cache folder, shared by the apt downloads, repository metadata and the package index.</summary>
public static class CacheDirectory
{
    /// <summary><c>$XDG_CACHE_HOME/kabigate</c>, else <c>~/.cache/kabigate</c>.</summary>
    public static string Root()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "kabigate");
    }
}

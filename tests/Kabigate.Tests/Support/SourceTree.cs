namespace Kabigate.Tests.Support;

/// <summary>The checkout the tests were built from (where tests/, tests/rpms and packaging/dnf are).</summary>
internal static class SourceTree
{
    private static readonly Lazy<string> Found = new(Find);

    public static string Root => Found.Value;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "packaging", "dnf", "kabigate.py")))
                return dir.FullName;
        }

        throw new InvalidOperationException("cannot find the checkout above " + AppContext.BaseDirectory);
    }
}

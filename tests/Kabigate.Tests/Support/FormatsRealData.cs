using Xunit;

namespace Kabigate.Tests.Support;

/// <summary>
/// Real files the "real data" tests read, with where they come from. Each test is skipped (not failed) when its file
/// is absent, and carries the trait <c>Category=RealData</c> so it can be filtered out.
/// </summary>
internal static class FormatsRealData
{
    /// <summary>Debian 12's <c>linux-headers-6.1.0-47-amd64</c> (apt-get install), 25k rows, 5-column format.</summary>
    public const string DebianSymvers = "/usr/src/linux-headers-6.1.0-47-amd64/Module.symvers";

    /// <summary>
    /// The directory of real .debs: <c>$KABIGATE_TEST_DEBS</c>; else <c>/tmp/debcache</c> (filled by
    /// <c>apt-get download linux-headers-6.1.0-50-amd64</c> and friends); else the <c>debs</c> folder of the shared
    /// test-data cache that tests/prepare-data.sh fills (<c>$KABIGATE_TEST_DATA</c>, default
    /// <c>~/.cache/kabigate-tests</c>).
    /// </summary>
    public static string DebDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("KABIGATE_TEST_DEBS") is { Length: > 0 } explicitDir)
                return explicitDir;
            if (Directory.Exists("/tmp/debcache"))
                return "/tmp/debcache";
            string cache = Environment.GetEnvironmentVariable("KABIGATE_TEST_DATA") is { Length: > 0 } data
                ? data
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kabigate-tests");
            return Path.Combine(cache, "debs");
        }
    }

    /// <summary>The pattern of the real headers package the .deb tests read.</summary>
    public const string HeadersDebPattern = "linux-headers-6.1.0-*-amd64_*.deb";

    /// <summary>The pattern of the real kernel image package.</summary>
    public const string ImageDebPattern = "linux-image-6.1.0-*-amd64_*.deb";

    /// <summary>The first <see cref="HeadersDebPattern"/> match (no flavour such as cloud or rt), or null.</summary>
    public static string? HeadersDeb => FindDeb(HeadersDebPattern);

    /// <summary>The first .deb matching <paramref name="pattern"/>, skipping the cloud and rt flavours, or null.</summary>
    public static string? FindDeb(string pattern)
    {
        if (!Directory.Exists(DebDirectory))
            return null;
        return Directory.EnumerateFiles(DebDirectory, pattern)
            .Where(p => !System.IO.Path.GetFileName(p).Contains("-cloud-", StringComparison.Ordinal)
                && !System.IO.Path.GetFileName(p).Contains("-rt-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }
}

/// <summary>A fact that is skipped when a real-data file is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealDataFactAttribute : FactAttribute
{
    public RealDataFactAttribute(string path)
    {
        if (!File.Exists(path))
            Skip = $"real data '{path}' is not present";
    }
}

/// <summary>A theory that is skipped when a real-data file is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealDataTheoryAttribute : TheoryAttribute
{
    public RealDataTheoryAttribute(string path)
    {
        if (!File.Exists(path))
            Skip = $"real data '{path}' is not present";
    }
}

/// <summary>A fact that is skipped when no .deb matching a pattern is found in <see cref="FormatsRealData.DebDirectory"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealDebFactAttribute : FactAttribute
{
    public RealDebFactAttribute(string pattern)
    {
        if (FormatsRealData.FindDeb(pattern) is null)
            Skip = $"no {pattern} in '{FormatsRealData.DebDirectory}'";
    }
}

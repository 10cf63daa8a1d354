using System.Globalization;
using System.Security.Cryptography;
using Kabigate.Formats.Repodata;

namespace Kabigate.Formats.Sources;

/// <summary>What a poll of a watched source found.</summary>
/// <param name="Fingerprint">What the source looks like now; the next poll compares against it.</param>
/// <param name="Changed">The sources to ingest because they are new or changed (empty when nothing changed).</param>
public sealed record WatchProbeResult(string Fingerprint, IReadOnlyList<string> Changed);

/// <summary>
/// Tells whether a watched source changed since a fingerprint, as cheaply as the source allows:
/// <list type="bullet">
/// <item>an http(s) repository: one conditional GET of <c>repodata/repomd.xml</c> (304, or the same checksum: unchanged);</item>
/// <item>a local repository (a folder holding <c>repodata/repomd.xml</c>): the checksum of that file;</item>
/// <item><c>apt:GLOB</c>: the package names apt offers that match it; each new name is a change;</item>
/// <item>another folder (a drop folder): its files' names, sizes and times; each new or changed file is a change;</item>
/// <item>a file: its size and time.</item>
/// </list>
/// </summary>
public static class WatchProbe
{
    /// <summary>The most files a drop folder may hold.</summary>
    public const int MaxFolderEntries = 10_000;

    /// <summary>Probes a source against the fingerprint of its last successful poll (null: never polled).</summary>
    /// <exception cref="ModuleFormatException">The source cannot be reached or read.</exception>
    /// <exception cref="IOException">A local source cannot be read.</exception>
    public static WatchProbeResult Probe(string source, string? previous, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.StartsWith(AptCache.Prefix, StringComparison.Ordinal))
            return Listing(source, [.. AptCache.Names(source[AptCache.Prefix.Length..])], previous, name => AptCache.Prefix + name);
        if (source.StartsWith("http://", StringComparison.Ordinal) || source.StartsWith("https://", StringComparison.Ordinal))
            return HttpRepository(source, previous, cancellationToken);
        if (Directory.Exists(source))
        {
            var repomd = Path.Combine(source, "repodata", "repomd.xml");
            if (File.Exists(repomd))
                return Whole(source, "sha256:" + Sha256(InputFiles.ReadAllBytes(repomd, RepomdReader.DefaultMaxBytes)), previous);
            return Listing(source, Folder(source), previous, line => Path.Combine(source, line[..line.IndexOf('\t', StringComparison.Ordinal)]));
        }
        if (File.Exists(source))
        {
            var file = new FileInfo(source);
            return Whole(source, $"{file.Length}\t{file.LastWriteTimeUtc.Ticks}", previous);
        }
        throw new ModuleFormatException(source, "no such file, folder, repository or apt: pattern");
    }

    private static WatchProbeResult HttpRepository(string source, string? previous, CancellationToken cancellationToken)
    {
        var baseUri = new Uri(source.EndsWith('/') ? source : source + "/");
        var (etag, modified, checksum) = ParseHttp(previous);
        using var http = new RepoHttp(RpmRepositoryOptions.Default);
        var response = http.GetIfChanged(new Uri(baseUri, "repodata/repomd.xml"), etag, modified, RepomdReader.DefaultMaxBytes, cancellationToken);
        var sum = response.NotModified ? checksum : Sha256(response.Body!);
        var fingerprint = $"{response.ETag}\n{response.LastModified}\n{sum}";
        return new WatchProbeResult(fingerprint, previous is not null && sum == checksum ? [] : [source]);
    }

    private static (string? ETag, string? Modified, string? Checksum) ParseHttp(string? fingerprint)
    {
        var parts = fingerprint?.Split('\n');
        if (parts is not { Length: 3 })
            return (null, null, null);
        return (Empty(parts[0]), Empty(parts[1]), Empty(parts[2]));

        static string? Empty(string text) => text.Length == 0 ? null : text;
    }

    private static WatchProbeResult Whole(string source, string fingerprint, string? previous) =>
        new(fingerprint, fingerprint == previous ? [] : [source]);

    /// <summary>A fingerprint that is a sorted list of lines: the lines not in the previous list are the changes.</summary>
    private static WatchProbeResult Listing(string source, List<string> lines, string? previous, Func<string, string> toSource)
    {
        var before = previous is null ? [] : previous.Split('\n').ToHashSet(StringComparer.Ordinal);
        var changed = lines.Where(l => !before.Contains(l)).Select(toSource).ToList();
        return new WatchProbeResult(string.Join('\n', lines), changed);
    }

    private static List<string> Folder(string folder)
    {
        var lines = new List<string>();
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles())
        {
            if (file.Name.StartsWith('.'))
                continue; // a partial upload or an editor's file
            if (lines.Count == MaxFolderEntries)
                throw new ModuleFormatException(folder, $"holds more than {MaxFolderEntries} files; watch a smaller folder");
            if (file.Name.Contains('\n', StringComparison.Ordinal) || file.Name.Contains('\t', StringComparison.Ordinal))
                throw new ModuleFormatException(Path.Combine(folder, file.Name), "a file name with a tab or newline cannot be watched");
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{file.Name}\t{file.Length}\t{file.LastWriteTimeUtc.Ticks}"));
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

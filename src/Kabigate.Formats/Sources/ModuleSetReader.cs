using System.Collections.Concurrent;
using Kabigate.Abi;
using Kabigate.Formats.Deb;

namespace Kabigate.Formats.Sources;

/// <summary>An input that could not be read, with the one-line reason.</summary>
/// <param name="Source">The file, directory, package or member.</param>
/// <param name="Message">The reason, starting with the source.</param>
public sealed record SourceError(string Source, string Message);

/// <summary>Modules read from the user's arguments, and the inputs that failed.</summary>
/// <param name="Modules">Every module read, ordered by path.</param>
/// <param name="Errors">Every input that failed, in argument order.</param>
/// <param name="Warnings">Findings about inputs that were read (a kmod package whose declared requirements disagree with its modules).</param>
public sealed record ModuleSet(IReadOnlyList<ModuleImage> Modules, IReadOnlyList<SourceError> Errors, IReadOnlyList<SourceError> Warnings);

/// <summary>
/// Reads modules from files (plain or compressed), directories searched recursively, Debian packages and
/// <c>apt:PACKAGE</c>. A bad input is reported and the others are still read.
/// </summary>
public static class ModuleSetReader
{
    private const long MaxMemberBytes = InputLimits.MaxModuleBytes;
    private static readonly string[] ModuleSuffixes = [".ko", ".ko.xz", ".ko.zst", ".ko.gz", ".ko.bz2"];

    /// <summary>Whether a file name is a module's (used to walk directories and packages; files named directly are sniffed).</summary>
    public static bool IsModuleFileName(string path) => ModuleSuffixes.Any(s => path.EndsWith(s, StringComparison.Ordinal));

    /// <summary>Reads every module the arguments name.</summary>
    /// <param name="sources">Files, directories, .debs or <c>apt:PACKAGE</c>.</param>
    /// <param name="log">Receives progress lines (downloads).</param>
    /// <param name="progress">Receives (done, total) as module files are read.</param>
    public static ModuleSet Read(IEnumerable<string> sources, Action<string>? log = null, IProgress<(int Done, int Total)>? progress = null)
    {
        var modules = new ConcurrentBag<ModuleImage>();
        var errors = new List<SourceError>();
        var warnings = new List<SourceError>();
        var files = new List<string>();
        foreach (var source in sources)
        {
            try
            {
                if (source.StartsWith(AptCache.Prefix, StringComparison.Ordinal))
                    ReadDeb(AptCache.Fetch(source[AptCache.Prefix.Length..], log), modules, errors);
                else if (RepositorySources.TryParse(source, out var location, out _))
                    RepositorySources.ReadModules(location, (name, stream) => PackageModules.ReadRpm(name, stream, modules, errors, warnings));
                else if (Directory.Exists(source))
                {
                    var found = EnumerateModuleFiles(source).ToList();
                    if (found.Count == 0)
                        errors.Add(new SourceError(source, $"{source}: no kernel modules (*.ko, *.ko.xz, *.ko.zst, *.ko.gz) in this directory"));
                    files.AddRange(found);
                }
                else if (!File.Exists(source))
                    errors.Add(new SourceError(source, $"{source}: no such file or directory"));
                else
                {
                    switch (SourceSniffer.SniffFile(source))
                    {
                        case SourceKind.Deb:
                            ReadDeb(source, modules, errors);
                            break;
                        case SourceKind.Rpm:
                            PackageModules.ReadRpmFile(source, modules, errors, warnings);
                            break;
                        case SourceKind.Iso:
                            PackageModules.ReadIso(source, modules, errors, warnings);
                            break;
                        default:
                            files.Add(source);
                            break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(new SourceError(source, Describe(source, e)));
            }
        }

        var fileErrors = new ConcurrentBag<(int Index, SourceError Error)>();
        var done = 0;
        Parallel.For(0, files.Count, i =>
        {
            try
            {
                modules.Add(ModuleFileReader.Read(files[i]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                fileErrors.Add((i, new SourceError(files[i], Describe(files[i], e))));
            }
            progress?.Report((Interlocked.Increment(ref done), files.Count));
        });
        errors.AddRange(fileErrors.OrderBy(e => e.Index).Select(e => e.Error));
        return new ModuleSet(modules.OrderBy(m => m.Path, StringComparer.Ordinal).ToList(), errors, warnings);
    }

    /// <summary>Module files below a directory, in ordinal order.</summary>
    public static IEnumerable<string> EnumerateModuleFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = 0 })
            .Where(IsModuleFileName)
            .Order(StringComparer.Ordinal);

    /// <summary>One line for a failed input: the reader's message, or the path and the system's reason.</summary>
    public static string Describe(string source, Exception e) => e switch
    {
        ModuleFormatException => e.Message,
        UnauthorizedAccessException => $"{source}: cannot read: permission denied",
        FileNotFoundException or DirectoryNotFoundException => $"{source}: no such file or directory",
        _ => $"{source}: cannot read: {e.Message}",
    };

    private static void ReadDeb(string path, ConcurrentBag<ModuleImage> modules, List<SourceError> errors)
    {
        var before = modules.Count;
        using var stream = File.OpenRead(path);
        foreach (var entry in DebReader.ReadDataEntries(stream, path, IsModuleFileName, MaxMemberBytes))
        {
            var member = $"{path}!{entry.Path}";
            try
            {
                modules.Add(ModuleFileReader.Read(entry.Data, member));
            }
            catch (ModuleFormatException e)
            {
                errors.Add(new SourceError(member, e.Message));
            }
        }
        if (modules.Count == before)
            errors.Add(new SourceError(path, $"{path}: this package holds no kernel modules"));
    }
}

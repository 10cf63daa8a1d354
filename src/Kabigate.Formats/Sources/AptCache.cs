using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kabigate.Formats.Sources;

/// <summary>
/// The <c>apt:PACKAGE</c> source: <c>apt-get download</c> into kabigate's cache folder, reusing a .deb already there.
/// </summary>
public static partial class AptCache
{
    /// <summary>The prefix that marks an apt source.</summary>
    public const string Prefix = "apt:";

    [GeneratedRegex("^[a-z0-9][a-z0-9+.-]+$")]
    private static partial Regex PackageName();

    /// <summary>Returns the path of the package's .deb in the cache, downloading it when absent.</summary>
    /// <param name="package">The Debian package name.</param>
    /// <param name="log">Receives a line about each download.</param>
    /// <exception cref="ModuleFormatException">The name is not a package name, or apt cannot download it.</exception>
    public static string Fetch(string package, Action<string>? log = null)
    {
        var source = Prefix + package;
        if (!PackageName().IsMatch(package))
            throw new ModuleFormatException(source, "not a Debian package name");
        var dir = Path.Combine(CacheDirectory.Root(), "apt");
        Directory.CreateDirectory(dir);
        var cached = Find(dir, package);
        if (cached is not null)
            return cached;
        log?.Invoke($"downloading {package} with apt-get into {dir}");
        var (ok, error) = Download(dir, package);
        if (!ok && (error.Contains("Unable to locate package", StringComparison.Ordinal) || error.Contains("has no installation candidate", StringComparison.Ordinal)))
        {
            // A fresh machine has no package lists yet: refresh them once and try again.
            log?.Invoke("apt-get could not find it; running apt-get update once");
            RunApt(dir, "update", null);
            (ok, error) = Download(dir, package);
        }
        if (!ok)
            throw new ModuleFormatException(source, $"apt-get download failed: {error}");
        return Find(dir, package) ?? throw new ModuleFormatException(source, "apt-get download succeeded but left no .deb");
    }

    /// <summary>The names of the packages apt knows that match a glob (<c>linux-headers-6.1.0-*-amd64</c>), in order.</summary>
    /// <exception cref="ModuleFormatException">The pattern cannot name packages, or apt-cache cannot be run.</exception>
    public static IReadOnlyList<string> Names(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        int wild = pattern.IndexOfAny(['*', '?', '[']);
        var prefix = wild < 0 ? pattern : pattern[..wild];
        if (!PackageGlob().IsMatch(pattern))
            throw new ModuleFormatException(Prefix + pattern, "not a Debian package name or glob");
        var info = new ProcessStartInfo("apt-cache") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("pkgnames");
        if (prefix.Length > 0)
            info.ArgumentList.Add(prefix);
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException("apt-cache did not start");
            var stderrTask = process.StandardError.ReadToEndAsync();
            var names = new List<string>();
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (names.Count < MaxListedNames && PackageName().IsMatch(line) && Kabigate.Abi.Glob.Matches(pattern, line))
                    names.Add(line);
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new ModuleFormatException(Prefix + pattern, $"apt-cache pkgnames exited with {process.ExitCode}: {stderrTask.Result.ReplaceLineEndings(" ").Trim()}");
            names.Sort(StringComparer.Ordinal);
            return names;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ModuleFormatException(Prefix + pattern, $"cannot run apt-cache ({e.Message}); apt: sources need a Debian-based system");
        }
    }

    /// <summary>Enough for any archive's kernel packages; a pattern matching more is cut there.</summary>
    private const int MaxListedNames = 10_000;

    [GeneratedRegex("^[a-z0-9*?\\[][a-z0-9+.*?\\[\\]!-]*$")]
    private static partial Regex PackageGlob();

    private static string? Find(string dir, string package) =>
        Directory.EnumerateFiles(dir, package + "_*.deb").Order(StringComparer.Ordinal).LastOrDefault();

    /// <summary>Downloads into a private folder and moves the .deb into the cache only when complete.</summary>
    private static (bool Ok, string Error) Download(string dir, string package)
    {
        var partial = Path.Combine(dir, $".partial-{Environment.ProcessId}-{package}");
        Directory.CreateDirectory(partial);
        try
        {
            var result = RunApt(partial, "download", package);
            if (result.Ok)
            {
                foreach (var deb in Directory.EnumerateFiles(partial, "*.deb"))
                    File.Move(deb, Path.Combine(dir, Path.GetFileName(deb)), overwrite: true);
            }
            return result;
        }
        finally
        {
            Directory.Delete(partial, recursive: true);
        }
    }

    private static (bool Ok, string Error) RunApt(string dir, string verb, string? package)
    {
        var info = new ProcessStartInfo("apt-get") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-q");
        info.ArgumentList.Add(verb);
        if (package is not null)
            info.ArgumentList.Add(package);
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException("apt-get did not start");
            var stderrTask = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var errors = stderrTask.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("E:", StringComparison.Ordinal)).ToList();
            return (process.ExitCode == 0, errors.Count > 0 ? string.Join(" ", errors) : $"apt-get exited with {process.ExitCode}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, $"cannot run apt-get ({e.Message}); apt: sources need a Debian-based system");
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Deb;
using Kabigate.Formats.Recipes;
using Kabigate.Formats.Sources;

namespace Kabigate.Build;

/// <summary>A recipe ready to build: its source tree on disk, what it builds, and the digest of its sources.</summary>
/// <param name="Entry">The registration.</param>
/// <param name="Name">The kmod's name.</param>
/// <param name="SourceDirectory">The source tree (a DKMS package's /usr/src/NAME-VERSION, unpacked); for an SRPM recipe, the .src.rpm.</param>
/// <param name="Digest">SHA-256 of the source files (names and contents, build outputs left out): a changed recipe is a new one.</param>
/// <param name="Modules">The module names it builds.</param>
/// <param name="Dkms">The DKMS configuration, or null for a kbuild or SRPM recipe.</param>
/// <param name="Srpm">The source RPM as read, or null for a kbuild or DKMS recipe.</param>
public sealed record PreparedRecipe(RecipeEntry Entry, string Name, string SourceDirectory, string Digest, IReadOnlyList<string> Modules, DkmsConf? Dkms, SourceRpm? Srpm = null)
{
    /// <summary>The kmod's version, for packages: DKMS's PACKAGE_VERSION, the SRPM's VERSION, or null (then the modules' <c>version=</c>).</summary>
    public string? Version => Dkms?.PackageVersion ?? Srpm?.Package.Version;
}

/// <summary>Turns a registered recipe into a <see cref="PreparedRecipe"/>: fetches and unpacks a DKMS package, reads dkms.conf, the Kbuild's obj-m or a source RPM.</summary>
public static class RecipeSources
{
    /// <summary>The most a DKMS package's source tree may unpack to.</summary>
    public const long MaxTreeBytes = 256L << 20;

    /// <summary>The most files a source tree may hold.</summary>
    public const int MaxTreeFiles = 20_000;

    /// <summary>Prepares a recipe.</summary>
    /// <param name="entry">The registration.</param>
    /// <param name="note">Receives a line about downloads and unpacking.</param>
    /// <exception cref="ModuleFormatException">The source is not a recipe of its kind (one line).</exception>
    /// <exception cref="IOException">The source cannot be read.</exception>
    public static PreparedRecipe Prepare(RecipeEntry entry, Action<string>? note = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind == RecipeKind.Kbuild)
        {
            if (!Directory.Exists(entry.Path))
                throw new ModuleFormatException(entry.Path, "no such kbuild source directory");
            var modules = entry.Modules.Count > 0 ? entry.Modules : KbuildModules.Read(entry.Path);
            if (modules.Count == 0)
                throw new ModuleFormatException(entry.Path, "its Kbuild/Makefile names no obj-m object: name the modules in the recipe ('modules = [...]')");
            return new PreparedRecipe(entry, entry.Name, entry.Path, Digest(entry.Path), modules, null);
        }
        if (entry.Kind == RecipeKind.Srpm)
        {
            if (!File.Exists(entry.Path))
                throw new ModuleFormatException(entry.Path, "no such source RPM");
            var srpm = SourceRpm.Read(entry.Path);
            var modules = entry.Modules.Count > 0 ? entry.Modules
                : srpm.KmodName is { } kmod ? [kmod]
                : throw new ModuleFormatException(entry.Path, "its spec defines no kmod_name: name the modules in the recipe ('modules = [...]')");
            string digest;
            using (var stream = File.OpenRead(entry.Path))
                digest = Convert.ToHexStringLower(SHA256.HashData(stream));
            var srpmName = entry.Origin.StartsWith("--recipe", StringComparison.Ordinal) ? srpm.Name : entry.Name;
            return new PreparedRecipe(entry, srpmName, Path.GetFullPath(entry.Path), digest, modules, null, srpm);
        }
        var tree = entry.Path;
        if (tree.StartsWith(AptCache.Prefix, StringComparison.Ordinal))
            tree = AptCache.Fetch(tree[AptCache.Prefix.Length..], note);
        if (File.Exists(tree))
            tree = Unpack(tree, note);
        var confPath = Path.Combine(tree, "dkms.conf");
        if (!File.Exists(confPath))
            throw new ModuleFormatException(entry.Path, "not a DKMS source tree: no dkms.conf");
        var conf = DkmsConfReader.Read(confPath);
        var name = entry.Origin.StartsWith("--recipe", StringComparison.Ordinal) ? conf.PackageName : entry.Name;
        return new PreparedRecipe(entry, name, tree, Digest(tree), [.. conf.Modules.Select(m => m.Name)], conf);
    }

    /// <summary>
    /// Unpacks the /usr/src/NAME-VERSION tree of a <c>*-dkms</c> .deb into the cache (once per package content),
    /// written to a private folder and renamed into place, so a reader never sees half a tree.
    /// </summary>
    private static string Unpack(string deb, Action<string>? note)
    {
        string hash;
        using (var stream = File.OpenRead(deb))
            hash = Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
        var target = Path.Combine(CacheDirectory.Root(), "dkms", hash);
        if (Directory.Exists(target))
            return Tree(target, deb);
        note?.Invoke($"unpacking the DKMS source of {deb} into {target}");
        var partial = $"{target}.partial-{Environment.ProcessId}";
        if (Directory.Exists(partial))
            Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        long total = 0;
        int files = 0;
        try
        {
            foreach (var entry in DebReader.ReadDataEntries(deb, p => p.StartsWith("usr/src/", StringComparison.Ordinal), MaxTreeBytes))
            {
                var relative = entry.Path["usr/src/".Length..];
                if (relative.Split('/').Any(part => part is "" or "." or ".."))
                    throw new ModuleFormatException(deb, $"'{entry.Path}' is not a plain path below usr/src");
                total += entry.Data.Length;
                if (++files > MaxTreeFiles || total > MaxTreeBytes)
                    throw new ModuleFormatException(deb, $"its usr/src tree is over {MaxTreeFiles} files or {MaxTreeBytes >> 20} MiB");
                var file = Path.Combine(partial, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllBytes(file, entry.Data);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(partial, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another kabigate unpacked the same package first: its tree is the same content.
            Directory.Delete(partial, recursive: true);
        }
        catch
        {
            if (Directory.Exists(partial))
                Directory.Delete(partial, recursive: true);
            throw;
        }
        return Tree(target, deb);
    }

    private static string Tree(string unpacked, string deb)
    {
        var trees = Directory.EnumerateDirectories(unpacked).Where(d => File.Exists(Path.Combine(d, "dkms.conf"))).ToList();
        return trees.Count == 1 ? trees[0]
            : throw new ModuleFormatException(deb, trees.Count == 0 ? "not a DKMS package: no /usr/src/NAME-VERSION/dkms.conf" : $"{trees.Count} DKMS trees in /usr/src; kabigate takes a package with one");
    }

    /// <summary>The digest of a source tree: every file's relative path and bytes, in ordinal order, build outputs left out.</summary>
    public static string Digest(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/'))
            .Where(f => !IsBuildOutput(f))
            .Order(StringComparer.Ordinal)
            .Take(MaxTreeFiles + 1)
            .ToList();
        if (files.Count > MaxTreeFiles)
            throw new ModuleFormatException(directory, $"over {MaxTreeFiles} files: not a module source tree");
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            hash.AppendData(InputFiles.ReadAllBytes(Path.Combine(directory, file), MaxTreeBytes));
            hash.AppendData("\0"u8);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static bool IsBuildOutput(string relative)
    {
        var name = Path.GetFileName(relative);
        return name.EndsWith(".o", StringComparison.Ordinal) || name.EndsWith(".ko", StringComparison.Ordinal) || name.EndsWith(".mod", StringComparison.Ordinal)
            || name.EndsWith(".mod.c", StringComparison.Ordinal) || name.EndsWith(".cmd", StringComparison.Ordinal)
            || name is "Module.symvers" or "modules.order" || name.StartsWith(".tmp", StringComparison.Ordinal);
    }
}

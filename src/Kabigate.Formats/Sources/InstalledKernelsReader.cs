using System.Collections.Concurrent;
using Kabigate.Abi;

namespace Kabigate.Formats.Sources;

/// <summary>The kernels installed below a root directory, and the files that could not be read.</summary>
/// <param name="Root">The root, a full path without a trailing slash (<c>/</c> for the running system).</param>
/// <param name="Kernels">Every <c>ROOT/lib/modules/RELEASE</c> directory, ordered by release.</param>
/// <param name="Errors">Every module or symvers file that could not be read.</param>
public sealed record InstalledTree(string Root, IReadOnlyList<InstalledKernel> Kernels, IReadOnlyList<SourceError> Errors)
{
    /// <summary>The full path of a file below <c>ROOT/lib/modules/RELEASE</c>.</summary>
    public string PathOf(string release, string relativePath) => System.IO.Path.Combine(ModulesDirectory(Root), release, relativePath);

    /// <summary><c>ROOT/lib/modules</c>.</summary>
    public static string ModulesDirectory(string root) => System.IO.Path.Combine(root, "lib", "modules");
}

/// <summary>
/// Reads what weak-modules looks at below a root: for each <c>lib/modules/RELEASE</c>, its symvers
/// (<c>lib/modules/RELEASE/symvers.gz</c> or <c>boot/symvers-RELEASE.gz</c>, also .xz, .zst or plain), its modules
/// (the tree, then <c>extra/</c> and <c>updates/</c> apart) and the entries of its <c>weak-updates/</c>.
/// </summary>
/// <remarks>
/// The out-of-tree modules are read first. Of a kernel's own tree only what can matter is read then: below
/// <c>kernel/</c>, which the kernel package installed and its symvers describes, the modules the symvers says export a
/// symbol some out-of-tree module imports (a module it does not list exports nothing); every module elsewhere in the
/// tree; nothing of a kernel without symvers, which is no target. On a system with a few kmods that is a few dozen
/// files per kernel instead of thousands. Each set is read in parallel.
/// </remarks>
public static class InstalledKernelsReader
{
    private static readonly string[] OutOfTreeDirectories = ["extra", "updates"];
    private const string WeakUpdatesDirectory = "weak-updates";
    private static readonly string[] Skipped = ["build", "source", WeakUpdatesDirectory, .. OutOfTreeDirectories];
    private static readonly string[] SymversSuffixes = [".gz", ".xz", ".zst", ""];

    private sealed record KernelFiles(string Release, string Directory, List<string> InTree, List<string> OutOfTree, List<(string Path, FileSystemInfo Entry)> WeakEntries)
    {
        /// <summary>Regular files in weak-updates/: modules of the kernel's own, for depmod.</summary>
        public IEnumerable<string> WeakFiles => WeakEntries.Where(e => e.Entry.LinkTarget is null).Select(e => e.Path);
    }

    private sealed record Symvers(string? Path, IReadOnlyList<KernelExport>? Rows, SourceError? Error);

    /// <summary>Reads every kernel below <paramref name="root"/>.</summary>
    /// <param name="root">The system's root directory: <c>/</c>, or an image or chroot.</param>
    /// <param name="progress">Receives (done, total) as module files are read.</param>
    /// <exception cref="ModuleFormatException">The root does not exist or has no <c>lib/modules</c> directory.</exception>
    /// <exception cref="IOException">A directory cannot be listed.</exception>
    public static InstalledTree Read(string root, IProgress<(int Done, int Total)>? progress = null)
    {
        if (!Directory.Exists(root))
            throw new ModuleFormatException(root, "no such directory");
        var full = Path.GetFullPath(root);
        if (full.Length > 1)
            full = full.TrimEnd('/');
        var modulesDir = InstalledTree.ModulesDirectory(full);
        if (!Directory.Exists(modulesDir))
            throw new ModuleFormatException(root, "no lib/modules directory: not a system root");

        var kernels = Directory.EnumerateDirectories(modulesDir).Order(StringComparer.Ordinal).Select(dir => List(dir)).ToList();
        var symvers = new Symvers[kernels.Count];
        var images = new Dictionary<string, ModuleImage>(StringComparer.Ordinal);
        var errors = new List<SourceError>();
        Parallel.Invoke(
            () => Parallel.For(0, kernels.Count, k => symvers[k] = ReadSymvers(full, kernels[k].Release)),
            () => ReadModules(kernels.SelectMany(k => k.OutOfTree.Concat(k.WeakFiles)).ToList(), images, errors, progress));

        var imported = new HashSet<string>(images.Values.SelectMany(m => m.Imports.Select(i => i.Symbol)), StringComparer.Ordinal);
        var wanted = kernels.SelectMany((k, i) => Wanted(full, k, symvers[i], imported)).ToList();
        ReadModules(wanted, images, errors, progress);

        var outOfTree = new Dictionary<string, InstalledModule>(StringComparer.Ordinal);
        var modules = new Dictionary<string, List<InstalledModule>>(StringComparer.Ordinal);
        foreach (var kernel in kernels)
        {
            var list = new List<InstalledModule>();
            foreach (var path in kernel.OutOfTree)
            {
                if (!images.TryGetValue(path, out var image))
                    continue;
                var module = new InstalledModule(image, kernel.Release, Path.GetRelativePath(kernel.Directory, path));
                list.Add(module);
                outOfTree[path] = module;
            }
            modules[kernel.Release] = list;
        }

        var result = new InstalledKernel[kernels.Count];
        Parallel.For(0, kernels.Count, k =>
        {
            var kernel = kernels[k];
            var links = kernel.WeakEntries.Select(e => Link(full, kernel, e.Path, e.Entry, outOfTree)).ToList();
            var (abi, reason) = Abi(full, kernel, symvers[k], images);
            result[k] = new InstalledKernel(kernel.Release, abi, reason, modules[kernel.Release], links);
        });
        errors.AddRange(symvers.Select(s => s.Error).OfType<SourceError>());
        return new InstalledTree(full, result, errors);
    }

    /// <summary>
    /// The files of a kernel's own tree worth reading: below kernel/ those its symvers lists as exporting something
    /// imported, every file elsewhere, and one in-tree module for the vermagic when there is no config. None without symvers.
    /// </summary>
    private static IEnumerable<string> Wanted(string root, KernelFiles kernel, Symvers symvers, HashSet<string> imported)
    {
        if (symvers.Rows is null)
            yield break;
        var listed = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var row in symvers.Rows)
        {
            if (!row.IsVmlinux)
                listed[row.Module] = (listed.TryGetValue(row.Module, out var any) && any) || imported.Contains(row.Symbol);
        }
        var vermagicFrom = Config(root, kernel) is null ? kernel.InTree.FirstOrDefault() : null;
        var packaged = Path.Combine(kernel.Directory, "kernel") + "/";
        foreach (var path in kernel.InTree)
        {
            // kernel/ is what the kernel package installed, and its symvers lists every export there; anything
            // else in the tree (misc/, vendor directories) is read whole.
            var listedAndNeeded = listed.TryGetValue(SymversModule(kernel, path), out var needed) && needed;
            if (path == vermagicFrom || listedAndNeeded || !path.StartsWith(packaged, StringComparison.Ordinal))
                yield return path;
        }
    }

    /// <summary>The Module.symvers module column of a file of the tree: its path below the release without kernel/ and .ko*.</summary>
    private static string SymversModule(KernelFiles kernel, string path)
    {
        var relative = Path.GetRelativePath(kernel.Directory, path);
        if (relative.StartsWith("kernel/", StringComparison.Ordinal))
            relative = relative["kernel/".Length..];
        var ko = relative.LastIndexOf(".ko", StringComparison.Ordinal);
        return ko < 0 ? relative : relative[..ko];
    }

    private static string? Config(string root, KernelFiles kernel) =>
        new[] { Path.Combine(kernel.Directory, "config"), Path.Combine(root, "boot", $"config-{kernel.Release}") }.FirstOrDefault(File.Exists);

    /// <summary>The files of one kernel directory: its tree, its out-of-tree modules and its weak-updates entries.</summary>
    private static KernelFiles List(string dir)
    {
        var files = new KernelFiles(Path.GetFileName(dir), dir, [], [], []);
        foreach (var path in Directory.EnumerateFiles(dir).Where(ModuleSetReader.IsModuleFileName))
            files.InTree.Add(path);
        foreach (var sub in Directory.EnumerateDirectories(dir))
        {
            var name = Path.GetFileName(sub);
            if (!Skipped.Contains(name))
                files.InTree.AddRange(ModuleSetReader.EnumerateModuleFiles(sub));
        }
        foreach (var name in OutOfTreeDirectories)
        {
            var sub = Path.Combine(dir, name);
            if (Directory.Exists(sub))
                files.OutOfTree.AddRange(ModuleSetReader.EnumerateModuleFiles(sub));
        }
        var weak = Path.Combine(dir, WeakUpdatesDirectory);
        if (Directory.Exists(weak) && new DirectoryInfo(weak).LinkTarget is null)
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
            foreach (var entry in new DirectoryInfo(weak).EnumerateFileSystemInfos("*", options).OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                if (ModuleSetReader.IsModuleFileName(entry.Name) && (entry is FileInfo || entry.LinkTarget is not null))
                    files.WeakEntries.Add((entry.FullName, entry));
            }
        }
        return files;
    }

    private static void ReadModules(List<string> files, Dictionary<string, ModuleImage> images, List<SourceError> errors, IProgress<(int Done, int Total)>? progress)
    {
        var read = new ModuleImage?[files.Count];
        var failures = new ConcurrentBag<(int Index, SourceError Error)>();
        var done = 0;
        Parallel.For(0, files.Count, i =>
        {
            try
            {
                read[i] = ModuleFileReader.Read(files[i]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add((i, new SourceError(files[i], ModuleSetReader.Describe(files[i], e))));
            }
            progress?.Report((Interlocked.Increment(ref done), files.Count));
        });
        lock (images)
        {
            for (var i = 0; i < files.Count; i++)
            {
                if (read[i] is ModuleImage image)
                    images[files[i]] = image;
            }
            errors.AddRange(failures.OrderBy(e => e.Index).Select(e => e.Error));
        }
    }

    /// <summary>
    /// What a weak-updates entry is. A link's text is resolved inside the root: an absolute one (weak-modules
    /// makes <c>/lib/modules/R/extra/…</c>) from the root, a relative one from the link's directory.
    /// </summary>
    private static WeakLink Link(string root, KernelFiles kernel, string path, FileSystemInfo entry, Dictionary<string, InstalledModule> outOfTree)
    {
        var relative = Path.GetRelativePath(kernel.Directory, path);
        var text = entry.LinkTarget;
        if (text is null)
            return new WeakLink(relative, null, WeakLinkState.NotALink);
        var resolved = Path.GetFullPath(text.StartsWith('/') ? (root == "/" ? text : root + text) : Path.Combine(Path.GetDirectoryName(path)!, text));
        if (!IsInside(root, resolved) || !File.Exists(resolved))
            return new WeakLink(relative, text, WeakLinkState.Dangling);
        return outOfTree.TryGetValue(resolved, out var module)
            ? new WeakLink(relative, text, WeakLinkState.Module, module)
            : new WeakLink(relative, text, WeakLinkState.Foreign);
    }

    /// <summary>Whether a full path is the root or below it.</summary>
    public static bool IsInside(string root, string fullPath) =>
        root == "/" || fullPath.StartsWith(root + "/", StringComparison.Ordinal);

    /// <summary>The symvers file weak-modules would use for a release, or null.</summary>
    public static string? FindSymvers(string root, string release) =>
        SymversSuffixes.Select(s => Path.Combine(InstalledTree.ModulesDirectory(root), release, "symvers" + s))
            .Concat(SymversSuffixes.Select(s => Path.Combine(root, "boot", $"symvers-{release}{s}")))
            .FirstOrDefault(File.Exists);

    private static Symvers ReadSymvers(string root, string release)
    {
        var path = FindSymvers(root, release);
        if (path is null)
            return new Symvers(null, null, null);
        try
        {
            return new Symvers(path, SymversReader.Read(path), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Symvers(path, null, new SourceError(path, ModuleSetReader.Describe(path, e)));
        }
    }

    /// <summary>
    /// The kernel's ABI: vmlinux from its symvers, plus the exports of the modules of its tree that were read (its
    /// own out-of-tree ones included); the vermagic from its config, else from an in-tree module.
    /// </summary>
    private static (KernelAbi? Abi, string? Reason) Abi(string root, KernelFiles kernel, Symvers symvers, Dictionary<string, ModuleImage> images)
    {
        if (symvers.Rows is null)
        {
            return (null, symvers.Error is null
                ? $"no symvers (looked for lib/modules/{kernel.Release}/symvers.gz and boot/symvers-{kernel.Release}.gz, also .xz, .zst or plain)"
                : $"its symvers cannot be read ({symvers.Error.Message})");
        }
        var exports = symvers.Rows.Where(r => r.IsVmlinux).ToList();
        foreach (var path in kernel.InTree.Concat(kernel.OutOfTree).Concat(kernel.WeakFiles))
        {
            if (images.TryGetValue(path, out var image))
                exports.AddRange(KernelFacts.ModuleExports(image, Path.GetRelativePath(kernel.Directory, path)));
        }
        // The vermagic of the kernel's own tree, never of a module installed for it from elsewhere.
        var inTree = kernel.InTree.Select(p => images.GetValueOrDefault(p)).OfType<ModuleImage>();
        var config = Config(root, kernel);
        var (vermagic, reason, loader) = KernelFacts.Magic(config is null ? null : InputFiles.ReadAllBytes(config, InputLimits.MaxTextFileBytes), inTree, kernel.Release,
            "neither a config nor an in-tree module to take the vermagic from");
        return (new KernelAbi(kernel.Release, exports, kernel.Directory, vermagic, reason, loader) { ModuleStructSize = KernelFacts.ModuleStructSize(inTree), UsesExportFlagsTable = KernelFacts.UsesExportFlagsTable(inTree) }, null);
    }
}

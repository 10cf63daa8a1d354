using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Kabigate.Abi;
using Kabigate.Formats.Installer;
using Kabigate.Formats.Iso;
using Kabigate.Formats.Kernel;

namespace Kabigate.Formats.Sources;

/// <summary>
/// Installer images as kernels: a kernel image and the initramfs it boots with, whose modules are all a driver update
/// disk's modules may depend on. Debian's netboot installer (<c>debian-installer/ARCH/linux</c> and <c>initrd.gz</c>,
/// in the <c>debian-installer-N-netboot-ARCH</c> package, unpacked, or the pair's directory) and an Anaconda boot ISO
/// (<c>images/pxeboot/vmlinuz</c> and <c>initrd.img</c>, or its unpacked tree). The ABI is the vmlinuz's recovered
/// exports plus the exports of the initramfs's modules (<c>lib/modules/R/</c> or <c>usr/lib/modules/R/</c>); vermagic
/// and sizeof(struct module) come from those modules, the release from their directory (else the bzImage's
/// version string).
/// </summary>
internal static partial class InstallerKernels
{
    /// <summary>Where Anaconda's boot ISO keeps the installer's kernel and initramfs.</summary>
    private const string PxebootKernel = "images/pxeboot/vmlinuz";

    private const string PxebootInitrd = "images/pxeboot/initrd.img";

    /// <summary>The pairs, kernel then initramfs, as their distributions name them.</summary>
    private static readonly (string Kernel, string Initrd)[] PairNames = [("linux", "initrd.gz"), ("vmlinuz", "initrd.img")];

    /// <summary>A member of an installer package: <c>…/debian-installer/ARCH/linux</c> or <c>initrd.gz</c>.</summary>
    [GeneratedRegex(@"(?:^|/)debian-installer/[^/]+/(?:linux|initrd\.gz)$")]
    private static partial Regex DebianInstallerMember();

    [GeneratedRegex(@"^(?:usr/)?lib/modules/(?<r>[^/]+)/(?<rest>.+)$")]
    private static partial Regex ModulePath();

    /// <summary>Whether a package member is one of a Debian installer's kernel and initramfs.</summary>
    public static bool IsPackageMember(string path) => DebianInstallerMember().IsMatch(path);

    /// <summary>
    /// Collects a package's installer members (<see cref="IsPackageMember"/>) as they stream in, and reads each image
    /// as soon as its kernel and initramfs have both come, so that a package of several installers holds one at a time.
    /// </summary>
    /// <param name="package">The package, named before each member in errors.</param>
    /// <param name="options">The release, when an image does not tell it.</param>
    internal sealed class PackageMembers(string package, KernelSourceOptions options)
    {
        private readonly Dictionary<string, (byte[]? Kernel, byte[]? Initrd)> _pending = new(StringComparer.Ordinal);
        private readonly List<KernelAbi> _kernels = [];

        /// <summary>Whether any installer member was seen.</summary>
        public bool Any { get; private set; }

        /// <summary>Takes a member; false when it is not an installer's (the caller reads it as usual).</summary>
        /// <exception cref="ModuleFormatException">The image it completes is malformed.</exception>
        public bool TryTake(string path, byte[] data)
        {
            if (!IsPackageMember(path))
                return false;
            Any = true;
            var slash = path.LastIndexOf('/');
            var directory = slash < 0 ? "" : path[..(slash + 1)];
            var (kernel, initrd) = _pending.GetValueOrDefault(directory);
            if (path.EndsWith("/initrd.gz", StringComparison.Ordinal) || path == "initrd.gz")
                initrd = data;
            else
                kernel = data;
            if (kernel is null || initrd is null)
            {
                _pending[directory] = (kernel, initrd);
                return true;
            }
            _pending.Remove(directory);
            using var stream = new MemoryStream(initrd, writable: false);
            _kernels.Add(FromPair($"{package}!{directory.TrimEnd('/')}", kernel, directory + "linux", stream, directory + "initrd.gz", package, options));
            return true;
        }

        /// <summary>The kernels read, in the package's order.</summary>
        /// <exception cref="ModuleFormatException">An image lacks its kernel or its initramfs.</exception>
        public IReadOnlyList<KernelAbi> Kernels()
        {
            foreach (var (directory, (kernel, _)) in _pending)
                throw new ModuleFormatException(package, kernel is null ? $"installer initrd.gz in '{directory}' has no kernel ('linux') beside it" : $"installer kernel '{directory}linux' has no initrd.gz beside it");
            return [.. _kernels.OrderBy(k => k.Source, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// The installer images in a directory: the directory itself holding a pair (<c>linux</c> + <c>initrd.gz</c>,
    /// <c>vmlinuz</c> + <c>initrd.img</c>), an unpacked boot ISO (<c>images/pxeboot/</c>), or an unpacked netboot
    /// package or tarball (every <c>debian-installer/ARCH/</c> below it). Empty when it holds none.
    /// </summary>
    public static IReadOnlyList<(string Kernel, string Initrd)> FindInDirectory(string directory)
    {
        foreach (var (kernel, initrd) in PairNames)
        {
            if (File.Exists(Path.Combine(directory, kernel)) && File.Exists(Path.Combine(directory, initrd)))
                return [(Path.Combine(directory, kernel), Path.Combine(directory, initrd))];
        }
        if (File.Exists(Path.Combine(directory, PxebootKernel)) && File.Exists(Path.Combine(directory, PxebootInitrd)))
            return [(Path.Combine(directory, PxebootKernel), Path.Combine(directory, PxebootInitrd))];
        string[] roots = [Path.Combine(directory, "debian-installer"), Path.Combine(directory, "usr/lib/debian-installer")];
        var found = new List<(string, string)>();
        foreach (var root in roots.Where(Directory.Exists))
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 8, AttributesToSkip = 0 };
            foreach (var linux in Directory.EnumerateFiles(root, "linux", options).Order(StringComparer.Ordinal))
            {
                var initrd = Path.Combine(Path.GetDirectoryName(linux)!, "initrd.gz");
                if (Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(linux))) == "debian-installer" && File.Exists(initrd))
                    found.Add((linux, initrd));
            }
        }
        return found;
    }

    /// <summary>The kernels of the installer images <see cref="FindInDirectory"/> found.</summary>
    /// <exception cref="ModuleFormatException">An image is malformed.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static IReadOnlyList<KernelAbi> FromFiles(IReadOnlyList<(string Kernel, string Initrd)> pairs, KernelSourceOptions options) =>
        [.. pairs.Select(pair =>
        {
            var vmlinuz = InputFiles.ReadAllBytes(pair.Kernel, InputLimits.MaxKernelImageBytes);
            FileBytes.RequireRegularFile(pair.Initrd);
            using var initrd = File.OpenRead(pair.Initrd);
            return FromPair(Path.GetDirectoryName(pair.Kernel)!, vmlinuz, pair.Kernel, initrd, pair.Initrd, null, options);
        })];

    /// <summary>Whether an ISO image is an installer's boot image (it holds <c>images/pxeboot/vmlinuz</c> and <c>initrd.img</c>).</summary>
    /// <exception cref="ModuleFormatException">The image is malformed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static bool IsBootIso(string path)
    {
        using var image = Iso9660Reader.Open(path);
        return FindPxeboot(image) is not null;
    }

    /// <summary>The installer kernel of a boot ISO.</summary>
    /// <exception cref="ModuleFormatException">The image is malformed, or holds no installer kernel (a driver update disk).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static KernelAbi FromIso(string path, KernelSourceOptions options)
    {
        using var image = Iso9660Reader.Open(path);
        var (kernel, initrd) = FindPxeboot(image) ?? throw new ModuleFormatException(path, DriverUpdateDisk.FindAll(image).Length > 0
            ? "this is a driver update disk, not an installer's boot image: give it as a module argument"
            : $"this ISO image holds no installer kernel ('{PxebootKernel}' and '{PxebootInitrd}')");
        var vmlinuz = image.ReadFile(kernel, InputLimits.MaxKernelImageBytes);
        using var stream = image.OpenFile(initrd);
        return FromPair($"{path}!images/pxeboot", vmlinuz, $"{path}!{kernel.Path}", stream, $"{path}!{initrd.Path}", null, options);
    }

    /// <summary>Whether an opened ISO image holds an installer's kernel and initramfs.</summary>
    public static bool HasPxeboot(IsoImage image) => FindPxeboot(image) is not null;

    private static (IsoEntry Kernel, IsoEntry Initrd)? FindPxeboot(IsoImage image)
    {
        var comparison = image.Naming == IsoNaming.Iso9660 ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var kernel = image.Entries.FirstOrDefault(e => !e.IsDirectory && string.Equals(e.Path, PxebootKernel, comparison));
        var initrd = image.Entries.FirstOrDefault(e => !e.IsDirectory && string.Equals(e.Path, PxebootInitrd, comparison));
        return kernel is not null && initrd is not null ? (kernel, initrd) : null;
    }

    /// <summary>One image: the kernel's exports and the initramfs's modules.</summary>
    /// <param name="source">The kernel's source name.</param>
    /// <param name="vmlinuz">The kernel image's bytes.</param>
    /// <param name="vmlinuzName">Its name (a path, or a member path when <paramref name="container"/> is set).</param>
    /// <param name="initrd">The initramfs, seekable.</param>
    /// <param name="initrdName">Its name.</param>
    /// <param name="container">The package holding both, named before each member in errors; null for files.</param>
    /// <param name="options">The release, when the image does not tell it.</param>
    private static KernelAbi FromPair(string source, byte[] vmlinuz, string vmlinuzName, Stream initrd, string initrdName, string? container, KernelSourceOptions options)
    {
        string kernelName = container is null ? vmlinuzName : $"{container}!{vmlinuzName}";
        string initrdSource = container is null ? initrdName : $"{container}!{initrdName}";
        var exportsTask = Task.Run(() => VmlinuxReader.ReadExports(vmlinuz, kernelName));
        var releases = new SortedSet<string>(StringComparer.Ordinal);
        var members = InitrdReader.ReadEntries(initrd, initrdSource, IsInitrdModule, InputLimits.MaxModuleBytes)
            .Select(e =>
            {
                var match = ModulePath().Match(e.Path);
                releases.Add(match.Groups["r"].Value);
                return ($"lib/modules/{match.Groups["r"].Value}/{match.Groups["rest"].Value}", e.Data);
            });
        PackageKernels.Payload payload;
        try
        {
            payload = PackageKernels.Collect(initrdSource, members);
        }
        finally
        {
            try
            {
                exportsTask.Wait();
            }
            catch (AggregateException)
            {
                // Reported below, unless the initramfs failed first.
            }
        }
        if (payload.ModuleErrors.Count > 0)
            throw new ModuleFormatException(initrdSource, $"{payload.ModuleErrors.Count} module(s) cannot be read; first: {payload.ModuleErrors[0].Message}");
        var vmlinuxExports = exportsTask.GetAwaiter().GetResult();
        var release = options.Release ?? (releases.Count switch
        {
            1 => releases.Min!,
            0 => BzImageRelease(vmlinuz) ?? throw new ModuleFormatException(source, "the initramfs holds no modules and the kernel image names no release: name it SOURCE#RELEASE"),
            _ => throw new ModuleFormatException(initrdSource, $"the initramfs holds modules of {releases.Count} releases ({string.Join(", ", releases)}): name one SOURCE#RELEASE"),
        });
        var modules = payload.Modules.Where(m => releases.Count <= 1 || ModuleRelease(m) == release).ToList();
        var exports = new List<KernelExport>(vmlinuxExports);
        foreach (var module in modules)
        {
            var path = module.Path[(module.Path.LastIndexOf('!') + 1)..];
            exports.AddRange(KernelFacts.ModuleExports(module, ModulePath().Match(path).Groups["rest"].Value));
        }
        var (vermagic, reason, loader) = KernelFacts.Magic(null, modules, release, "the installer image carries neither a kernel .config nor in-tree modules");
        return new KernelAbi(release, exports, source, vermagic, reason, loader)
        {
            ModuleStructSize = KernelFacts.ModuleStructSize(modules),
            ModuleStructUnknownReason = "the installer's initramfs carries no in-tree modules",
        };
    }

    private static bool IsInitrdModule(string path) => ModulePath().IsMatch(path) && ModuleSetReader.IsModuleFileName(path);

    private static string ModuleRelease(ModuleImage module) =>
        ModulePath().Match(module.Path[(module.Path.LastIndexOf('!') + 1)..]).Groups["r"].Value;

    /// <summary>The release a bzImage's setup header names (<c>kernel_version</c>: "6.1.0-50-amd64 (debian-kernel@…) #1 …"), or null.</summary>
    internal static string? BzImageRelease(ReadOnlySpan<byte> image)
    {
        if (!VmlinuxReader.IsBzImage(image) || image.Length < BzImageLayout.KernelVersionOffset + 2)
            return null;
        int pointer = BinaryPrimitives.ReadUInt16LittleEndian(image[BzImageLayout.KernelVersionOffset..]);
        long start = (long)pointer + BzImageLayout.KernelVersionBase;
        if (pointer == 0 || start >= image.Length)
            return null;
        var text = image[(int)start..];
        int end = text.IndexOfAny((byte)' ', (byte)0);
        return end > 0 ? Encoding.ASCII.GetString(text[..end]) : null;
    }
}

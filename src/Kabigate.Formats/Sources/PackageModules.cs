using System.Collections.Concurrent;
using Kabigate.Abi;
using Kabigate.Formats.Iso;
using Kabigate.Formats.Rpm;

namespace Kabigate.Formats.Sources;

/// <summary>
/// The modules inside kmod packages: an .rpm (its payload's .ko files, and its declared kABI requirements checked
/// against them), a repository's kmod packages, and a driver update disk's RPMs.
/// </summary>
internal static class PackageModules
{
    private const long MaxPackageBytes = 4L << 30;
    private const long MaxMemberBytes = InputLimits.MaxModuleBytes;

    public static void ReadRpmFile(string path, ConcurrentBag<ModuleImage> modules, List<SourceError> errors, List<SourceError> warnings)
    {
        using var stream = File.OpenRead(path);
        ReadRpm(path, stream, modules, errors, warnings);
    }

    /// <summary>Reads one kmod RPM from a stream (buffered once: header and payload are read in two passes).</summary>
    public static void ReadRpm(string source, Stream rpm, ConcurrentBag<ModuleImage> modules, List<SourceError> errors, List<SourceError> warnings)
    {
        var buffer = Buffer(rpm, source);
        var package = RpmReader.Read(new MemoryStream(buffer.GetBuffer(), 0, (int)buffer.Length, writable: false), source);
        var found = new List<ModuleImage>();
        buffer.Position = 0;
        foreach (var entry in RpmReader.ReadPayloadEntries(buffer, source, ModuleSetReader.IsModuleFileName, MaxMemberBytes))
        {
            var member = $"{source}!{entry.Path}";
            try
            {
                found.Add(ModuleFileReader.Read(entry.Data, member));
            }
            catch (ModuleFormatException e)
            {
                errors.Add(new SourceError(member, e.Message));
            }
        }
        if (found.Count == 0)
        {
            errors.Add(new SourceError(source, $"{source}: package '{package.Nevra}' holds no kernel modules"));
            return;
        }
        foreach (var module in found)
            modules.Add(module);
        var requires = package.Requires.Select(r => KabiDependency.Parse(r.Name, RpmRelations.Of(r.Flags), r.Version)).OfType<KabiDependency>().ToList();
        var provides = package.Provides.Select(p => KabiDependency.Parse(p.Name, RpmRelations.Of(p.Flags), p.Version)).OfType<KabiDependency>();
        if (!requires.Any(r => r.Symbol is not null))
            warnings.Add(new SourceError(source, $"{source}: package '{package.Nevra}' declares no kABI requirements (kernel(sym), ksym(sym)): package managers cannot tell which kernels it needs"));
        else
        {
            foreach (var finding in DeclaredRequirements.Compare(package.Nevra, requires, provides, found))
                warnings.Add(new SourceError(source, finding));
        }
    }

    /// <summary>Reads the RPMs of every driver update disk on an ISO image.</summary>
    public static void ReadIso(string path, ConcurrentBag<ModuleImage> modules, List<SourceError> errors, List<SourceError> warnings)
    {
        using var image = Iso9660Reader.Open(path);
        var disks = DriverUpdateDisk.FindAll(image);
        var rpms = disks.Length > 0
            ? disks.SelectMany(d => d.Architectures.SelectMany(a => a.Rpms)).ToList()
            : image.Entries.Where(e => !e.IsDirectory && e.Path.EndsWith(".rpm", StringComparison.Ordinal)).ToList();
        if (rpms.Count == 0)
        {
            errors.Add(new SourceError(path, InstallerKernels.HasPxeboot(image)
                ? $"{path}: this is an installer's boot image (images/pxeboot/vmlinuz and initrd.img), a kernel: give it as --kernel"
                : $"{path}: the image holds no driver update disk (rhdd3) and no .rpm"));
            return;
        }
        foreach (var entry in rpms)
        {
            var member = $"{path}!{entry.Path}";
            try
            {
                using var stream = image.OpenFile(entry);
                ReadRpm(member, stream, modules, errors, warnings);
            }
            catch (ModuleFormatException e)
            {
                errors.Add(new SourceError(member, e.Message));
            }
        }
    }

    private static MemoryStream Buffer(Stream stream, string source)
    {
        var memory = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (memory.Length + read > MaxPackageBytes)
                throw new ModuleFormatException(source, $"package larger than {MaxPackageBytes} bytes");
            memory.Write(chunk, 0, read);
        }
        memory.Position = 0;
        return memory;
    }
}

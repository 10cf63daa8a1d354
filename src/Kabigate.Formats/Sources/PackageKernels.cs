using System.Text.RegularExpressions;
using Kabigate.Abi;
using Kabigate.Formats.Kernel;
using Kabigate.Formats.Rpm;

namespace Kabigate.Formats.Sources;

/// <summary>
/// A kernel ABI from what a kernel package holds, in this order: a symvers file in its payload
/// (<c>/boot/symvers-R.gz</c>, <c>/lib/modules/R/symvers.gz</c>, a headers package's Module.symvers); its
/// <c>kernel(sym) = 0xCRC</c> provides (RHEL); its <c>ksym(flavor:sym) = crc</c> provides (SUSE); or, for an image
/// package with none of these (Debian linux-image), the exports recovered from its vmlinuz plus those of its modules.
/// </summary>
internal static partial class PackageKernels
{
    private const long MaxMemberBytes = InputLimits.MaxKernelImageBytes;

    [GeneratedRegex(@"^boot/vmlinu[xz]-(?<r>[^/]+)$|^lib/modules/(?<r>[^/]+)/vmlinuz$")]
    private static partial Regex Vmlinuz();

    [GeneratedRegex(@"^usr/src/(?:linux-headers-|kernels/)[^/]+/vmlinux$")]
    private static partial Regex HeadersVmlinux();

    [GeneratedRegex(@"^boot/config-(?<r>[^/]+)$|^lib/modules/(?<r>[^/]+)/config$|^usr/src/(?:linux-headers-|kernels/)(?<r>[^/]+)/\.config$")]
    private static partial Regex Config();

    /// <summary>What a package's payload holds that tells a kernel's ABI.</summary>
    internal sealed class Payload
    {
        public (string Path, byte[] Data)? Symvers { get; set; }
        public (string Path, byte[] Data)? Vmlinuz { get; set; }

        /// <summary>The BTF-only vmlinux of a headers package (Debian's since 6.12): where sizeof(struct module) is read.</summary>
        public (string Path, byte[] Data)? HeadersVmlinux { get; set; }

        /// <summary>The kernel image's exports, recovered on another core while the rest of the payload streams in.</summary>
        public Task<IReadOnlyList<KernelExport>>? VmlinuzExports { get; private set; }
        public (string Release, byte[] Data)? Config { get; set; }
        public byte[]? UtsRelease { get; set; }
        public List<ModuleImage> Modules { get; } = [];
        public List<SourceError> ModuleErrors { get; } = [];

        public static bool Wanted(string path) =>
            KernelSourceReader.IsSymversMember(path) || Vmlinuz().IsMatch(path) || Config().IsMatch(path) || HeadersVmlinux().IsMatch(path)
            || path.EndsWith("include/generated/utsrelease.h", StringComparison.Ordinal)
            || (path.StartsWith("lib/modules/", StringComparison.Ordinal) && ModuleSetReader.IsModuleFileName(path));

        public void Add(string source, string path, byte[] data)
        {
            if (KernelSourceReader.IsSymversMember(path))
                Symvers = (path, data);
            else if (Vmlinuz().Match(path) is { Success: true })
            {
                Vmlinuz = (path, data);
                VmlinuzExports = Task.Run(() => VmlinuxReader.ReadExports(data, $"{source}!{path}"));
            }
            else if (HeadersVmlinux().IsMatch(path))
                HeadersVmlinux = (path, data);
            else if (Config().Match(path) is { Success: true } config)
                Config = (config.Groups["r"].Value, data);
            else if (path.EndsWith("include/generated/utsrelease.h", StringComparison.Ordinal))
                UtsRelease = data;
            else
            {
                var member = $"{source}!{path}";
                try
                {
                    Modules.Add(ModuleFileReader.Read(data, member));
                }
                catch (ModuleFormatException e)
                {
                    ModuleErrors.Add(new SourceError(member, e.Message));
                }
            }
        }
    }

    /// <summary>
    /// Feeds package members to the payload on a second thread, so that parsing modules and decoding vmlinuz
    /// overlap with decompressing the package (which is one xz stream, decoded on one core).
    /// </summary>
    public static Payload Collect(string source, IEnumerable<(string Path, byte[] Data)> members)
    {
        var payload = new Payload();
        using var queue = new System.Collections.Concurrent.BlockingCollection<(string Path, byte[] Data)>(boundedCapacity: 256);
        // The queue is bounded in bytes too: members of a package can be large, and a few hundred of them queued
        // would hold gigabytes. The producer waits while the queue holds more than the budget (unless it is empty).
        using var queuedBytes = new QueuedBytes(InputLimits.ModuleSharedBytes * 4);
        var consumer = Task.Run(() =>
        {
            foreach (var (path, data) in queue.GetConsumingEnumerable())
            {
                queuedBytes.Remove(data.Length);
                payload.Add(source, path, data);
            }
        });
        try
        {
            foreach (var member in members)
            {
                queuedBytes.Add(member.Data.Length, consumer);
                queue.Add(member);
            }
        }
        finally
        {
            queue.CompleteAdding();
            consumer.GetAwaiter().GetResult();
        }
        return payload;
    }

    /// <summary>A count of bytes waiting in a queue, that an adder waits on while it is over a budget.</summary>
    private sealed class QueuedBytes(long budget) : IDisposable
    {
        private readonly SemaphoreSlim _changed = new(0);
        private long _bytes;

        public void Add(long bytes, Task consumer)
        {
            while (Interlocked.Read(ref _bytes) > 0 && Interlocked.Read(ref _bytes) + bytes > budget && !consumer.IsCompleted)
                _changed.Wait(TimeSpan.FromMilliseconds(50));
            Interlocked.Add(ref _bytes, bytes);
        }

        public void Remove(long bytes)
        {
            Interlocked.Add(ref _bytes, -bytes);
            _changed.Release();
        }

        public void Dispose() => _changed.Dispose();
    }

    /// <summary>Reads a kernel RPM.</summary>
    public static KernelAbi FromRpm(string path, KernelSourceOptions options)
    {
        using var stream = File.OpenRead(path);
        return FromRpm(stream, path, options);
    }

    /// <summary>Reads a kernel RPM from a seekable stream at its start.</summary>
    public static KernelAbi FromRpm(Stream rpm, string path, KernelSourceOptions options)
    {
        var package = RpmReader.Read(rpm, path);
        rpm.Position = 0;
        var payload = Collect(path, RpmReader.ReadPayloadEntries(rpm, path, Payload.Wanted, MaxMemberBytes).Select(e => (e.Path, e.Data)));
        var releaseFromPackage = package.Provides.FirstOrDefault(p => p.Name is "kernel-uname-r" or "kernel-core-uname-r")?.Version
            ?? $"{package.Version}-{package.Release}.{package.Arch}";
        if (payload.Symvers is not null || payload.Vmlinuz is not null)
            return FromPayload(path, payload, options.Release ?? releaseFromPackage, options);
        var provided = FromProvides(package.Provides.Select(p => (p.Name, RpmRelations.Of(p.Flags), p.Version)), path,
            options.Release ?? releaseFromPackage, payload);
        return provided ?? throw new ModuleFormatException(path,
            $"'{package.Nevra}' is not a kernel package: no symvers or vmlinuz in its payload and no kernel(sym) or ksym(flavor:sym) provides");
    }

    /// <summary>
    /// A kernel from kABI provides alone (RPM headers or repository metadata): vmlinux exports with CRCs, but no
    /// export kinds, namespaces or vermagic. Null when nothing provided is a kABI symbol.
    /// </summary>
    public static KernelAbi? FromProvides(IEnumerable<(string Name, string Op, string? Version)> provides, string source, string release, Payload? payload = null)
    {
        var exports = new List<KernelExport>();
        foreach (var (name, op, version) in provides)
        {
            var dependency = KabiDependency.Parse(name, op, version);
            if (dependency?.Kind is KabiDependencyKind.KernelSymbol or KabiDependencyKind.FlavorSymbol)
                exports.Add(new KernelExport(dependency.Symbol!, dependency.Crc, "vmlinux", ExportKind.Plain, null));
        }
        if (exports.Count == 0)
            return null;
        foreach (var module in payload?.Modules ?? [])
            exports.AddRange(ModuleExports(module, release));
        var (vermagic, reason, loader) = Magic(payload, release, "package metadata lists CRCs only");
        return new KernelAbi(release, exports, source, vermagic, reason, loader, "the package's kernel(sym)/ksym(sym) provides carry CRCs only")
        {
            ModuleStructSize = KernelFacts.ModuleStructSize(payload?.Modules ?? []),
            UsesExportFlagsTable = KernelFacts.UsesExportFlagsTable(payload?.Modules ?? []),
        };
    }

    /// <summary>A kernel from a package payload: its symvers, or its vmlinuz's recovered exports; plus its modules' exports.</summary>
    public static KernelAbi FromPayload(string source, Payload payload, string fallbackRelease, KernelSourceOptions options)
    {
        if (payload.ModuleErrors.Count > 0)
            throw new ModuleFormatException(source, $"{payload.ModuleErrors.Count} module(s) cannot be read; first: {payload.ModuleErrors[0].Message}");
        string release;
        List<KernelExport> exports;
        if (payload.Symvers is var (symversPath, symversData))
        {
            release = options.Release ?? KernelFacts.ReleaseFromUts(payload.UtsRelease) ?? KernelSourceReader.ReleaseFromSymversPath(symversPath) ?? fallbackRelease;
            exports = [.. SymversReader.Read(symversData, $"{source}!{symversPath}")];
            var listed = exports.Select(e => e.Symbol).ToHashSet(StringComparer.Ordinal);
            foreach (var module in payload.Modules)
                exports.AddRange(ModuleExports(module, release).Where(e => !listed.Contains(e.Symbol)));
        }
        else
        {
            var (vmlinuzPath, vmlinuzData) = payload.Vmlinuz!.Value;
            var match = Vmlinuz().Match(vmlinuzPath);
            release = options.Release ?? match.Groups["r"].Value;
            try
            {
                exports = [.. (payload.VmlinuzExports ?? Task.Run(() => VmlinuxReader.ReadExports(vmlinuzData, $"{source}!{vmlinuzPath}"))).GetAwaiter().GetResult()];
            }
            catch (AggregateException e) when (e.InnerException is ModuleFormatException inner)
            {
                throw inner;
            }
            foreach (var module in payload.Modules)
                exports.AddRange(ModuleExports(module, release));
        }
        var (vermagic, reason, loader) = Magic(payload, release, "the package carries neither a kernel .config nor in-tree modules");
        var (btfStructSize, btf) = KernelFacts.VmlinuxBtf(payload.HeadersVmlinux?.Data, $"{source}!{payload.HeadersVmlinux?.Path}");
        return new KernelAbi(release, exports, source, vermagic, reason, loader)
        {
            ModuleStructSize = KernelFacts.ModuleStructSize(payload.Modules) ?? btfStructSize,
            UsesExportFlagsTable = KernelFacts.UsesExportFlagsTable(payload.Modules),
            Btf = btf,
        };
    }

    /// <summary>A packaged module's exports; its member path names its place below /lib/modules/R/.</summary>
    private static IEnumerable<KernelExport> ModuleExports(ModuleImage module, string release)
    {
        var path = module.Path[(module.Path.IndexOf('!', StringComparison.Ordinal) + 1)..];
        var prefix = $"lib/modules/{release}/";
        return KernelFacts.ModuleExports(module, path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : path);
    }

    private static (string? Vermagic, string? Reason, LoaderConfig? Loader) Magic(Payload? payload, string release, string unknown) =>
        KernelFacts.Magic(payload?.Config?.Data, payload?.Modules ?? [], release, unknown);
}

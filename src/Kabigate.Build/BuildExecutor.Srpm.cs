using Kabigate.Formats;
using Kabigate.Formats.Rpm;

namespace Kabigate.Build;

public static partial class BuildExecutor
{
    /// <summary>The defines kabigate gives rpmbuild for an SRPM recipe (documented in docs/kabigate.md).</summary>
    public static class SrpmDefines
    {
        /// <summary>ELRepo's define: the kernel release without the <c>.ARCH</c> their specs append (<see cref="SourceRpm.KmodKernelVersion"/>).</summary>
        public const string KmodKernelVersion = "kmod_kernel_version";

        /// <summary>The headers directory (for a spec that takes it; ELRepo's look in <c>%{_usrsrc}/kernels/%{kmod_kernel_version}.%{_arch}</c>).</summary>
        public const string KernelSource = "kernel_source";

        /// <summary>The full kernel release (<c>uname -r</c>).</summary>
        public const string KernelRelease = "kmod_kernel_release";
    }

    /// <summary>
    /// An SRPM recipe: the .src.rpm (already read by <see cref="SourceRpm.Read"/>) copied into the scratch directory
    /// and rebuilt by <c>rpmbuild --rebuild --nodeps</c> with <c>_topdir</c> in the scratch directory and the
    /// <see cref="SrpmDefines"/>, in the clean environment of every build (the spec's scriptlets run with the caller's
    /// rights, as rpmbuild runs them anywhere: the scratch directory, the environment and the timeout are the only
    /// walls). <c>--nodeps</c>: the headers come from kabigate, not from the rpm database (a spec's
    /// <c>BuildRequires: kernel-devel = …</c> could not be met on a Debian host). Every .ko of every package it made
    /// (debuginfo and debugsource packages left out) is read back with kabigate's RPM reader into
    /// <paramref name="moduleDirectory"/>: the modules verified are the ones the package carries.
    /// </summary>
    private static (BuildStatus Status, IReadOnlyList<string> Packages, string? Problem) RunSrpm(
        StreamWriter log, SourceRpm srpm, BuildJob job, string headers, string scratch, string moduleDirectory, CancellationToken cancel)
    {
        foreach (var (what, value) in new[] { ("headers directory", headers), ("scratch directory", scratch), ("kernel release", job.Release) })
        {
            if (!IsPlainDefine(value))
                return Fail(log, $"the {what} '{value}' has characters an rpm define cannot hold (letters, digits, '/', '_', '.', '-', '+')");
        }
        var source = Path.Combine(scratch, "source.src.rpm");
        File.Copy(srpm.Path, source);
        var top = Path.Combine(scratch, "rpmbuild");
        var status = Execute(log, scratch, job.Timeout, cancel, Environment(scratch, []), "rpmbuild", "--rebuild", "--nodeps",
            "--define", $"_topdir {top}",
            "--define", $"{SrpmDefines.KmodKernelVersion} {SourceRpm.KmodKernelVersion(job.Release)}",
            "--define", $"{SrpmDefines.KernelRelease} {job.Release}",
            "--define", $"{SrpmDefines.KernelSource} {headers}",
            source);
        if (status != BuildStatus.Built)
            return (status, [], null);
        var rpms = Path.Combine(top, "RPMS");
        var packages = new List<string>();
        Directory.CreateDirectory(moduleDirectory);
        var taken = new Dictionary<string, string>(StringComparer.Ordinal);
        var built = Directory.Exists(rpms) ? Directory.EnumerateFiles(rpms, "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList() : [];
        foreach (var rpm in built.Where(r => !Path.GetFileName(r).Contains("-debuginfo-", StringComparison.Ordinal) && !Path.GetFileName(r).Contains("-debugsource-", StringComparison.Ordinal)))
        {
            int found = 0;
            try
            {
                foreach (var entry in RpmReader.ReadPayloadEntries(rpm, p => p.EndsWith(".ko", StringComparison.Ordinal), InputLimits.MaxModuleBytes))
                {
                    var name = Path.GetFileName(entry.Path);
                    if (taken.TryGetValue(name, out var other))
                        return Fail(log, $"{name} is in the packages twice ({other}, {entry.Path}); kabigate takes one build of each module");
                    taken[name] = entry.Path;
                    File.WriteAllBytes(Path.Combine(moduleDirectory, name), entry.Data);
                    log.WriteLine($"# kabigate: took /{entry.Path} from {Path.GetFileName(rpm)}");
                    found++;
                }
            }
            catch (ModuleFormatException e)
            {
                return Fail(log, $"the package rpmbuild made cannot be read: {InputFailures.Describe(e) ?? e.Message}");
            }
            if (found > 0)
                packages.Add(rpm);
        }
        if (packages.Count == 0)
            return Fail(log, built.Count == 0 ? "rpmbuild made no binary package" : $"no package rpmbuild made holds a .ko file ({string.Join(", ", built.Select(Path.GetFileName))})");
        return (BuildStatus.Built, packages, null);

        static (BuildStatus, IReadOnlyList<string>, string?) Fail(StreamWriter log, string why)
        {
            log.WriteLine($"# kabigate: {why}");
            return (BuildStatus.Failed, [], why);
        }
    }

    private static bool IsPlainDefine(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '.' or '-' or '+' or '~');
}

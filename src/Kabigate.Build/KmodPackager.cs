using System.Globalization;
using System.Text;
using Kabigate.Abi;
using Kabigate.Abi.Rebuild;

namespace Kabigate.Build;

/// <summary>Which packages a run makes of each verified build.</summary>
[Flags]
public enum PackageFormats : byte
{
    /// <summary>None: the modules only.</summary>
    None = 0,

    /// <summary>A kmod RPM (ELRepo naming) per build.</summary>
    Rpm = 1,

    /// <summary>A Debian package per kernel that loads the build.</summary>
    Deb = 2,
}

/// <summary>What to package.</summary>
/// <param name="Name">The kmod's name (the recipe's).</param>
/// <param name="Version">Its version (DKMS PACKAGE_VERSION, or the modules' <c>version=</c>).</param>
/// <param name="BuildKernel">The kernel the modules were built against.</param>
/// <param name="Modules">The modules, read (their files are packaged as they are: a signature stays intact).</param>
/// <param name="LoadsOn">The kernels of the class that load the build (a .deb is made for each).</param>
/// <param name="OutputDirectory">Where the packages go.</param>
/// <param name="LogPath">The log the packaging tools' output is appended to.</param>
public sealed record PackageJob(string Name, string Version, KernelAbi BuildKernel, IReadOnlyList<ModuleImage> Modules, IReadOnlyList<string> LoadsOn, string OutputDirectory, string LogPath);

/// <summary>
/// Packages a verified build with the distributions' own tools: <c>rpmbuild -bb</c> on a spec kabigate writes (a kmod
/// RPM named as ELRepo names them, <c>kmod-NAME-VERSION-1.kRELEASE.ARCH</c>, the modules under
/// <c>/lib/modules/R/extra/NAME/</c>, the kABI dependencies of <see cref="KmodDependencyGenerator"/>, no scriptlets:
/// weak-modules and depmod are the kmod package's file triggers' job on RHEL), and <c>dpkg-deb --build</c> (a
/// <c>NAME-modules-R</c> package per kernel, the modules under <c>/lib/modules/R/updates/dkms/</c> as DKMS installs
/// them). Every name and version that reaches a spec or a control file is checked first; nothing from a recipe is
/// ever expanded by rpm (no <c>%</c>, no spaces) or by a shell (none is run).
/// </summary>
public static class KmodPackager
{
    /// <summary>Makes the RPM; returns its path.</summary>
    /// <exception cref="PackagingException">A name cannot be packaged, or rpmbuild failed.</exception>
    public static string Rpm(PackageJob job, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(job);
        var (name, version, release) = RpmNames(job);
        var arch = RpmArch(job.Modules);
        var files = job.Modules.Select(m => Path.GetFileName(m.Path)).ToList();
        KmodDependencies dependencies;
        try
        {
            dependencies = KmodDependencyGenerator.Of(job.Modules, job.BuildKernel, files);
        }
        catch (ArgumentException e)
        {
            throw new PackagingException(e.Message);
        }
        using var work = new PackagingDirectory();
        var stage = Path.Combine(work.Path, "stage");
        Directory.CreateDirectory(stage);
        foreach (var module in job.Modules)
            File.Copy(module.Path, Path.Combine(stage, Path.GetFileName(module.Path)));
        var dir = $"/lib/modules/{job.BuildKernel.Release}/extra/{job.Name}";
        var spec = new StringBuilder();
        spec.Append(CultureInfo.InvariantCulture, $"""
            Name: kmod-{name}
            Version: {version}
            Release: {release}
            Summary: {name} kernel module(s) for {job.BuildKernel.Release}, rebuilt and verified by kabigate
            License: {License(job.Modules)}
            BuildArch: {arch}
            AutoReqProv: no
            Provides: kernel-modules >= {RpmKernelVersion(job.BuildKernel.Release)}
            Provides: {name}-kmod = {version}-{release}

            """);
        foreach (var provide in dependencies.Provides)
            spec.Append("Provides: ").Append(provide).Append('\n');
        foreach (var require in dependencies.Requires)
            spec.Append("Requires: ").Append(require).Append('\n');
        spec.Append(CultureInfo.InvariantCulture, $"""
            %description
            The {name} kernel module(s) built by kabigate against the headers of {job.BuildKernel.Release}, verified to load
            with the loader's rules on {string.Join(' ', job.LoadsOn)}.
            %install
            mkdir -p %{"{buildroot}"}{dir}

            """);
        foreach (var file in files)
            spec.Append(CultureInfo.InvariantCulture, $"cp -p {stage}/{file} %{{buildroot}}{dir}/{file}\n");
        spec.Append("%files\n%defattr(644,root,root,755)\n");
        foreach (var file in files)
            spec.Append(CultureInfo.InvariantCulture, $"{dir}/{file}\n");
        var specPath = Path.Combine(work.Path, $"kmod-{name}.spec");
        File.WriteAllText(specPath, spec.ToString());
        var top = Path.Combine(work.Path, "top");
        // No strip, no debuginfo, no build-id links: the files go in byte for byte (a signature stays valid).
        PackagingTools.Run(job.LogPath, work.Path, timeout, "rpmbuild", "-bb", "--target", arch, "--define", $"_topdir {top}",
            "--define", "__os_install_post %{nil}", "--define", "debug_package %{nil}", "--define", "_build_id_links none", specPath);
        var rpm = Directory.EnumerateFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).SingleOrDefault()
            ?? throw new PackagingException("rpmbuild made no package; see the log");
        Directory.CreateDirectory(job.OutputDirectory);
        var output = Path.Combine(job.OutputDirectory, Path.GetFileName(rpm));
        File.Copy(rpm, output, overwrite: true);
        return output;
    }

    /// <summary>Makes one .deb per kernel that loads the build; returns their paths.</summary>
    /// <exception cref="PackagingException">A name cannot be packaged, or dpkg-deb failed.</exception>
    public static IReadOnlyList<string> Debs(PackageJob job, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(job);
        var arch = job.Modules[0].Elf.Machine switch
        {
            ElfIdentity.MachineX86_64 => "amd64",
            183 => "arm64",
            ElfIdentity.Machine386 => "i386",
            var other => throw new PackagingException($"no Debian architecture for ELF machine {other}"),
        };
        var debName = job.Name.ToLowerInvariant().Replace('_', '-');
        var version = job.Version.Replace('_', '~');
        if (!IsDebName(debName))
            throw new PackagingException($"'{job.Name}' cannot be a Debian package name");
        if (version.Length == 0 || !char.IsAsciiDigit(version[0]) || !version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '~'))
            throw new PackagingException($"'{job.Version}' cannot be a Debian version (a digit first, then letters, digits, '.', '+', '~')");
        var outputs = new List<string>();
        foreach (var release in job.LoadsOn)
        {
            CheckRelease(release);
            var package = $"{debName}-modules-{release.ToLowerInvariant()}";
            if (!IsDebName(package))
                throw new PackagingException($"'{package}' cannot be a Debian package name");
            using var work = new PackagingDirectory();
            var root = Path.Combine(work.Path, "root");
            var dir = Path.Combine(root, "lib", "modules", release, "updates", "dkms");
            Directory.CreateDirectory(dir);
            Directory.CreateDirectory(Path.Combine(root, "DEBIAN"));
            foreach (var module in job.Modules)
                File.Copy(module.Path, Path.Combine(dir, Path.GetFileName(module.Path)));
            File.WriteAllText(Path.Combine(root, "DEBIAN", "control"), $"""
                Package: {package}
                Version: {version}
                Architecture: {arch}
                Maintainer: kabigate <kabigate@localhost>
                Depends: linux-image-{release} | linux-image-{release}-unsigned
                Provides: {debName}-modules
                Section: kernel
                Priority: optional
                Description: {debName} kernel module(s) for {release}, rebuilt and verified by kabigate
                 Built against the headers of {job.BuildKernel.Release}; loads on {release} by the loader's rules.

                """);
            var deb = Path.Combine(work.Path, $"{package}_{version}_{arch}.deb");
            PackagingTools.Run(job.LogPath, work.Path, timeout, "dpkg-deb", "--root-owner-group", "--build", root, deb);
            Directory.CreateDirectory(job.OutputDirectory);
            var output = Path.Combine(job.OutputDirectory, Path.GetFileName(deb));
            File.Copy(deb, output, overwrite: true);
            outputs.Add(output);
        }
        return outputs;
    }

    /// <summary>
    /// A kernel release as an RPM version (one <c>-</c>): Debian's <c>6.1.0-56-amd64</c> becomes <c>6.1.0-56.amd64</c>,
    /// <c>6.1.0-47-cloud-amd64</c> becomes <c>6.1.0-47.cloud_amd64</c>; a release with one dash (RHEL's, Debian's 6.12)
    /// is kept.
    /// </summary>
    public static string RpmKernelVersion(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var parts = release.Split('-');
        return parts.Length <= 2 ? release : $"{parts[0]}-{parts[1]}.{string.Join('_', parts.Skip(2))}";
    }

    private static (string Name, string Version, string Release) RpmNames(PackageJob job)
    {
        if (!KmodDependencyGenerator.IsSafeName(job.Name) || !char.IsAsciiLetterOrDigit(job.Name[0]) || job.Name.Contains('$', StringComparison.Ordinal))
            throw new PackagingException($"'{job.Name}' cannot be an RPM package name (letters, digits, '_', '.', '+', '-')");
        var version = job.Version.Replace('-', '_');
        if (version.Length is 0 or > 64 || !char.IsAsciiLetterOrDigit(version[0]) || !version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '~'))
            throw new PackagingException($"'{job.Version}' cannot be an RPM version (letters, digits, '.', '_', '+', '~')");
        CheckRelease(job.BuildKernel.Release);
        foreach (var release in job.LoadsOn)
            CheckRelease(release);
        foreach (var module in job.Modules)
        {
            if (!KmodDependencyGenerator.IsSafeName(Path.GetFileName(module.Path)))
                throw new PackagingException($"module file '{Path.GetFileName(module.Path)}' cannot be packaged (letters, digits, '_', '.', '+', '-')");
        }
        return (job.Name, version, "1.k" + job.BuildKernel.Release.Replace('-', '_'));
    }

    private static void CheckRelease(string release)
    {
        if (release.Length is 0 or > 128 || !char.IsAsciiLetterOrDigit(release[0]) || !release.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '~' or '-'))
            throw new PackagingException($"kernel release '{release}' cannot be packaged (letters, digits, '.', '_', '+', '~', '-')");
    }

    private static string RpmArch(IReadOnlyList<ModuleImage> modules) => modules[0].Elf.Machine switch
    {
        ElfIdentity.MachineX86_64 => "x86_64",
        183 => "aarch64",
        ElfIdentity.Machine386 => "i686",
        var other => throw new PackagingException($"no RPM architecture for ELF machine {other}"),
    };

    /// <summary>The modules' license when every one names the same safe one, else what RPM calls an unknown one.</summary>
    private static string License(IReadOnlyList<ModuleImage> modules)
    {
        var licenses = modules.Select(m => m.License ?? "").Distinct(StringComparer.Ordinal).ToList();
        return licenses is [var one] && one.Length is > 0 and <= 64 && one.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or '-' or '+' or '/')
            ? one : "LicenseRef-unknown";
    }

    private static bool IsDebName(string name) =>
        name.Length is >= 2 and <= 128 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c is '.' or '+' or '-');
}

/// <summary>A build could not be packaged (one line).</summary>
public sealed class PackagingException(string message) : Exception(message);

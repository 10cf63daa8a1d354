namespace Kabigate.Tests.Support;

/// <summary>
/// A real source RPM of a test kmod (tests/kmods), made by <c>rpmbuild -bs</c> from a spec written as ELRepo writes
/// theirs: <c>%define kmod_name</c>, <c>kmod_kernel_version</c> taken from the rpmbuild line, <c>make -C … M=$PWD</c>,
/// the module installed under <c>/lib/modules/…/extra/NAME</c> and stripped of debug information, a depmod.d override.
/// Changes: ELRepo's specs require <c>kernel-devel = %{kmod_kernel_version}</c>, which a Debian release (two dashes) cannot
/// be as an RPM version, so that one is unversioned; and ELRepo's specs build against <c>%{_usrsrc}/kernels/%{kmod_kernel_version}.%{_arch}</c>; this one takes
/// <c>%{kernel_source}</c>, defaulting to that, so that kabigate can point it at Debian's headers.
/// </summary>
internal static class ElrepoSrpm
{
    /// <summary>Makes <c>kmod-NAME-VERSION-1.src.rpm</c> of <c>tests/kmods/NAME</c> in <paramref name="directory"/>; returns its path.</summary>
    public static string Build(string directory, string name, string version = "1.0")
    {
        var work = Directory.CreateDirectory(Path.Combine(directory, $"srpm-{name}")).FullName;
        var tree = Directory.CreateDirectory(Path.Combine(work, $"{name}-{version}")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(SourceTree.Root, "tests", "kmods", name)))
            File.Copy(file, Path.Combine(tree, Path.GetFileName(file)));
        var sources = Directory.CreateDirectory(Path.Combine(work, "SOURCES")).FullName;
        Tools.RunOk("tar", "-C", work, "-czf", Path.Combine(sources, $"{name}-{version}.tar.gz"), $"{name}-{version}");
        var spec = Path.Combine(work, $"kmod-{name}.spec");
        File.WriteAllText(spec, $$$"""
            # Define the kmod package name here.
            %define kmod_name {{{name}}}

            # If kmod_kernel_version isn't defined on the rpmbuild line, define it here.
            %{!?kmod_kernel_version: %define kmod_kernel_version 6.1.0-56-amd64}
            # ELRepo's specs build in %%{_usrsrc}/kernels/%%{kmod_kernel_version}.%%{_arch}; this one takes kernel_source too.
            %{!?kernel_source: %define kernel_source %{_usrsrc}/kernels/%{kmod_kernel_version}.%{_arch}}
            %define debug_package %{nil}

            Name:		kmod-%{kmod_name}
            Version:	{{{version}}}
            Release:	1%{?dist}
            Summary:	%{kmod_name} kernel module(s)
            License:	GPLv2
            URL:		https://example.invalid/kabigate-test-kmods

            Source0:	%{kmod_name}-%{version}.tar.gz

            # ELRepo's say "= %%{kmod_kernel_version}" in both; a Debian release (two dashes) is not an RPM version.
            BuildRequires:	kernel-devel
            Provides:	kernel-modules
            Provides:	kmod-%{kmod_name} = %{?epoch:%{epoch}:}%{version}-%{release}

            %description
            This package provides the %{kmod_name} kernel module(s), a kabigate test kmod.
            It is built to depend upon the specific ABI provided by a range of releases.

            %prep
            %setup -q -n %{kmod_name}-%{version}
            echo "override %{kmod_name} * weak-updates/%{kmod_name}" > kmod-%{kmod_name}.conf

            %build
            %{__make} -C %{kernel_source} %{?_smp_mflags} M=$PWD modules

            %install
            %{__install} -d %{buildroot}/lib/modules/%{kmod_kernel_version}/extra/%{kmod_name}/
            %{__install} %{kmod_name}.ko %{buildroot}/lib/modules/%{kmod_kernel_version}/extra/%{kmod_name}/
            %{__install} -d %{buildroot}%{_sysconfdir}/depmod.d/
            %{__install} -m 0644 kmod-%{kmod_name}.conf %{buildroot}%{_sysconfdir}/depmod.d/
            # Strip the modules(s).
            find %{buildroot} -name \*.ko -type f | xargs --no-run-if-empty %{__strip} --strip-debug

            %files
            %defattr(644,root,root,755)
            /lib/modules/%{kmod_kernel_version}/
            %config %{_sysconfdir}/depmod.d/kmod-%{kmod_name}.conf

            %changelog
            * Wed Dec 02 2026 kabigate tests <kabigate@localhost> - {{{version}}}-1
            - A test kmod, in ELRepo's layout.

            """.Replace("\r", "", StringComparison.Ordinal));
        var output = Directory.CreateDirectory(Path.Combine(work, "out")).FullName;
        Tools.RunOk("rpmbuild", "-bs", "--quiet", "--define", "_topdir " + Path.Combine(work, "top"), "--define", "_sourcedir " + sources,
            "--define", "_srcrpmdir " + output, spec);
        return Directory.GetFiles(output, "*.src.rpm").Single();
    }
}

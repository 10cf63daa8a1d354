namespace Kabigate.Tests.Support;

/// <summary>
/// A real kernel-devel RPM made by <c>rpmbuild -bb</c> from Debian's headers of one release (the installed
/// linux-headers-R, linux-headers-…-common and linux-kbuild packages, from the data cache's apt downloads), laid out as
/// Fedora's kernel-devel is: one self-contained tree under <c>/usr/src/kernels/R</c>. Debian splits that tree in three
/// (the arch directory includes the common Makefile and links scripts/ and tools/ to linux-kbuild); the spec merges
/// them: the common tree, kbuild's scripts, tools and certs in place of the links, then the arch directory's
/// .config, .kernelvariables, Module.symvers, arch/ and include/ over it. Debian ships no kernel-devel RPM: this is a
/// real RPM of real headers, not a Fedora package.
/// </summary>
internal static class KernelDevelRpm
{
    /// <summary>Makes <c>kernel-devel-VERSION-RELEASE.x86_64.rpm</c> of <paramref name="release"/>'s headers in <paramref name="directory"/>; returns its path.</summary>
    public static string Build(string directory, string release)
    {
        var arch = Support.RealData.HeadersDir(release);
        var makefile = File.ReadAllText(Path.Combine(arch, "Makefile")).Trim();
        var common = Path.GetDirectoryName(makefile["include ".Length..].Trim())!;
        var kbuild = Path.GetDirectoryName(new DirectoryInfo(Path.Combine(arch, "scripts")).ResolveLinkTarget(returnFinalTarget: true)!.FullName)!;
        var parts = release.Split('-');
        var work = Directory.CreateDirectory(Path.Combine(directory, "kernel-devel")).FullName;
        var spec = Path.Combine(work, "kernel-devel.spec");
        File.WriteAllText(spec, $$"""
            %define krel {{release}}
            %define __os_install_post %{nil}
            %define debug_package %{nil}
            %define _build_id_links none
            Name: kernel-devel
            Version: {{parts[0]}}
            Release: {{string.Join('.', parts.Skip(1)).Replace('+', '_')}}
            Summary: Development package for building kernel modules to match the {{release}} kernel (Debian's headers, merged)
            License: GPL-2.0-only
            AutoReqProv: no
            %description
            The headers tree of Debian's {{release}}, as kernel-devel lays one out under /usr/src/kernels.
            %install
            D=%{buildroot}/usr/src/kernels/%{krel}
            mkdir -p $D
            cp -a {{common}}/. $D/
            rm -f $D/scripts $D/tools
            cp -a {{kbuild}}/scripts {{kbuild}}/tools {{kbuild}}/certs $D/
            cd {{arch}} && cp -a .config .kernelvariables Module.symvers arch include $D/
            %files
            /usr/src/kernels/%{krel}
            """);
        var output = Directory.CreateDirectory(Path.Combine(work, "out")).FullName;
        Rpmbuild.Build(spec, Path.Combine(work, "top"), output, "_binary_payload w3.zstdio");
        return Directory.GetFiles(output, "kernel-devel-*.rpm", SearchOption.AllDirectories).Single();
    }
}

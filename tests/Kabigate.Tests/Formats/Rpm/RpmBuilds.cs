using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Rpm;

/// <summary>Shares one <see cref="RpmBuilds"/> (and its rpmbuild runs) among the RPM test classes.</summary>
[CollectionDefinition(Name)]
public sealed class RpmBuildCollection : ICollectionFixture<RpmBuilds>
{
    public const string Name = "rpmbuild";
}

/// <summary>
/// Builds real packages with Debian's <c>rpmbuild</c> (package <c>rpm</c>, installed by tests/prepare-data.sh), once per
/// spec and payload, into a temporary folder deleted at the end of the run.
/// </summary>
public sealed class RpmBuilds : IDisposable
{
    /// <summary>The kmod's release, in Debian's style, for its module path.</summary>
    public const string ModuleRelease = "6.1.0-47-amd64";

    public const string KoPath = $"lib/modules/{ModuleRelease}/extra/x.ko";

    /// <summary>A binary, not a multiple of 4 bytes long, with NULs and every byte value.</summary>
    public static readonly byte[] KoBytes = MakeBinary(70_001);

    private readonly TempDirectory _temp = new();
    private readonly ConcurrentDictionary<string, Lazy<string>> _built = new();

    /// <summary>The kmod-like package: epoch, <c>kernel(sym)</c> Requires, kmodtool's Provides, several file kinds.</summary>
    public string Kmod(string payload) => Build("kmod-kabitest", payload, KmodSpec());

    /// <summary>The kernel-like package: no epoch, 2000 <c>kernel(sym) = crc</c> Provides.</summary>
    public string Kernel(string payload) => Build("kernel-core", payload, KernelSpec());

    /// <summary>The <c>kernel(sym)</c> Provides of <see cref="Kernel"/>, as written in its spec.</summary>
    public static IEnumerable<string> KernelSymbolProvides() =>
        Enumerable.Range(0, 2000).Select(i => $"kernel(kabi_sym_{i:d4}) = 0x{unchecked((uint)(i * 2654435761u)):x8}");

    public void Dispose() => _temp.Dispose();

    private string Build(string name, string payload, string spec) =>
        _built.GetOrAdd($"{name} {payload}", _ => new Lazy<string>(() => RunRpmbuild(name, payload, spec))).Value;

    private string RunRpmbuild(string name, string payload, string spec)
    {
        string top = _temp.Combine($"{name}-{payload}");
        string root = Path.Combine(top, "root");
        WriteTree(root);
        string specPath = Path.Combine(top, name + ".spec");
        File.WriteAllText(specPath, spec.Replace("@ROOT@", root, StringComparison.Ordinal));
        string output = Path.Combine(top, "out");
        Rpmbuild.Build(specPath, $"{top}/top", output,
            $"_binary_payload {payload}", "__spec_install_post %{nil}", "debug_package %{nil}", "_build_id_links none", "_unpackaged_files_terminate_build 0");
        return Directory.EnumerateFiles(output, "*.rpm", SearchOption.AllDirectories).Single();
    }

    /// <summary>The files the specs package, laid out as installed.</summary>
    private static void WriteTree(string root)
    {
        string extra = Path.Combine(root, "lib", "modules", ModuleRelease, "extra");
        Directory.CreateDirectory(extra);
        File.WriteAllBytes(Path.Combine(extra, "x.ko"), KoBytes);
        File.CreateSymbolicLink(Path.Combine(extra, "y.ko"), "x.ko");
        string share = Path.Combine(root, "usr", "share", "kabitest");
        Directory.CreateDirectory(share);
        File.WriteAllBytes(Path.Combine(share, "empty"), []);
        File.WriteAllBytes(Path.Combine(share, "three"), "abc"u8.ToArray());
        File.WriteAllText(Path.Combine(share, "naïve name.txt"), "unicode and a space\n");
        File.WriteAllText(Path.Combine(share, "hard1"), "one file, two names\n");
        Tools.RunOk("ln", Path.Combine(share, "hard1"), Path.Combine(share, "hard2"));
    }

    private static string KmodSpec()
    {
        var spec = new StringBuilder();
        spec.Append("""
            Name: kmod-kabitest
            Version: 1.2
            Release: 3.el8
            Epoch: 2
            Summary: kabigate test kmod
            License: GPLv2
            BuildArch: x86_64
            Provides: kernel(printk) = 0x92997ed8
            Provides: ksym(default:kabitest_export) = 1a2b
            Provides: kernel-modules >= 6.1.0-47.amd64
            Requires: kernel(foo) = 0x1234abcd
            Requires: kernel(_printk) = 0x0001a2b3
            Requires: kernel-uname-r = 4.18.0-259.el8.x86_64
            Requires(post): /usr/sbin/depmod
            Conflicts: kmod-kabitest-old < 1.0
            Conflicts: kabitest-tools

            """);
        for (int i = 0; i < 40; i++)
            spec.Append(CultureInfo.InvariantCulture, $"Provides: kernel(kabitest_fn_{i}) = 0x{unchecked((uint)(i * 40503u)):x8}\n");
        spec.Append($$"""

            %description
            A fixture for kabigate's RPM reader.

            %install
            mkdir -p %{buildroot}
            cp -a '@ROOT@'/. %{buildroot}/

            %files
            /lib/modules/{{ModuleRelease}}/extra/x.ko
            /lib/modules/{{ModuleRelease}}/extra/y.ko
            %dir /usr/share/kabitest
            /usr/share/kabitest/empty
            /usr/share/kabitest/three
            "/usr/share/kabitest/naïve name.txt"
            /usr/share/kabitest/hard1
            /usr/share/kabitest/hard2

            """);
        return spec.ToString();
    }

    private static string KernelSpec()
    {
        var spec = new StringBuilder();
        spec.Append("""
            Name: kernel-core
            Version: 4.18.0
            Release: 259.el8
            Summary: kabigate test kernel
            License: GPLv2
            BuildArch: x86_64
            Provides: kernel-core-uname-r = 4.18.0-259.el8.x86_64
            Provides: installonlypkg(kernel)

            """);
        foreach (string provide in KernelSymbolProvides())
            spec.Append(CultureInfo.InvariantCulture, $"Provides: {provide}\n");
        spec.Append("""

            %description
            A fixture for kabigate's RPM reader.

            %install
            mkdir -p %{buildroot}
            cp -a '@ROOT@'/. %{buildroot}/

            %files
            /lib/modules/6.1.0-47-amd64/extra/x.ko

            """);
        return spec.ToString();
    }

    private static byte[] MakeBinary(int length)
    {
        var data = new byte[length];
        new Random(20240501).NextBytes(data);
        for (int i = 0; i < 256; i++)
            data[i] = (byte)i;
        return data;
    }
}

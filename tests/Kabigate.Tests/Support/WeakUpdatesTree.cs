namespace Kabigate.Tests.Support;

/// <summary>
/// A system root laid out from real Debian data, the way an RPM-based system with kmods looks:
/// <list type="bullet">
/// <item>every prepared amd64 ABI as <c>lib/modules/R/</c> with a few real in-tree modules of its linux-image package
/// under <c>kernel/</c> (among them the in-tree modules the out-of-tree ones need), its <c>boot/config-R</c>, and its
/// headers' Module.symvers as <c>symvers.gz</c>;</item>
/// <item>the test kmods built against the oldest ABI in its <c>extra/</c>, and against the newest in its <c>extra/kabigate/</c>;</item>
/// <item>a dozen in-tree modules of the second and third ABI's images (crypto: async_tx and friends, blowfish, ecdh, …)
/// installed as out-of-tree modules in their <c>extra/</c>; the second ABI has no symvers, so it provides modules but is no target;</item>
/// <item>the cloud flavour of the oldest ABI with its symvers only (another flavour: nothing is linked there).</item>
/// </list>
/// Members are extracted once with dpkg-deb and tar into the data cache's scratch folder.
/// </summary>
internal static class WeakUpdatesTree
{
    /// <summary>In-tree modules installed as out-of-tree ones (paths below kernel/): independent ones, groups, a group with a bad member.</summary>
    public static readonly string[] OutOfTree =
    [
        "crypto/async_tx/async_tx.ko", "crypto/async_tx/async_memcpy.ko", "crypto/async_tx/async_xor.ko", "crypto/async_tx/async_pq.ko",
        "crypto/async_tx/async_raid6_recov.ko", "crypto/blowfish_common.ko", "crypto/blowfish_generic.ko", "crypto/crc32_generic.ko",
        "crypto/ecc.ko", "crypto/ecdh_generic.ko", "crypto/des_generic.ko", "crypto/ansi_cprng.ko",
    ];

    /// <summary>In-tree modules every kernel keeps: what the out-of-tree ones need, and one more.</summary>
    public static readonly string[] InTree = ["crypto/xor.ko", "lib/raid6/raid6_pq.ko", "lib/crypto/libdes.ko", "fs/nls/nls_utf8.ko"];

    private static readonly RealData Data = RealData.Instance;

    /// <summary>The amd64 ABIs, oldest first.</summary>
    public static IReadOnlyList<string> Amd64 => [.. Data.Releases.Where(r => global::Kabigate.Abi.WeakUpdates.Flavour(r) == "amd64").Order(global::Kabigate.Abi.WeakUpdates.ReleaseComparer)];

    /// <summary>The ABI whose out-of-tree modules are installed without a symvers.</summary>
    public static string NoSymvers => Amd64[1];

    /// <summary>The ABI whose out-of-tree modules are installed with a symvers.</summary>
    public static string Provider => Amd64[2];

    /// <summary>Another flavour of the oldest ABI, or null when none was prepared.</summary>
    public static string? Cloud => Data.Releases.FirstOrDefault(r => r.Contains("-cloud-", StringComparison.Ordinal));

    /// <summary>Lays the tree out below <paramref name="root"/>.</summary>
    public static void Build(string root)
    {
        var boot = Directory.CreateDirectory(Path.Combine(root, "boot")).FullName;
        foreach (var release in Amd64)
        {
            var image = Image(release);
            var tree = Path.Combine(root, "lib/modules", release);
            foreach (var module in InTree)
                Copy(Path.Combine(image, "lib/modules", release, "kernel", module), Path.Combine(tree, "kernel", module));
            File.Copy(Path.Combine(image, "boot", "config-" + release), Path.Combine(boot, "config-" + release));
            if (release != NoSymvers)
                WriteSymversGz(release, Path.Combine(tree, "symvers.gz"));
            if (release == NoSymvers || release == Provider)
            {
                // below extra/ without the crypto/ level: async_tx/async_pq.ko, ecc.ko
                foreach (var module in OutOfTree)
                    Copy(Path.Combine(image, "lib/modules", release, "kernel", module), Path.Combine(tree, "extra", module["crypto/".Length..]));
            }
        }
        foreach (var kmod in Data.Kmods(Data.OldRelease))
            Copy(kmod, Path.Combine(root, "lib/modules", Data.OldRelease, "extra", Path.GetFileName(kmod)));
        foreach (var kmod in Data.Kmods(Data.NewRelease))
            Copy(kmod, Path.Combine(root, "lib/modules", Data.NewRelease, "extra/kabigate", Path.GetFileName(kmod)));
        if (Cloud is string cloud)
        {
            Directory.CreateDirectory(Path.Combine(root, "lib/modules", cloud));
            WriteSymversGz(cloud, Path.Combine(root, "lib/modules", cloud, "symvers.gz"));
        }
    }

    /// <summary>The headers' Module.symvers, extracted once.</summary>
    public static string Symvers(string release)
    {
        var dir = Data.Scratch("weak-updates-symvers-" + release);
        var file = Path.Combine(dir, $"usr/src/linux-headers-{release}/Module.symvers");
        if (!File.Exists(file))
            Tools.ExtractFromDeb(Data.HeadersDeb(release), "*/Module.symvers", dir);
        return file;
    }

    /// <summary>A module of a release's linux-image package, one of <see cref="InTree"/> or <see cref="OutOfTree"/>.</summary>
    public static string ImageModule(string release, string module) => Path.Combine(Image(release), "lib/modules", release, "kernel", module);

    private static void WriteSymversGz(string release, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Tools.Compress("gzip", File.ReadAllBytes(Symvers(release)), "-n"));
    }

    /// <summary>The wanted members of a linux-image package, extracted once by dpkg-deb and tar (independently of kabigate).</summary>
    private static string Image(string release)
    {
        var dir = Data.Scratch("weak-updates-image-" + release);
        var done = Path.Combine(dir, ".complete");
        if (File.Exists(done))
            return dir;
        var deb = Directory.EnumerateFiles(Path.Combine(Data.Root, "debs"), $"linux-image-{release}_*.deb").Single();
        var members = InTree.Concat(OutOfTree).Select(m => $"'./lib/modules/{release}/kernel/{m}'").Append($"'./boot/config-{release}'");
        Tools.RunOk("bash", "-c", $"dpkg-deb --fsys-tarfile '{deb}' | tar -x -C '{dir}' {string.Join(' ', members)}");
        File.WriteAllText(done, deb);
        return dir;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }
}

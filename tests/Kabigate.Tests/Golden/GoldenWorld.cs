using System.Globalization;
using System.Text;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Golden;

/// <summary>
/// The small, synthetic world the golden CLI cases run on, written by this code (same bytes every run) into a
/// temporary folder, <c>$FIXTURES</c>:
/// <list type="bullet">
/// <item><c>headers/linux-headers-R/</c> for R = 6.1.0-1-amd64, -2 and -3: a Module.symvers and a .config. From 1 to 2
/// <c>misc_register</c> changes CRC, <c>old_fn</c> goes, <c>new_fn</c> comes and <c>fput</c> becomes GPL-only; from 2 to
/// 3 <c>ns_fn</c> (namespace <c>KG_NS</c>) changes CRC.</item>
/// <item><c>symvers/symvers-R</c>: the same Module.symvers as bare files (the release in the name, as /boot has them), and one with a malformed CRC.</item>
/// <item><c>named/</c>: the three as <c>unnamed</c> (no release in the name), <c>R.symvers</c> and <c>Module.symvers-R</c>.</item>
/// <item><c>kmods/</c>: modules made with <see cref="ElfBuilder"/>, built for 6.1.0-1-amd64 (see <see cref="Kmods"/>).</item>
/// <item><c>policy.toml</c>, <c>stablelist</c>, <c>bad.ko</c> (not ELF), <c>weak-root/</c> (a system root with the three
/// kernels and the kmods in 6.1.0-1's <c>extra/</c>), <c>dnf-root/</c> (a root with dnf's const.py).</item>
/// <item><c>store.db</c> (<c>$STORE</c>): the three kernels and the kmods, ingested by the CLI.</item>
/// </list>
/// </summary>
public sealed class GoldenWorld : IDisposable
{
    public const string Release1 = "6.1.0-1-amd64";
    public const string Release2 = "6.1.0-2-amd64";
    public const string Release3 = "6.1.0-3-amd64";

    private const string Config = "CONFIG_X86_64=y\nCONFIG_SMP=y\nCONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT=y\nCONFIG_MODULE_UNLOAD=y\nCONFIG_MODVERSIONS=y\n";

    private readonly TempDirectory _temp = new();

    public GoldenWorld()
    {
        Root = _temp.Path;
        foreach (var release in new[] { Release1, Release2, Release3 })
        {
            var symvers = Symvers(release);
            Write($"headers/linux-headers-{release}/Module.symvers", symvers);
            Write($"headers/linux-headers-{release}/.config", Config);
            Write($"symvers/symvers-{release}", symvers);
            Write($"weak-root/lib/modules/{release}/symvers", symvers);
            Write($"weak-root/boot/config-{release}", Config);
        }
        Write($"named/unnamed", Symvers(Release1));
        Write($"named/{Release2}.symvers", Symvers(Release2));
        Write($"named/Module.symvers-{Release3}", Symvers(Release3));
        Write("symvers/malformed.symvers", "0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n0xZZZ\tmsleep\tvmlinux\tEXPORT_SYMBOL\t\n");
        foreach (var (name, image) in Kmods())
        {
            WriteBytes($"kmods/{name}.ko", image);
            WriteBytes($"weak-root/lib/modules/{Release1}/extra/{name}.ko", image);
        }
        Write("bad.ko", "not a kernel module\n");
        WriteSigned();
        Write("stablelist", "[rhel9_x86_64_whitelist]\n\tmisc_register\n\t_printk\n\tfput\n");
        Write("policy.toml", "severities = \"\"\"\nold_fn PASS\nvfs_* PASS\n\"\"\"\n[[waiver]]\nsymbol = \"fput\"\nowner = \"vfs\"\nreason = \"GPL-only on purpose\"\nexpires = 2099-01-01\n");
        Write("bad-policy.toml", "severities = \"\"\"\nold_fn PASS\nfput SOMETIMES\n\"\"\"\n");
        Write("dnf-root/usr/lib/python3/dist-packages/dnf/const.py", "PLUGINCONFPATH = '/etc/dnf/plugins'  # :api\nPLUGINPATH = '/usr/lib/python3/dist-packages/dnf-plugins'\n");

        Store = Path.Combine(Root, "store.db");
        var (exit, _, stderr) = CliRunner.Run("ingest", "--db", Store,
            "--kernel", Combine("headers", "linux-headers-" + Release1), "--kernel", Combine("headers", "linux-headers-" + Release2),
            "--kernel", Combine("headers", "linux-headers-" + Release3), "--kmods", Combine("kmods"));
        if (exit != 0)
            throw new InvalidOperationException($"the golden store could not be made ({exit}): {stderr}");
    }

    /// <summary>
    /// <c>signed/</c>: kg_stable signed with a MOK made here (<c>mok.pem</c>), unsigned, and signed then changed; another
    /// certificate (<c>other.pem</c>), a file that is no certificate (<c>junk.pem</c>).
    /// </summary>
    private void WriteSigned()
    {
        var crcs = ParseSymvers(Symvers(Release1));
        byte[] Stable(string name) => new ElfBuilder
        {
            Modinfo = [("license", "GPL"), ("name", name), ("vermagic", Release1 + " SMP preempt mod_unload modversions ")],
            Versions = [.. new[] { "module_layout", "_printk" }.Select(s => (s, crcs[s]))],
            Undefined = [("_printk", false)],
        }.Build();
        using var mok = new ModuleSigner("kabigate golden MOK", 1);
        using var other = new ModuleSigner("kabigate other key", 2);
        Write("signed/mok.pem", mok.Pem);
        Write("signed/other.pem", other.Pem);
        Write("signed/junk.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        WriteBytes("signed/kmods/kg_signed.ko", mok.Sign(Stable("kg_signed")));
        WriteBytes("signed/kmods/kg_unsigned.ko", Stable("kg_unsigned"));
        var tampered = mok.Sign(Stable("kg_tampered"));
        tampered[tampered.AsSpan().IndexOf("license=GPL"u8) + "license=".Length] = (byte)'g';
        WriteBytes("signed/kmods/kg_tampered.ko", tampered);
    }

    /// <summary>The fixture folder, <c>$FIXTURES</c>.</summary>
    public string Root { get; }

    /// <summary>The SQLite store the kernels and kmods were ingested into, <c>$STORE</c>.</summary>
    public string Store { get; }

    public string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    public void Dispose() => _temp.Dispose();

    /// <summary>The vmlinux exports of a release, as Module.symvers (5.6+ column order) writes them.</summary>
    public static string Symvers(string release)
    {
        var rows = new List<(uint Crc, string Symbol, string Module, string Kind, string Namespace)>
        {
            (0x92997ed8, "_printk", "vmlinux", "EXPORT_SYMBOL", ""),
            (0x0ea9a3f3, "module_layout", "vmlinux", "EXPORT_SYMBOL", ""),
            (release == Release1 ? 0x11110001u : 0x11119999u, "misc_register", "vmlinux", "EXPORT_SYMBOL", ""),
            (0x11110002, "misc_deregister", "vmlinux", "EXPORT_SYMBOL", ""),
            (0x22220001, "gpl_only_fn", "vmlinux", "EXPORT_SYMBOL_GPL", ""),
            (0x77770001, "fput", "vmlinux", release == Release1 ? "EXPORT_SYMBOL" : "EXPORT_SYMBOL_GPL", ""),
            (release == Release3 ? 0x33330009u : 0x33330001u, "ns_fn", "vmlinux", "EXPORT_SYMBOL_GPL", "KG_NS"),
            (0x88880001, "usb_helper", "drivers/usb/core/usbcore", "EXPORT_SYMBOL_GPL", ""),
        };
        if (release == Release1)
            rows.Add((0x44440001, "old_fn", "vmlinux", "EXPORT_SYMBOL", ""));
        else
            rows.Add((0x66660001, "new_fn", "vmlinux", "EXPORT_SYMBOL", ""));
        var text = new StringBuilder();
        foreach (var row in rows.OrderBy(r => r.Symbol, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"0x{row.Crc:x8}\t{row.Symbol}\t{row.Module}\t{row.Kind}\t{row.Namespace}\n");
        return text.ToString();
    }

    /// <summary>
    /// The test kmods, built for 6.1.0-1-amd64 with its CRCs: kg_stable (loads everywhere), kg_crcchange (misc_register
    /// changes CRC in 2), kg_removed (old_fn is gone in 2), kg_gpl (proprietary, uses a GPL-only symbol), kg_ns (imports
    /// KG_NS for ns_fn, whose CRC changes in 3), kg_nsmissing (uses ns_fn without importing KG_NS), kg_provider and
    /// kg_consumer (needs kg_provider's export).
    /// </summary>
    public static IEnumerable<(string Name, byte[] Image)> Kmods()
    {
        const string vermagic = Release1 + " SMP preempt mod_unload modversions ";
        byte[] Module(string name, string[] imports, string license = "GPL", string[]? namespaces = null, string? depends = null, List<(string Name, uint Crc, bool Gpl, string? Namespace)>? exports = null)
        {
            var crcs = ParseSymvers(Symvers(Release1));
            crcs["kg_provider_answer"] = 0xabcd0001;
            List<(string Key, string Value)> modinfo = [("license", license), ("name", name), ("vermagic", vermagic)];
            modinfo.AddRange((namespaces ?? []).Select(ns => ("import_ns", ns)));
            modinfo.Add(("depends", depends ?? ""));
            var versioned = imports.Prepend("module_layout").ToList();
            return new ElfBuilder
            {
                Modinfo = modinfo,
                Versions = [.. versioned.Select(s => (s, crcs[s]))],
                Undefined = [.. imports.Select(s => (s, false))],
                Exports = exports ?? [],
            }.Build();
        }

        yield return ("kg_stable", Module("kg_stable", ["_printk", "misc_deregister"]));
        yield return ("kg_crcchange", Module("kg_crcchange", ["_printk", "misc_register", "misc_deregister"]));
        yield return ("kg_removed", Module("kg_removed", ["_printk", "old_fn"]));
        yield return ("kg_gpl", Module("kg_gpl", ["_printk", "gpl_only_fn"], license: "Proprietary"));
        yield return ("kg_ns", Module("kg_ns", ["_printk", "ns_fn"], namespaces: ["KG_NS"]));
        yield return ("kg_nsmissing", Module("kg_nsmissing", ["_printk", "ns_fn"]));
        yield return ("kg_provider", Module("kg_provider", ["_printk", "fput"], exports: [("kg_provider_answer", 0xabcd0001, false, null)]));
        yield return ("kg_consumer", Module("kg_consumer", ["_printk", "kg_provider_answer"], depends: "kg_provider"));
    }

    private static Dictionary<string, uint> ParseSymvers(string symvers) =>
        symvers.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t'))
            .ToDictionary(f => f[1], f => uint.Parse(f[0].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture), StringComparer.Ordinal);

    private void Write(string relative, string text) => WriteBytes(relative, Encoding.UTF8.GetBytes(text));

    private void WriteBytes(string relative, byte[] data)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data);
    }
}

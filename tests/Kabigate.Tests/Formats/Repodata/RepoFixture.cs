using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Repodata;

/// <summary>The xunit collection of the repodata tests: one <see cref="RepoFixture"/> for all of them.</summary>
[CollectionDefinition(Name)]
public sealed class RepoCollection : ICollectionFixture<RepoFixture>
{
    public const string Name = "Repodata";
}

/// <summary>
/// Real RPM repositories made in the test: RPMs built with <c>rpmbuild</c> from small specs (two kernels whose
/// <c>kernel(sym) = 0xCRC</c> provides are the vmlinux rows of Debian's Module.symvers, two kmods that require some of
/// them, and four packages with all 24,618 rows for timing), then indexed with <c>createrepo_c</c>
/// <c>--general-compress-type=gz|xz|bz2</c>.
/// </summary>
/// <remarks>
/// Debian 12's createrepo_c 0.17.3 compresses with gz, xz, bz2 (and zchunk) but not zstd, so the zstd repository
/// is its gz one with the primary recompressed by the <c>zstd</c> tool and repomd.xml's checksum, size and location
/// rewritten to match (what createrepo_c 1.x writes with <c>--compress-type=zstd</c>).
/// </remarks>
public sealed class RepoFixture : IDisposable
{
    /// <summary>The symbols of Debian's 6.1.0-47 headers (apt-get install linux-headers-6.1.0-47-amd64).</summary>
    public const string SymversPath = Support.RealData.DebianSymvers;

    /// <summary>Release strings as rpm requires them: one '-' at most, so Debian's 6.1.0-47-amd64 becomes 6.1.0-47.amd64.</summary>
    public const string UnameR47 = "6.1.0-47.amd64";

    public const string UnameR48 = "6.1.0-48.amd64";

    private readonly TempDirectory _temp = new();

    /// <summary>
    /// The tools the repositories are made with; the tests that use them are <c>[ToolFact]</c>s of these, skipped
    /// without them (./test installs them), and then nothing is built here.
    /// </summary>
    public static readonly string[] NeededTools = ["rpmbuild", "createrepo_c", "rpm", "zstd"];

    public RepoFixture()
    {
        if (Needs.MissingTools(NeededTools) is not null)
        {
            Vmlinux = AllRows = [];
            Rpms = [];
            RpmDirectory = BigRpmDirectory = BigRepo = "";
            return;
        }

        var rows = ReadSymvers();
        Vmlinux = [.. rows.Where(r => r.Module == "vmlinux").Select(r => (r.Symbol, r.Crc))];
        AllRows = [.. rows.Select(r => (r.Symbol, r.Crc))];

        RpmDirectory = _temp.Combine("rpms");
        BigRpmDirectory = _temp.Combine("big-rpms");
        foreach (var (name, spec) in Specs())
            Rpmbuild(name, spec, RpmDirectory);
        for (int i = 1; i <= BigPackageCount; i++)
            Rpmbuild($"kernel-big-{i}", BigKernelSpec(i), BigRpmDirectory);

        Rpms = [.. Directory.EnumerateFiles(RpmDirectory, "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        foreach (string compression in new[] { "gz", "xz", "bz2" })
            Repos[compression] = CreateRepo(_temp.Combine("repo-" + compression), RpmDirectory, compression);
        Repos["zstd"] = CreateRepo(_temp.Combine("repo-zstd"), RpmDirectory, "gz");
        RecompressPrimaryWithZstd(Repos["zstd"]);
        BigRepo = CreateRepo(_temp.Combine("repo-big"), BigRpmDirectory, "gz");
    }

    /// <summary>How many packages with all 24,618 symbols the timing repository holds.</summary>
    public const int BigPackageCount = 4;

    /// <summary>The vmlinux rows: what kernel-core provides as <c>kernel(sym) = 0xCRC</c>.</summary>
    public IReadOnlyList<(string Symbol, string Crc)> Vmlinux { get; }

    /// <summary>Every row, vmlinux and modules: what each timing package provides.</summary>
    public IReadOnlyList<(string Symbol, string Crc)> AllRows { get; }

    public string RpmDirectory { get; }

    public string BigRpmDirectory { get; }

    /// <summary>The built RPMs (not the timing ones).</summary>
    public IReadOnlyList<string> Rpms { get; }

    /// <summary>Repository directories by compression: gz, xz, bz2 (by createrepo_c) and zstd (recompressed).</summary>
    public Dictionary<string, string> Repos { get; } = new(StringComparer.Ordinal);

    /// <summary>The repository of the timing packages (gz).</summary>
    public string BigRepo { get; }

    /// <summary>Symbols whose CRC differs in kernel-core 6.1.0-48, and the one it drops.</summary>
    public IReadOnlyList<string> ChangedIn48 => [Vmlinux[100].Symbol, Vmlinux[200].Symbol, Vmlinux[300].Symbol];

    public string DroppedIn48 => Vmlinux[400].Symbol;

    /// <summary>The kABI symbols kmod-foo requires (with the 6.1.0-47 CRCs), one of which changes in 48.</summary>
    public IReadOnlyList<(string Symbol, string Crc)> FooRequires => [Vmlinux[0], Vmlinux[1], Vmlinux[2], Vmlinux[100], Find("_printk")];

    public void Dispose() => _temp.Dispose();

    /// <summary>Copies a repository (RPMs and repodata) so that a test can change it.</summary>
    public static string CopyRepo(string repo, string destination)
    {
        foreach (string file in Directory.EnumerateFiles(repo, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(destination, Path.GetRelativePath(repo, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return destination;
    }

    /// <summary>Runs createrepo_c over the RPMs of <paramref name="rpms"/>, copied into <paramref name="repo"/>.</summary>
    public static string CreateRepo(string repo, string rpms, string compression)
    {
        if (!string.Equals(rpms, repo, StringComparison.Ordinal))
        {
            foreach (string rpm in Directory.EnumerateFiles(rpms, "*.rpm", SearchOption.AllDirectories))
            {
                string target = Path.Combine(repo, Path.GetRelativePath(rpms, rpm));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(rpm, target, overwrite: true);
            }
        }

        // createrepo_c 0.17's --compress-type compresses only the sqlite databases; --general-compress-type the XML too.
        Tools.RunOk("createrepo_c", "--quiet", "--compress-type=" + compression, "--general-compress-type=" + compression, repo);
        return repo;
    }

    /// <summary>Builds one RPM with rpmbuild into <paramref name="output"/> (its arch subfolder).</summary>
    public string Rpmbuild(string name, string spec, string output)
    {
        string specPath = _temp.Combine("specs", name + ".spec");
        Directory.CreateDirectory(Path.GetDirectoryName(specPath)!);
        File.WriteAllText(specPath, spec);
        Support.Rpmbuild.Build(specPath, _temp.Combine("rpmbuild"), output);
        return output;
    }

    /// <summary>The specs of the main repository.</summary>
    public IEnumerable<(string Name, string Spec)> Specs()
    {
        yield return ("kernel-core-47", KernelSpec("47", UnameR47, Vmlinux));
        var changed = ChangedIn48.ToHashSet(StringComparer.Ordinal);
        var next = Vmlinux
            .Where(r => r.Symbol != DroppedIn48)
            .Select(r => changed.Contains(r.Symbol) ? (r.Symbol, Crc: FlipCrc(r.Crc)) : r)
            .ToList();
        yield return ("kernel-core-48", KernelSpec("48", UnameR48, next));
        yield return ("kmod-foo", KmodFooSpec());
        yield return ("kmod-bar", KmodBarSpec());
    }

    /// <summary>A kernel-core in the RHEL/Fedora style: its kABI as provides, plus kernel-uname-r.</summary>
    public static string KernelSpec(string release, string unameR, IEnumerable<(string Symbol, string Crc)> symbols)
    {
        var spec = new StringBuilder();
        spec.AppendLine("Name: kernel-core");
        spec.AppendLine("Version: 6.1.0");
        spec.AppendLine(CultureInfo.InvariantCulture, $"Release: {release}");
        spec.AppendLine("Summary: kernel-core for the repodata tests");
        spec.AppendLine("License: GPLv2");
        spec.AppendLine("BuildArch: x86_64");
        spec.AppendLine(CultureInfo.InvariantCulture, $"Provides: kernel-uname-r = {unameR}");
        spec.AppendLine(CultureInfo.InvariantCulture, $"Provides: kernel-core-uname-r = {unameR}");
        spec.AppendLine("Provides: installonlypkg(kernel)");
        spec.AppendLine("Requires(pre): /bin/sh");
        foreach (var (symbol, crc) in symbols)
            spec.AppendLine(CultureInfo.InvariantCulture, $"Provides: kernel({symbol}) = {crc}");
        spec.Append("%description\nA kernel's kABI as RPM provides.\n%files\n");
        return spec.ToString();
    }

    private string KmodFooSpec()
    {
        var spec = new StringBuilder();
        spec.Append("Name: kmod-foo\nVersion: 1.0\nRelease: 1\nSummary: a kmod\nLicense: GPLv2\nBuildArch: x86_64\n");
        foreach (var (symbol, crc) in FooRequires)
            spec.AppendLine(CultureInfo.InvariantCulture, $"Requires: kernel({symbol}) = {crc}");
        spec.AppendLine(CultureInfo.InvariantCulture, $"Requires: kernel-uname-r = {UnameR47}");
        spec.AppendLine("Requires(post): /usr/sbin/depmod");
        spec.AppendLine("Requires(preun): /usr/sbin/weak-modules");
        spec.AppendLine("Provides: kernel-modules >= 6.1.0-47.amd64");
        spec.AppendLine("Provides: foo-kmod = 1.0-1");
        spec.AppendLine("Conflicts: kmod-bar < 2:2.0");
        spec.Append("%description\nRequires some kABI.\n%files\n");
        return spec.ToString();
    }

    private string KmodBarSpec()
    {
        var spec = new StringBuilder();
        spec.Append("Name: kmod-bar\nEpoch: 2\nVersion: 2.5\nRelease: 3.el9\nSummary: another kmod\nLicense: GPLv2\nBuildArch: noarch\n");
        spec.AppendLine(CultureInfo.InvariantCulture, $"Requires: kernel({Vmlinux[5].Symbol}) = {Vmlinux[5].Crc}");
        spec.AppendLine(CultureInfo.InvariantCulture, $"Requires: ksym({Vmlinux[6].Symbol}) = {Vmlinux[6].Crc}");
        spec.AppendLine("Requires: kernel-core-uname-r >= 6.1.0-47");
        spec.AppendLine("Requires: kernel > 6.0, kernel <= 6.2");
        spec.AppendLine("Requires: (kernel-core or kernel-rt-core)");
        spec.AppendLine("Requires(pre): /usr/bin/true");
        spec.AppendLine("Provides: kmod-bar-common = 2:2.5-3.el9");
        spec.AppendLine("Conflicts: kmod-foo >= 1.0");
        spec.Append("%description\nEpoch, noarch, ranges and a rich dependency.\n%files\n");
        return spec.ToString();
    }

    private string BigKernelSpec(int i) =>
        KernelSpec($"{i}.big", $"6.1.0-{i}.big", AllRows).Replace("Name: kernel-core", $"Name: kernel-big", StringComparison.Ordinal);

    private (string Symbol, string Crc) Find(string symbol)
    {
        foreach (var row in Vmlinux)
        {
            if (row.Symbol == symbol)
                return row;
        }

        return Vmlinux[3];
    }

    private static string FlipCrc(string crc) =>
        "0x" + (uint.Parse(crc.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) ^ 0x5a5a5a5a).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Module.symvers rows; without the real file (another machine), 24,618 made-up ones in the same form.</summary>
    private static List<(string Crc, string Symbol, string Module)> ReadSymvers()
    {
        if (File.Exists(SymversPath))
        {
            return [.. File.ReadLines(SymversPath)
                .Select(l => l.Split('\t'))
                .Where(f => f.Length >= 3)
                .Select(f => (f[0], f[1], f[2]))];
        }

        return [.. Enumerable.Range(0, 24618).Select(i => (
            "0x" + ((uint)i * 2654435761u).ToString("x8", CultureInfo.InvariantCulture),
            i == 50 ? "_printk" : $"made_up_symbol_{i}",
            i < 10488 ? "vmlinux" : $"drivers/made/up{i % 40}"))];
    }

    /// <summary>
    /// Replaces a gz repository's primary with the same XML compressed by the <c>zstd</c> tool, and rewrites repomd.xml
    /// (location, checksum, size, timestamp) as createrepo_c 1.x writes it for zstd.
    /// </summary>
    public static void RecompressPrimaryWithZstd(string repo)
    {
        string repodata = Path.Combine(repo, "repodata");
        string gz = Directory.EnumerateFiles(repodata, "*-primary.xml.gz").Single();
        byte[] zst = Tools.Compress("zstd", Tools.RunBytes("gzip", ["-dc", gz]), "-q", "-19");
        File.Delete(gz);
        string hex = Convert.ToHexStringLower(SHA256.HashData(zst));
        string href = $"repodata/{hex}-primary.xml.zst";
        File.WriteAllBytes(Path.Combine(repo, href), zst);
        RewritePrimaryEntry(repo, href, hex, zst.Length);
    }

    /// <summary>Points repomd.xml's primary entry at another file, with that file's checksum and size.</summary>
    public static void RewritePrimaryEntry(string repo, string href, string sha256, long size)
    {
        XNamespace ns = "http://linux.duke.edu/metadata/repo";
        string repomdPath = Path.Combine(repo, "repodata", "repomd.xml");
        var doc = XDocument.Load(repomdPath);
        var primary = doc.Root!.Elements(ns + "data").Single(d => (string?)d.Attribute("type") == "primary");
        primary.Element(ns + "location")!.SetAttributeValue("href", href);
        primary.Element(ns + "checksum")!.Value = sha256;
        primary.Element(ns + "size")!.Value = size.ToString(CultureInfo.InvariantCulture);
        doc.Save(repomdPath);
    }
}

using System.Text.Json;
using Kabigate.Formats;
using Kabigate.Formats.Rpm;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// The rpm database reader against rpm itself (<c>rpm --root X -qa</c>, <c>-q --provides</c>) on install roots dnf
/// made, and <c>mask</c>/<c>hold</c> on the CLI: formats, exit codes and bad input, one line each.
/// </summary>
[Trait("Category", "RealData")]
[Collection(DnfCollection.Name)]
public class PackageGateTests(DnfWorld world)
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string Old(string suffix = "") => DnfWorld.Kernel(Data.OldRelease, suffix);

    private static string New(string suffix = "") => DnfWorld.Kernel(Data.NewRelease, suffix);

    private static string Abi(string release) => release.Split('-')[1];

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void RpmDatabase_ListsWhatRpmLists_WithTheSameProvidesAndFiles()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        var database = RpmDatabaseReader.Read(root.InstallRoot);
        Assert.Equal(Path.Combine(root.InstallRoot + root.DbPath, "rpmdb.sqlite"), database.Path);
        Assert.Equal(root.RpmQa(), database.Packages.Select(p => p.Nevra).Order(StringComparer.Ordinal));
        foreach (var package in database.Packages)
        {
            var provides = Tools.RunOk("rpm", "--root", root.InstallRoot, "-q", "--provides", package.Nevra).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(provides, package.Provides.Select(p => p.ToString()));
            var files = Tools.RunOk("rpm", "--root", root.InstallRoot, "-ql", package.Nevra).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(files, package.Files);
        }

        Assert.Equal(database.Packages.Select(p => p.Nevra), RpmDatabaseReader.Read(root.InstallRoot, root.DbPath).Packages.Select(p => p.Nevra));
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c", "gpg")]
    public void RpmDatabase_AnImportedSigningKey_IsNotAPackage()
    {
        // Every RHEL system has keys in its rpm database (rpm --import): gpg-pubkey-ID-DATE headers without ARCH.
        var root = world.NewRoot("base-hold", "updates-hold");
        using var gnupg = new TempDirectory();
        var environment = new Dictionary<string, string> { ["GNUPGHOME"] = gnupg.Path };
        Tools.RunBytes("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "kabigate rpmdb test <rpmdb@kabigate.invalid>", "rsa2048", "sign", "never"], environment: environment);
        var key = gnupg.Combine("key.asc");
        File.WriteAllBytes(key, Tools.RunBytes("gpg", ["--armor", "--export", "rpmdb@kabigate.invalid"], environment: environment));
        Tools.Execute("gpgconf", ["--kill", "gpg-agent"], environment: environment);
        Tools.RunOk("rpm", "--root", root.InstallRoot, "--import", key);
        var listed = root.RpmQa();
        Assert.Single(listed, p => p.StartsWith("gpg-pubkey-", StringComparison.Ordinal));
        Assert.Equal(listed.Where(p => !p.StartsWith("gpg-pubkey-", StringComparison.Ordinal)), RpmDatabaseReader.Read(root.InstallRoot).Packages.Select(p => p.Nevra).Order(StringComparer.Ordinal));
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void RpmDatabase_BadInput_OneLineEach()
    {
        using var dir = new TempDirectory();
        var db = Directory.CreateDirectory(dir.Combine("var", "lib", "rpm")).FullName;

        Assert.Equal($"{dir.Combine("missing")}: no such install root", Error(dir.Combine("missing"), "/var/lib/rpm"));
        Assert.StartsWith($"{dir.Path}: no rpm database under the install root (tried /usr/lib/sysimage/rpm, /var/lib/rpm, ", Error(dir.Path, null), StringComparison.Ordinal);

        File.WriteAllBytes(Path.Combine(db, "Packages"), new byte[4096]);
        Assert.Equal($"{db}: the rpm database uses the bdb (Berkeley DB) backend ('Packages'); kabigate reads only the sqlite backend (rpmdb.sqlite, rpm 4.16 and later); 'rpmdb --rebuilddb --define \"_db_backend sqlite\"' converts it", Error(dir.Path, null));
        File.WriteAllBytes(Path.Combine(db, "Packages.db"), new byte[4096]);
        Assert.Contains("uses the ndb backend ('Packages.db')", Error(dir.Path, null), StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(db, "rpmdb.sqlite"), "this is not a database, but it is long enough to look like a file with a header of some kind.....");
        Assert.Equal($"{db}/rpmdb.sqlite: cannot read the rpm database: file is not a database", Error(dir.Path, null));

        // An sqlite file that is not rpm's (no Packages table).
        Tools.RunOk("python3", "-c", $"import sqlite3; c = sqlite3.connect('{db}/rpmdb.sqlite.new'); c.execute('create table other (x)'); c.commit()");
        File.Move(Path.Combine(db, "rpmdb.sqlite.new"), Path.Combine(db, "rpmdb.sqlite"), overwrite: true);
        Assert.Equal($"{db}/rpmdb.sqlite: cannot read the rpm database: no such table: Packages", Error(dir.Path, null));

        // A stored header whose counts do not match its length.
        Tools.RunOk("python3", "-c", $"import sqlite3; c = sqlite3.connect('{db}/rpmdb.sqlite.new'); c.execute('create table Packages (hnum integer primary key, blob blob)'); c.execute(\"insert into Packages values (7, x'00000001000000100000')\"); c.commit()");
        File.Move(Path.Combine(db, "rpmdb.sqlite.new"), Path.Combine(db, "rpmdb.sqlite"), overwrite: true);
        Assert.Equal($"{db}/rpmdb.sqlite#7: stored header is 10 bytes, but its counts make 40 (at offset 0x0)", Error(dir.Path, null));

        static string Error(string root, string? dbPath) =>
            Assert.Throws<ModuleFormatException>(() => RpmDatabaseReader.Read(root, dbPath)).Message;
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void Mask_Cli_TextJsonExcludes()
    {
        var root = world.NewRoot("base-mask", "updates-mask");
        string[] repos = ["--repo", world.Repo("base-mask"), "--repo", world.Repo("updates-mask"), "--installroot", root.InstallRoot];
        var maskedKmod = $"kmod-kabigate-a-1.1-1.k{Abi(Data.OldRelease)}.x86_64";

        var (exit, stdout, stderr) = CliRunner.Run(["mask", .. repos, "--format", "excludes"]);
        Assert.Equal("", stderr);
        Assert.Equal(1, exit);
        Assert.Equal(maskedKmod + "\n", stdout);

        (exit, stdout, stderr) = CliRunner.Run(["mask", .. repos]);
        Assert.Equal(1, exit);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"masked     {maskedKmod}: no available or installed kernel meets its kABI requirements; closest {New(".r2")}", lines[0], StringComparison.Ordinal);
        Assert.Equal($"not judged kmod-kabigate-bare-1.0-1.k{Abi(Data.NewRelease)}.x86_64: declares no kABI requirements; not judged", lines[1]);
        Assert.Equal("2 kernel release(s), 2 kmod package(s): 1 masked, 1 not judged, 0 load", lines[^1]);

        (exit, stdout, _) = CliRunner.Run(["mask", .. repos, "--format", "json"]);
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(2, json.RootElement.GetProperty("schema").GetInt32());
        var kmod = json.RootElement.GetProperty("kmods").EnumerateArray().Single(k => k.GetProperty("package").GetProperty("nevra").GetString() == maskedKmod);
        Assert.Equal("masked", kmod.GetProperty("verdict").GetString());
        var unmet = kmod.GetProperty("closest").GetProperty("unmet").EnumerateArray().ToList();
        Assert.Contains(unmet, u => u.GetProperty("symbol").GetString() == "misc_register");
        Assert.All(unmet, u => Assert.NotEqual(u.GetProperty("wanted").GetString(), u.GetProperty("available").GetString()));
        var exclude = Assert.Single(json.RootElement.GetProperty("excludes").EnumerateArray());
        Assert.Equal("kmod-kabigate-a", exclude.GetProperty("package").GetProperty("name").GetString());
        Assert.Equal("1.1", exclude.GetProperty("package").GetProperty("version").GetString());

        // The kmod the base repository offers for NEW loads on it: nothing masked without the updates.
        (exit, stdout, _) = CliRunner.Run("mask", "--repo", world.Repo("base-mask"), "--dbpath", "/nowhere", "--installroot", root.InstallRoot, "--format", "excludes");
        Assert.Equal(0, exit);
        Assert.Equal("", stdout);
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void Hold_Cli_TextJsonExcludes_InUse()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        string[] args = ["hold", "--repo", world.Repo("base-hold"), "--repo", world.Repo("updates-hold"), "--installroot", root.InstallRoot];

        var (exit, stdout, stderr) = CliRunner.Run([.. args, "--format", "excludes"]);
        Assert.Equal("", stderr);
        Assert.Equal(1, exit);
        Assert.Equal($"kernel-core-{New()}.x86_64\n", stdout);

        (exit, stdout, _) = CliRunner.Run(args);
        Assert.Equal(1, exit);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"held       {New()} (kernel-core-{New()}.x86_64): kmod-kabigate-test-1.0-1.k{Abi(Data.OldRelease)}.x86_64 would not load: ", lines[0], StringComparison.Ordinal);
        Assert.Equal($"allowed    {Old(".r2")} (kernel-core-{Old(".r2")}.x86_64): all 1 installed kmods load", lines[1]);
        Assert.Equal($"newest available kernel on which every installed kmod loads: {Old(".r2")} (kernel-core-{Old(".r2")}.x86_64)", lines[^1]);

        (exit, stdout, _) = CliRunner.Run([.. args, "--format", "json"]);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(Old(".r2"), json.RootElement.GetProperty("newest").GetProperty("release").GetString());
        var held = json.RootElement.GetProperty("kernels").EnumerateArray().Single(k => k.GetProperty("verdict").GetString() == "held");
        Assert.Equal([$"kernel-core-{New()}.x86_64"], held.GetProperty("packages").EnumerateArray().Select(p => p.GetString()));

        // --in-use: a system where none of the kmod's modules is loaded holds nothing; one where kg_crcchange is does.
        var proc = Path.Combine(world.Root, $"modules-{Guid.NewGuid():N}");
        File.WriteAllText(proc, "ext4 1007616 1 - Live 0x0000000000000000\nsnd 126976 0 - Live 0x0000000000000000\n");
        (exit, stdout, _) = CliRunner.Run([.. args, "--in-use", "--proc-modules", proc, "--format", "excludes"]);
        Assert.Equal(0, exit);
        Assert.Equal("", stdout);
        File.AppendAllText(proc, "kg_crcchange 16384 0 - Live 0xffffffffc0a00000 (OE)\n");
        (exit, stdout, _) = CliRunner.Run([.. args, "--in-use", "--proc-modules", proc, "--format", "excludes"]);
        Assert.Equal(1, exit);
        Assert.Equal($"kernel-core-{New()}.x86_64\n", stdout);
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void MaskAndHold_Cli_GivesMasksAndHoldsReportsFromOneRun()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        string[] repos = ["--repo", world.Repo("base-hold"), "--repo", world.Repo("updates-hold"), "--repo", world.Repo("base-mask"), "--repo", world.Repo("updates-mask"), "--installroot", root.InstallRoot];

        var mask = CliRunner.Run(["mask", .. repos, "--format", "json"]);
        var hold = CliRunner.Run(["hold", .. repos, "--format", "json"]);
        var (exit, stdout, stderr) = CliRunner.Run(["mask-and-hold", .. repos, "--format", "json"]);
        Assert.Equal("", stderr);
        Assert.Equal(1, hold.Exit); // the new kernel strands the installed kmod
        Assert.Equal(Math.Max(mask.Exit, hold.Exit), exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("mask-and-hold", json.RootElement.GetProperty("command").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("schema").GetInt32());
        Assert.Equal(mask.Stdout.TrimEnd('\n'), json.RootElement.GetProperty("mask").GetRawText());
        Assert.Equal(hold.Stdout.TrimEnd('\n'), json.RootElement.GetProperty("hold").GetRawText());

        var maskExcludes = CliRunner.Run(["mask", .. repos, "--format", "excludes"]).Stdout;
        var holdExcludes = CliRunner.Run(["hold", .. repos, "--format", "excludes"]).Stdout;
        (exit, stdout, _) = CliRunner.Run(["mask-and-hold", .. repos, "--format", "excludes"]);
        Assert.Equal(1, exit);
        Assert.Equal((maskExcludes + holdExcludes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"kernel-core-{New()}.x86_64", stdout, StringComparison.Ordinal);

        (exit, stdout, _) = CliRunner.Run(["mask-and-hold", .. repos]);
        Assert.Equal(1, exit);
        Assert.Equal(CliRunner.Run(["mask", .. repos]).Stdout + CliRunner.Run(["hold", .. repos]).Stdout, stdout);

        // Like hold, it needs an rpm database: none is an input error, and nothing is listed.
        (exit, stdout, stderr) = CliRunner.Run(["mask-and-hold", .. repos, "--dbpath", "/nowhere", "--format", "json"]);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal($"kabigate: ERROR: {root.InstallRoot}/nowhere: no rpm database here (rpmdb.sqlite, Packages or Packages.db)\n", stderr);
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void Hold_UnderAPolicy_LetsAWaivedKmodsKernelThrough_UntilTheWaiverExpires()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        string[] args = ["hold", "--repo", world.Repo("base-hold"), "--repo", world.Repo("updates-hold"), "--installroot", root.InstallRoot, "--format", "excludes"];
        var policy = Path.Combine(world.Root, $"policy-{Guid.NewGuid():N}.toml");

        // One symbol waived is not enough: the kmod has other unmet requirements.
        File.WriteAllText(policy, "[[waiver]]\nsymbol = \"misc_register\"\nkmod = \"kmod-kabigate-test\"\nowner = \"t\"\nreason = \"r\"\n");
        var (exit, stdout, _) = CliRunner.Run([.. args, "--policy", policy]);
        Assert.Equal(1, exit);
        Assert.Equal($"kernel-core-{New()}.x86_64\n", stdout);

        // The whole kmod waived (by its package name) until a date to come: the kernel is no longer held back.
        File.WriteAllText(policy, "[[waiver]]\nkmod = \"kmod-kabigate-test*\"\nowner = \"t\"\nreason = \"rebuilt soon\"\nexpires = 2099-01-01\n");
        (exit, stdout, _) = CliRunner.Run([.. args, "--policy", policy]);
        Assert.Equal(0, exit);
        Assert.Equal("", stdout);

        File.WriteAllText(policy, File.ReadAllText(policy).Replace("2099-01-01", "2020-01-01", StringComparison.Ordinal));
        (exit, stdout, _) = CliRunner.Run([.. args, "--policy", policy]);
        Assert.Equal(1, exit);
        Assert.Equal($"kernel-core-{New()}.x86_64\n", stdout);

        File.WriteAllText(policy, "severities = \"SYMBOL never_* PASS\"\n");
        var (_, _, stderr) = CliRunner.Run([.. args, "--policy", policy]);
        Assert.Contains("WARNING: Severity rule 'SYMBOL never_* PASS' is unused", stderr, StringComparison.Ordinal);
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void Gates_BadInput_OneLine_ExitTwo_NothingListed()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        var missing = Path.Combine(world.Root, "no-such-repo");
        var (exit, stdout, stderr) = CliRunner.Run("mask", "--repo", world.Repo("base-hold"), "--repo", missing, "--installroot", root.InstallRoot, "--format", "excludes");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal($"kabigate: ERROR: {missing}: no such directory (a repository is a directory or an http(s):// URL)\n", stderr);

        // A repository whose primary file vanished after repomd.xml named it (a cache cleaned under a running dnf).
        var vanishing = Path.Combine(world.Root, $"vanishing-{Guid.NewGuid():N}");
        DnfWorld.Shell($"cp -a '{world.Repo("updates-hold")}' '{vanishing}' && rm '{vanishing}'/repodata/*-primary.xml*");
        (exit, stdout, stderr) = CliRunner.Run("hold", "--repo", vanishing, "--installroot", root.InstallRoot);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"kabigate: ERROR: {vanishing}: ", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = CliRunner.Run("hold", "--repo", world.Repo("updates-hold"), "--installroot", root.InstallRoot, "--in-use", "--proc-modules", "/nonexistent/modules");
        Assert.Equal(2, exit);
        Assert.StartsWith("kabigate: ERROR: /nonexistent/modules: cannot read the loaded modules: ", stderr, StringComparison.Ordinal);

        var unreadable = Path.Combine(world.Root, $"unreadable-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(unreadable, "var", "lib", "rpm"));
        File.WriteAllText(Path.Combine(unreadable, "var", "lib", "rpm", "rpmdb.sqlite"), new string('x', 200));
        (exit, stdout, stderr) = CliRunner.Run("mask", "--repo", world.Repo("updates-mask"), "--installroot", unreadable);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal($"kabigate: ERROR: {unreadable}/var/lib/rpm/rpmdb.sqlite: cannot read the rpm database: file is not a database\n", stderr);
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void InstallDnfPlugin_WritesThePluginWhereDnfLooks_KeepsAnExistingConf()
    {
        using var dir = new TempDirectory();
        var (exit, _, stderr) = CliRunner.Run("install-dnf-plugin", "--root", dir.Path);
        Assert.Equal(2, exit);
        Assert.StartsWith($"kabigate: ERROR: {dir.Path}: no dnf 4 found", stderr, StringComparison.Ordinal);

        // dnf's own const.py says where (Debian's python3-dnf: /usr/lib/python3/dist-packages/dnf/const.py).
        var dnfPackage = Directory.CreateDirectory(dir.Combine("usr", "lib", "python3", "dist-packages", "dnf")).FullName;
        File.Copy("/usr/lib/python3/dist-packages/dnf/const.py", Path.Combine(dnfPackage, "const.py"));
        string stdout;
        (exit, stdout, stderr) = CliRunner.Run("install-dnf-plugin", "--root", dir.Path, "--kabigate", "/usr/bin/kabigate");
        Assert.Equal("", stderr);
        Assert.Equal(0, exit);
        var plugin = dir.Combine("usr", "lib", "python3", "dist-packages", "dnf-plugins", "kabigate.py");
        var conf = dir.Combine("etc", "dnf", "plugins", "kabigate.conf");
        Assert.Equal($"installed {plugin}\ninstalled {conf} (kabigate = /usr/bin/kabigate)\n", stdout);
        Assert.Contains("\nkabigate = /usr/bin/kabigate\n", File.ReadAllText(conf), StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(DnfWorld.SourceRoot, "packaging", "dnf", "kabigate.py")), File.ReadAllText(plugin));

        File.WriteAllText(conf, "[main]\nenabled = 0\n");
        (exit, stdout, _) = CliRunner.Run("install-dnf-plugin", "--root", dir.Path);
        Assert.Equal(0, exit);
        Assert.Equal($"installed {plugin}\nkept {conf} (exists)\n", stdout);
        Assert.Equal("[main]\nenabled = 0\n", File.ReadAllText(conf));
    }
}

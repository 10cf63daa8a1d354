using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// The dnf 4 plugin (packaging/dnf/kabigate.py) in real dnf, in an --installroot, against repositories of kernel-core
/// and kmod RPMs built from the real Debian ABIs and the kbuild-built test kmods (see <see cref="DnfWorld"/>).
/// Every assertion on dnf's own behaviour is what this dnf (Debian's dnf 4.14, best=True as RHEL sets it) does.
/// </summary>
[Trait("Category", "RealData")]
[Collection(DnfCollection.Name)]
public class DnfPluginTests(DnfWorld world)
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string Old(string suffix = "") => DnfWorld.Kernel(Data.OldRelease, suffix);

    private static string New(string suffix = "") => DnfWorld.Kernel(Data.NewRelease, suffix);

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void Mask_KmodNoKernelCarries_WithoutThePluginUpgradeFails_WithItTheKmodIsMaskedAndTheRestUpgrades()
    {
        var root = world.NewRoot("base-mask", "updates-mask");
        Assert.Equal(Sorted($"kernel-core-{New()}.x86_64", $"kmod-kabigate-a-1.0-1.k{Abi(Data.NewRelease)}.x86_64"), root.RpmQa());

        var (exit, stdout, stderr) = root.Dnf("--disableplugin", "kabigate", "upgrade");
        Assert.Equal(1, exit);
        Assert.Contains($"cannot install the best update candidate for package kmod-kabigate-a-1.0-1.k{Abi(Data.NewRelease)}.x86_64", stderr, StringComparison.Ordinal);
        Assert.Matches($@"nothing provides kernel\(misc_register\) = 0x[0-9a-f]{{8}} needed by kmod-kabigate-a-1\.1-1\.k{Abi(Data.OldRelease)}\.x86_64", stderr);
        Assert.DoesNotContain("kabigate", stdout, StringComparison.Ordinal);

        (exit, stdout, stderr) = root.Dnf("upgrade");
        Assert.True(exit == 0, stdout + stderr);
        var masked = $"kabigate mask: excluding kmod-kabigate-a-1.1-1.k{Abi(Data.OldRelease)}.x86_64 from updates: no available or installed kernel meets its kABI requirements; closest {New(".r2")} (kernel-core-{New(".r2")}.x86_64): 2 of ";
        Assert.Contains(masked, stdout, StringComparison.Ordinal);
        Assert.Matches(@"kernel\(misc_register\) = 0x[0-9a-f]{8} \(kernel has 0x[0-9a-f]{8}\)", stdout);
        Assert.Contains($"kabigate mask: kmod-kabigate-bare-1.0-1.k{Abi(Data.NewRelease)}.x86_64 declares no kABI requirements; not judged", stdout, StringComparison.Ordinal);
        Assert.Equal(
            Sorted($"kernel-core-{New()}.x86_64", $"kernel-core-{New(".r2")}.x86_64", $"kmod-kabigate-a-1.0-1.k{Abi(Data.NewRelease)}.x86_64"),
            root.RpmQa());
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void Mask_WithoutThePluginAndBestFalse_DnfSkipsTheKmodUpdateAsBroken()
    {
        var root = world.NewRoot("base-mask", "updates-mask");
        var (exit, stdout, stderr) = root.Dnf("--disableplugin", "kabigate", "--setopt=best=False", "upgrade");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Matches($@"Skipping packages with broken dependencies:\s+kmod-kabigate-a\s+x86_64\s+1\.1-1\.k{Abi(Data.OldRelease)}\s", stdout);
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void Hold_TheKernelThatBreaksAnInstalledKmodIsHeldBack_TheSameAbiReleaseIsInstalled()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        var (exit, stdout, stderr) = root.Dnf("upgrade");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"kabigate hold: excluding kernel-core-{New()}.x86_64 from updates: kernel {New()} held back: kmod-kabigate-test-1.0-1.k{Abi(Data.OldRelease)}.x86_64 would not load: ", stdout, StringComparison.Ordinal);
        Assert.Matches(@"kernel\(misc_register\) = 0x[0-9a-f]{8} \(kernel has 0x[0-9a-f]{8}\)", stdout);
        Assert.Contains($"kabigate hold: newest available kernel on which every installed kmod loads: {Old(".r2")} (kernel-core-{Old(".r2")}.x86_64)", stdout, StringComparison.Ordinal);
        Assert.Equal(
            Sorted($"kernel-core-{Old()}.x86_64", $"kernel-core-{Old(".r2")}.x86_64", $"kmod-kabigate-test-1.0-1.k{Abi(Data.OldRelease)}.x86_64"),
            root.RpmQa());
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void Hold_DecidesPerRepository_AHostileCopyOfANevraOrAForeignPackageExcludesNothingElsewhere()
    {
        // aaa-evil offers the NEVRA of the genuine .r2 kernel (updates) with the new ABI's CRCs, and an openssl-libs that
        // provides kernel-uname-r; genuine-extra offers the genuine openssl-libs of the same NEVRA.
        var root = world.NewRoot("base-hold", "updates-hold", "", "aaa-evil", "genuine-extra");
        var (exit, stdout, stderr) = root.Dnf("repoquery", "--qf", "%{name}-%{evr}.%{arch} %{repoid}", "kernel-core", "openssl-libs");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"kabigate hold: excluding kernel-core-{Old(".r2")}.x86_64 from aaa-evil: ", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain($"excluding kernel-core-{Old(".r2")}.x86_64 from updates", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("openssl-libs", string.Join('\n', (stdout + stderr).Split('\n').Where(l => l.StartsWith("kabigate", StringComparison.Ordinal))), StringComparison.Ordinal);
        var offered = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("kabigate", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Sorted($"kernel-core-{Old()}.x86_64 base", $"kernel-core-{Old(".r2")}.x86_64 updates", $"openssl-libs-{Old()}.x86_64 aaa-evil", $"openssl-libs-{Old()}.x86_64 genuine-extra"), offered);

        (exit, stdout, stderr) = root.Dnf("upgrade");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"kernel-core-{Old(".r2")}.x86_64", root.RpmQa());
        var provides = Tools.RunOk("rpm", "--root", root.InstallRoot, "-q", "--provides", $"kernel-core-{Old(".r2")}.x86_64");
        var genuine = Tools.RunOk("rpm", "--root", root.InstallRoot, "-q", "--provides", $"kernel-core-{Old()}.x86_64");
        string Crc(string list) => list.Split('\n').Single(l => l.StartsWith("kernel(misc_register) = ", StringComparison.Ordinal));
        Assert.Equal(Crc(genuine), Crc(provides));
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void DisablePlugin_GivesDnfsOwnBehaviourBack()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        var (exit, stdout, stderr) = root.Dnf("--disableplugin", "kabigate", "upgrade");
        Assert.True(exit == 0, stdout + stderr);
        Assert.DoesNotContain("kabigate", stdout, StringComparison.Ordinal);
        // dnf upgrades an installonly kernel to the newest one: the one that breaks the kmod.
        Assert.Equal(
            Sorted($"kernel-core-{Old()}.x86_64", $"kernel-core-{New()}.x86_64", $"kmod-kabigate-test-1.0-1.k{Abi(Data.OldRelease)}.x86_64"),
            root.RpmQa());
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void ModeMask_LeavesKernelsAlone()
    {
        var root = world.NewRoot("base-hold", "updates-hold", "mode = mask\n");
        var (exit, stdout, stderr) = root.Dnf("upgrade");
        Assert.True(exit == 0, stdout + stderr);
        Assert.DoesNotContain("kabigate hold", stdout, StringComparison.Ordinal);
        Assert.Contains($"kernel-core-{New()}.x86_64", root.RpmQa());
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void KabigateFails_NotStrict_DnfGoesOnUnfilteredAndSaysSoInOneLine()
    {
        var root = world.NewRoot("base-hold", "updates-hold", "kabigate = /nonexistent/kabigate\nstrict = 0\n");
        var (exit, stdout, stderr) = root.Dnf("upgrade");
        Assert.True(exit == 0, stdout + stderr);
        var lines = (stdout + stderr).Split('\n').Where(l => l.Contains("kabigate", StringComparison.Ordinal)).ToList();
        Assert.Equal("kabigate mask failed: [Errno 2] No such file or directory: '/nonexistent/kabigate'; going on without kABI filtering (strict = 0)", Assert.Single(lines));
        Assert.Contains($"kernel-core-{New()}.x86_64", root.RpmQa());
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void KabigateFails_Strict_DnfStops()
    {
        var root = world.NewRoot("base-hold", "updates-hold", "kabigate = /nonexistent/kabigate\nstrict = 1\n");
        var before = root.RpmQa();
        var (exit, _, stderr) = root.Dnf("upgrade");
        Assert.Equal(1, exit);
        Assert.Contains("Error: kabigate mask failed: [Errno 2] No such file or directory: '/nonexistent/kabigate' (strict = 1 in kabigate.conf: stopping)", stderr, StringComparison.Ordinal);
        Assert.Equal(before, root.RpmQa());
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void KabigateErrors_TheFirstErrorLineIsPassedOn()
    {
        // kabigate exits 2 with one line (here: no rpm database): the plugin passes that line on, as the first gate's, applies nothing.
        var root = world.NewRoot("base-hold", "updates-hold");
        var failing = Path.Combine(world.Root, $"failing-{Guid.NewGuid():N}.sh");
        File.WriteAllText(failing, $$"""
            #!/bin/bash
            # hold (mode both: mask-and-hold) finds no rpm database: --dbpath is pointed elsewhere
            args=(); prev=
            for a in "$@"; do [ "$prev" = --dbpath ] && [ "$1" = mask-and-hold ] && a=/nowhere; args+=("$a"); prev=$a; done
            exec '{{world.Kabigate}}' "${args[@]}"

            """);
        Tools.RunOk("chmod", "755", failing);
        root.WritePluginConf($"kabigate = {failing}\nstrict = 0\n");
        var (exit, stdout, stderr) = root.Dnf("upgrade");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"kabigate mask failed: kabigate: ERROR: {root.InstallRoot}/nowhere: no rpm database here (rpmdb.sqlite, Packages or Packages.db); going on without kABI filtering (strict = 0)", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("excluding", stdout, StringComparison.Ordinal);
        Assert.Contains($"kernel-core-{New()}.x86_64", root.RpmQa());
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public void CheckUpdate_ListsOnlyWhatThePluginLetsThrough()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        var (exit, stdout, stderr) = root.Dnf("check-update");
        Assert.True(exit == 100, stdout + stderr); // dnf: 100 = updates available
        Assert.Contains($"{Old(".r2")}", stdout, StringComparison.Ordinal);
        Assert.DoesNotMatch($@"kernel-core\.x86_64\s+{System.Text.RegularExpressions.Regex.Escape(New())}\s", stdout);
    }

    private static string Abi(string release) => release.Split('-')[1];

    private static IEnumerable<string> Sorted(params string[] nevras) => nevras.Order(StringComparer.Ordinal);
}

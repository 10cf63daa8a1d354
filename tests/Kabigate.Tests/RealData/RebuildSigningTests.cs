using Kabigate.Abi;
using Kabigate.Abi.Rebuild;
using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.Build;
using Kabigate.Formats.Signing;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// Signing with the real headers' scripts/sign-file and an openssl-made key, read back by modinfo and by kabigate;
/// and a real build that its class's key put together with a kernel that refuses it (built-but-refused, the class
/// split, nothing packaged for that kernel).
/// </summary>
[Trait("Category", "RealData")]
public class RebuildSigningTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string Kmods => Path.Combine(SourceTree.Root, "tests", "kmods");

    private static RebuildRunResult Run(TempDirectory temp, IReadOnlyList<string> recipes, IReadOnlyList<string> releases, PackageFormats package, ModuleSigning? signing = null, string output = "out", string store = "store.db") =>
        RebuildRunOperation.Run(new RebuildRunRequest(Request(temp, recipes, releases, store), 2, TimeSpan.FromSeconds(600), temp.Combine(output), package, signing), SilentLog.Instance);

    private static RebuildPlanRequest Request(TempDirectory temp, IReadOnlyList<string> recipes, IReadOnlyList<string> releases, string store = "store.db") =>
        new(recipes, null, [], [.. releases.Select(Data.HeadersDeb)], Data.NewerHeaders.Length > 0 ? [Data.NewerHeaders] : [], temp.Combine(store));

    private static (string Key, string Cert) OpensslKey(TempDirectory temp, string commonName, string stem)
    {
        var (key, cert) = (temp.Combine(stem + ".key.pem"), temp.Combine(stem + ".cert.pem"));
        Tools.RunOk("openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", $"/CN={commonName}/", "-keyout", key, "-out", cert);
        return (key, cert);
    }

    [RealDataFact("make", "gcc", "openssl", "modinfo", "rpmbuild", "rpm2cpio", "cpio")]
    public void SignedWithTheHeadersSignFile_ModinfoShowsTheSigner_KabigateVerifiesIt_AndThePackageKeepsIt()
    {
        using var temp = new TempDirectory();
        var (key, cert) = OpensslKey(temp, "kabigate rebuild signer", "signer");
        List<string> releases = [Data.NewRelease, .. Data.NewerBuildRelease.Length > 0 ? [Data.NewerBuildRelease] : Array.Empty<string>()];
        var result = Run(temp, [Path.Combine(Kmods, "kg_stable")], releases, PackageFormats.Rpm, new ModuleSigning(key, cert));

        Assert.Equal(RebuildRunOutcome.Covered, result.Outcome);
        Assert.Equal(releases.Count, result.Builds.Count);
        var trusted = TrustedKeys.Read([cert]);
        foreach (var build in result.Builds)
        {
            Assert.Equal("kabigate rebuild signer", build.Signer);
            var module = build.Outcome.ModuleFiles.Single();
            Assert.Equal("kabigate rebuild signer", Tools.RunOk("modinfo", "-F", "signer", module).Trim());
            Assert.Equal("sha256", Tools.RunOk("modinfo", "-F", "sig_hashalgo", module).Trim());
            var image = ModuleSetReader.Read([module]).Modules.Single();
            Assert.Equal("kabigate rebuild signer", image.Signature!.Signer);
            Assert.Equal(SignatureCheck.Verified, trusted.Check(image).Check);
            Assert.All(result.Results.Where(r => r.BuiltOn == build.BuiltOn), r => Assert.Equal("signed by 'kabigate rebuild signer'", r.Detail));

            // kabigate check: the signature verifies with the certificate, under enforcement; with another certificate it is refused.
            var headers = build.BuiltOn == Data.NewerBuildRelease ? Data.NewerHeaders : Data.HeadersDeb(build.BuiltOn);
            var (exit, stdout, stderr) = CliRunner.Run("check", "--kernel", headers, "--trusted-cert", cert, "--enforce-signatures", module);
            Assert.True(exit == 0, stdout + stderr);
            var (_, otherCert) = OpensslKey(temp, "someone else", "other-" + build.BuiltOn);
            (exit, stdout, _) = CliRunner.Run("check", "--kernel", headers, "--trusted-cert", otherCert, "--enforce-signatures", module);
            Assert.Equal(1, exit);
            Assert.Contains("Key was rejected by service", stdout, StringComparison.Ordinal);

            // The RPM carries the signed file byte for byte: no strip, no rewrite.
            var rpm = build.Packages.Single();
            var unpacked = Directory.CreateDirectory(temp.Combine("unpacked-" + build.BuiltOn)).FullName;
            Tools.RunOk("bash", "-c", $"cd '{unpacked}' && rpm2cpio '{rpm}' | cpio -idm --quiet");
            var packaged = Path.Combine(unpacked, "lib", "modules", build.BuiltOn, "extra", "kg_stable", "kg_stable.ko");
            Assert.Equal(File.ReadAllBytes(module), File.ReadAllBytes(packaged));
            Assert.Equal("kabigate rebuild signer", Tools.RunOk("modinfo", "-F", "signer", packaged).Trim());
        }

        // A certificate that is not the key's: sign-file refuses to sign, the build is build-failed, nothing is packaged.
        var (_, strangerCert) = OpensslKey(temp, "stranger", "stranger");
        var mismatched = Run(temp, [Path.Combine(Kmods, "kg_stable")], [Data.NewRelease], PackageFormats.Rpm, new ModuleSigning(key, strangerCert), "out-mismatched", "mismatched.db");
        var failed = mismatched.Results.Single();
        Assert.Equal(RebuildStatuses.BuildFailed, failed.Status);
        Assert.Empty(mismatched.Builds.Single().Packages);
        Assert.StartsWith("signing failed: scripts/sign-file failed on kg_stable.ko: ", failed.Detail, StringComparison.Ordinal);
        // The key's fault, not the recipe's: the next plan builds again rather than blocking the class.
        var plan = RebuildPlanOperation.Run(Request(temp, [Path.Combine(Kmods, "kg_stable")], [Data.NewRelease], "mismatched.db"), SilentLog.Instance);
        Assert.Equal(PlanAction.Build, plan.Recipes.Single().Plan.Items.Single().Action);

        var (code, _, error) = CliRunner.Run("rebuild", "run", "--recipe", Path.Combine(Kmods, "kg_stable"), "--kernels", Data.HeadersDeb(Data.NewRelease), "--db", temp.Combine("store.db"), "--sign-key", key);
        Assert.Equal((2, "kabigate: ERROR: --sign-key and --sign-cert go together\n"), (code, error));
        (code, _, error) = CliRunner.Run("rebuild", "run", "--recipe", Path.Combine(Kmods, "kg_stable"), "--kernels", Data.HeadersDeb(Data.NewRelease), "--db", temp.Combine("store.db"), "--sign-key", key, "--sign-cert", key);
        Assert.Equal(2, code);
        Assert.StartsWith("kabigate: ERROR: --sign-cert: ", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// A kmod whose earlier build (for 6.1) imported a few stable symbols: over those, 6.12.115, .117 and .118 look
    /// alike (same module_layout, same CRCs), so the plan makes them one class and builds once on .118, the member
    /// with headers. Its new version also imports misc_register, whose CRC .115 does not share: the loader refuses the
    /// build there. The run says so in the loader's words, keeps the build for .117 and .118, packages nothing for
    /// .115, and the next plan gives .115 a class of its own.
    /// </summary>
    [RealDataFact("make", "gcc", "depmod", "rpmbuild", "dpkg-deb")]
    public void ABuildItsClassKeyCouldNotForesee_IsBuiltButRefused_OnTheMemberThatRefusesIt_InTheLoadersWords_AndNeverPackagedThere()
    {
        string[] newer = ["6.12.115+deb12-amd64", "6.12.117+deb12-amd64", Data.NewerBuildRelease];
        Assert.True(Data.NewerBuildRelease == "6.12.118+deb12-amd64" && newer.All(r => Data.NewerReleases.Contains(r)), "needs Debian's 6.12.115, .117 and .118 ABIs (tests/prepare-data.sh)");
        using var temp = new TempDirectory();
        var source = Directory.CreateDirectory(temp.Combine("kg_grows")).FullName;
        File.WriteAllText(Path.Combine(source, "Kbuild"), "obj-m += kg_grows.o\n");
        const string Version1 = "#include <linux/module.h>\n#include <linux/delay.h>\n#include <linux/timekeeping.h>\nstatic int __init kg_grows_init(void)\n{\n\tmsleep(1);\n\tpr_info(\"kg_grows %lld\\n\", ktime_get());\n\treturn 0;\n}\nmodule_init(kg_grows_init);\nMODULE_LICENSE(\"GPL\");\n";
        File.WriteAllText(Path.Combine(source, "kg_grows.c"), Version1);
        var first = Run(temp, [source], [Data.NewRelease], PackageFormats.None, output: "out-v1");
        Assert.Equal(RebuildStatuses.Built, first.Results.Single().Status);

        // Version 2 registers a misc device too.
        File.WriteAllText(Path.Combine(source, "kg_grows.c"), Version1
            .Replace("#include <linux/delay.h>\n", "#include <linux/delay.h>\n#include <linux/miscdevice.h>\n#include <linux/fs.h>\nstatic const struct file_operations kg_grows_fops = { .owner = THIS_MODULE };\nstatic struct miscdevice kg_grows_device = { .minor = MISC_DYNAMIC_MINOR, .name = \"kg_grows\", .fops = &kg_grows_fops };\n", StringComparison.Ordinal)
            .Replace("\treturn 0;\n}\nmodule_init(kg_grows_init);\n", "\treturn misc_register(&kg_grows_device);\n}\nstatic void __exit kg_grows_exit(void)\n{\n\tmisc_deregister(&kg_grows_device);\n}\nmodule_init(kg_grows_init);\nmodule_exit(kg_grows_exit);\n", StringComparison.Ordinal));
        var result = Run(temp, [source], newer, PackageFormats.Rpm | PackageFormats.Deb, output: "out-v2");

        var item = Assert.Single(result.Plan.Recipes.Single().Plan.Items);
        Assert.Equal(PlanAction.Build, item.Action);
        Assert.Equal(newer, item.Kernels.Select(k => k.Release));
        Assert.Equal(Data.NewerBuildRelease, item.BuildOn!.Release);
        Assert.Equal(RebuildRunOutcome.NotCovered, result.Outcome);
        var byKernel = result.Results.ToDictionary(r => r.Kernel);
        Assert.Equal(RebuildStatuses.Built, byKernel["6.12.117+deb12-amd64"].Status);
        Assert.Equal(RebuildStatuses.Built, byKernel[Data.NewerBuildRelease].Status);
        var refused = byKernel["6.12.115+deb12-amd64"];
        Assert.Equal(RebuildStatuses.BuiltButRefused, refused.Status);
        Assert.Contains("disagrees about version of symbol misc_register", refused.Detail, StringComparison.Ordinal);
        Assert.Empty(refused.Artifacts);
        Assert.Empty(refused.Packages);
        var build = result.Builds.Single();
        Assert.Equal(["6.12.115+deb12-amd64"], build.Refused.Select(r => r.Kernel.Release));
        // Packaged for the members that load it, never for the one that refuses it.
        Assert.DoesNotContain(build.Packages, p => p.Contains("6.12.115", StringComparison.Ordinal));
        Assert.Equal(3, build.Packages.Count); // the RPM (files under .118, its kernel(sym) requires) and the .debs of .117 and .118
        // depmod agrees: the same CRC mismatch on .115, none on the others.
        var module = build.Outcome.ModuleFiles.Single();
        var symvers115 = Path.Combine(Tools.ExtractFromDeb(Data.HeadersDeb("6.12.115+deb12-amd64"), "*/Module.symvers", temp.Combine("symvers115")), "usr/src/linux-headers-6.12.115+deb12-amd64/Module.symvers");
        Assert.Contains(new Depmod.Finding("kg_grows.ko", "misc_register", "crc-mismatch"), Depmod.Run([module], symvers115, "6.12.115+deb12-amd64"));
        Assert.Empty(Depmod.Run([module], Path.Combine(Data.NewerHeaders, "Module.symvers"), Data.NewerBuildRelease));

        // compatible and matrix count the rebuilt kmod on the kernels the run stored (6.1.0-56 from the first run, the three 6.12).
        var (exit, stdout, _) = CliRunner.Run("compatible", "kg_grows", "--db", temp.Combine("store.db"));
        Assert.Equal(0, exit);
        Assert.Contains($"kg_grows (built for {Data.NewerBuildRelease}, {module}) loads on 2 of 4 stored releases", stdout, StringComparison.Ordinal);
        Assert.Matches(@"6\.12\.115\+deb12-amd64: kg_grows: disagrees about version of symbol misc_(de)?register", stdout);
        (_, stdout, _) = CliRunner.Run("matrix", "--db", temp.Combine("store.db"), "--format", "csv");
        var rows = stdout.Split('\n').Select(l => l.Split(',')).Where(f => f.Length > 5 && f[1] == "kg_grows" && f[2] == Data.NewerBuildRelease).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Equal(["6.12.117+deb12-amd64", Data.NewerBuildRelease], rows.Where(f => f[5] == "true").Select(f => f[4]).Order(StringComparer.Ordinal));

        // The class split holds: next time .117 and .118 reuse the build, and .115 is a class of its own (no headers for it here).
        var again = RebuildPlanOperation.Run(Request(temp, [source], newer), SilentLog.Instance);
        var items = again.Recipes.Single().Plan.Items;
        Assert.Equal(["6.12.117+deb12-amd64", Data.NewerBuildRelease], items.Single(i => i.Action == PlanAction.Reuse).Kernels.Select(k => k.Release));
        var alone = items.Single(i => i.Action != PlanAction.Reuse);
        Assert.Equal((PlanAction.Blocked, "no headers for any member of the class"), (alone.Action, alone.Reason));
        Assert.Equal(["6.12.115+deb12-amd64"], alone.Kernels.Select(k => k.Release));
    }
}

using Kabigate.Abi;
using Kabigate.App.Operations;
using Kabigate.Formats;
using Kabigate.Formats.Kernel;
using Kabigate.Formats.Signing;
using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats;

/// <summary>
/// Module signatures checked as kernel/module/signing.c and crypto/asymmetric_keys/pkcs7_*.c do: keys made with
/// openssl here, modules signed by the real headers' scripts/sign-file (6.1 and 6.12), and Debian's own signed
/// in-tree modules verified with the certificate built into Debian's kernel (read out of its vmlinuz).
/// </summary>
public sealed class ModuleSignatureTrustTests : IDisposable
{
    private const string Release = "6.1.0-47-amd64";
    private const string Magic = Release + " SMP preempt mod_unload modversions ";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string SignFile(string headers) => Path.Combine(headers, "scripts", "sign-file");

    /// <summary>A self-signed certificate and its key, as a distribution's signing key or a MOK is made.</summary>
    private (string Key, string Cert) MakeKey(string name, string algorithm = "rsa:2048")
    {
        var key = _dir.Combine(name + ".key");
        var cert = _dir.Combine(name + ".pem");
        var args = algorithm == "ec"
            ? new[] { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=" + name, "-sha256" }
            : ["req", "-x509", "-newkey", algorithm, "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=" + name, "-sha256"];
        Tools.RunOk("openssl", args);
        return (key, cert);
    }

    private string WriteModule(string name)
    {
        var path = _dir.Combine(name + ".ko");
        File.WriteAllBytes(path, new ElfBuilder
        {
            Modinfo = [("license", "GPL"), ("name", name), ("vermagic", Magic)],
            Undefined = [("_printk", false)],
            Versions = [("_printk", 0x92997ed8)],
        }.Build());
        return path;
    }

    private string Signed(string headers, string module, (string Key, string Cert) key, string hash = "sha256", bool keyId = false)
    {
        var signed = _dir.Combine(Path.GetFileNameWithoutExtension(module) + "-" + Path.GetFileNameWithoutExtension(key.Cert) + (keyId ? "-k" : "") + ".ko");
        File.Copy(module, signed, overwrite: true);
        Tools.RunOk(SignFile(headers), [.. keyId ? new[] { "-k" } : [], hash, key.Key, key.Cert, signed]);
        return signed;
    }

    private static KernelAbi Kernel() =>
        new(Release, [new KernelExport("_printk", 0x92997ed8, "vmlinux", ExportKind.Plain, null)], "test", Magic, loader: new LoaderConfig(false, false));

    private static Verdict Judge(ModuleImage module, TrustedKeys keys, bool enforce) =>
        CompatibilityEngine.Check([Kernel()], [module], new CheckOptions(Signatures: CheckOperation.Signatures(keys, [module], enforce)))[0, 0];

    public static TheoryData<string> Headers() => Support.RealData.Missing is null ? new TheoryData<string>(Support.RealData.HeadersDir(Support.RealData.Instance.OldRelease), Support.RealData.Instance.NewerHeaders) : new TheoryData<string>("");

    [RealDataTheory("openssl")]
    [MemberData(nameof(Headers))]
    public void SignFile_TrustedKey_Verifies_OtherKeyIsUnavailable(string headers)
    {
        Assert.True(File.Exists(SignFile(headers)), $"{SignFile(headers)} missing: the headers ship sign-file");
        var mok = MakeKey("kabigate-test-mok");
        var stranger = MakeKey("kabigate-stranger");
        var signed = ModuleFileReader.Read(Signed(headers, WriteModule("kgsig"), mok));
        Assert.Equal("kabigate-test-mok", signed.Signature!.Signer);
        Assert.Equal("sha256", signed.Signature.HashAlgorithm);

        var trusted = TrustedKeys.Read([mok.Cert]);
        Assert.Equal(SignatureCheck.Verified, trusted.Check(signed).Check);
        Assert.True(Judge(signed, trusted, enforce: true).Loads);

        var others = TrustedKeys.Read([stranger.Cert]);
        var untrusted = others.Check(signed);
        Assert.Equal(SignatureCheck.UnavailableKey, untrusted.Check);
        var refused = Assert.Single(Judge(signed, others, enforce: true).Problems);
        Assert.Equal(ProblemKind.SignatureRejected, refused.Kind);
        Assert.StartsWith("kgsig: Loading of module with unavailable key is rejected (-EKEYREJECTED: Key was rejected by service; signer 'kabigate-test-mok', key ", refused.Message);
        var tainted = Judge(signed, others, enforce: false);
        Assert.True(tainted.Loads);
        Assert.StartsWith("kgsig: module verification failed: signature and/or required key missing - tainting kernel (signer 'kabigate-test-mok'", Assert.Single(tainted.Warnings).Message);
        Assert.Equal("signature-unverified", tainted.Warnings[0].Kind.ToJsonName());
    }

    [RealDataFact("openssl")]
    public void Unsigned_RefusedUnderEnforcement_TaintsWithout()
    {
        var mok = MakeKey("kabigate-test-mok");
        var module = ModuleFileReader.Read(WriteModule("kgplain"));
        var keys = TrustedKeys.Read([mok.Cert]);
        Assert.Equal(SignatureCheck.Unsigned, keys.Check(module).Check);
        Assert.Equal("kgplain: Loading of unsigned module is rejected (-EKEYREJECTED: Key was rejected by service; no signature appended)",
            Assert.Single(Judge(module, keys, enforce: true).Problems).Message);
        Assert.Equal("kgplain: module verification failed: signature and/or required key missing - tainting kernel (no signature appended)",
            Assert.Single(Judge(module, keys, enforce: false).Warnings).Message);
    }

    [RealDataFact("openssl")]
    public void Tampered_SignedByTrustedKey_IsRefusedEvenWithoutEnforcement()
    {
        var mok = MakeKey("kabigate-test-mok");
        var path = Signed(Support.RealData.HeadersDir(Support.RealData.Instance.OldRelease), WriteModule("kgtamper"), mok);
        var bytes = File.ReadAllBytes(path);
        var modinfo = bytes.AsSpan().IndexOf("license=GPL"u8);
        bytes[modinfo + "license=".Length] = (byte)'g'; // the signed bytes change, the signature stays
        var module = ElfModuleReaderRead(bytes, path);
        var keys = TrustedKeys.Read([mok.Cert]);
        Assert.Equal(SignatureCheck.Rejected, keys.Check(module).Check);
        var problem = Assert.Single(Judge(module, keys, enforce: false).Problems);
        Assert.StartsWith("kgtamper: module signature check failed: -EKEYREJECTED (Key was rejected by service) (signer 'kabigate-test-mok', key ", problem.Message);
        Assert.EndsWith("the module changed after it was signed)", problem.Message);
    }

    private static ModuleImage ElfModuleReaderRead(byte[] bytes, string path) => Kabigate.Formats.Elf.ElfModuleReader.Read(bytes, path);

    [RealDataFact("openssl")]
    public void KeyIdSigner_DerCertificate_PemBundle_Ecdsa_Sha512()
    {
        var headers = Support.RealData.HeadersDir(Support.RealData.Instance.OldRelease);
        var mok = MakeKey("kabigate-test-mok");
        var stranger = MakeKey("kabigate-stranger");
        var der = _dir.Combine("mok.der");
        Tools.RunOk("openssl", "x509", "-in", mok.Cert, "-outform", "DER", "-out", der);
        var bundle = _dir.Combine("bundle.pem");
        File.WriteAllText(bundle, File.ReadAllText(stranger.Cert) + File.ReadAllText(mok.Cert));

        var byKeyId = ModuleFileReader.Read(Signed(headers, WriteModule("kgkeyid"), mok, keyId: true));
        Assert.Null(byKeyId.Signature!.Signer); // sign-file -k names the signer by subject key identifier only
        Assert.Equal(SignatureCheck.Verified, TrustedKeys.Read([der]).Check(byKeyId).Check);
        Assert.Equal(2, TrustedKeys.Read([bundle]).Keys.Count);
        Assert.Equal(SignatureCheck.Verified, TrustedKeys.Read([bundle]).Check(byKeyId).Check);
        Assert.Equal(SignatureCheck.UnavailableKey, TrustedKeys.Read([stranger.Cert]).Check(byKeyId).Check);

        var ec = MakeKey("kabigate-ec", "ec");
        var ecSigned = ModuleFileReader.Read(Signed(headers, WriteModule("kgec"), ec));
        Assert.Equal(SignatureCheck.Verified, TrustedKeys.Read([ec.Cert]).Check(ecSigned).Check);
        var sha512 = ModuleFileReader.Read(Signed(headers, WriteModule("kg512"), mok, hash: "sha512"));
        Assert.Equal("sha512", sha512.Signature!.HashAlgorithm);
        Assert.Equal(SignatureCheck.Verified, TrustedKeys.Read([mok.Cert]).Check(sha512).Check);
    }

    /// <summary>
    /// A PKCS#7 with authenticated attributes (what openssl cms writes without -noattr; the kernel accepts both): the
    /// messageDigest must be the module's digest, and the signature covers the attributes.
    /// </summary>
    [ToolFact("openssl")]
    public void AuthenticatedAttributes_MessageDigestChecked_SignatureOverAttributes()
    {
        var mok = MakeKey("kabigate-test-mok");
        var module = File.ReadAllBytes(WriteModule("kgattrs"));
        var plain = _dir.Combine("kgattrs-plain.ko");
        File.WriteAllBytes(plain, module);
        var p7 = _dir.Combine("kgattrs.p7s");
        Tools.RunOk("openssl", "cms", "-sign", "-in", plain, "-signer", mok.Cert, "-inkey", mok.Key, "-binary", "-outform", "DER", "-nocerts", "-md", "sha256", "-out", p7);
        var signed = ElfModuleReaderRead(ModuleSigner.Append(module, File.ReadAllBytes(p7)), "kgattrs.ko");
        Assert.Null(signed.Signature!.DigestMismatch);
        Assert.Equal(SignatureCheck.Verified, TrustedKeys.Read([mok.Cert]).Check(signed).Check);

        var changed = (byte[])module.Clone();
        changed[changed.AsSpan().IndexOf("license=GPL"u8) + "license=".Length] = (byte)'g';
        var mismatched = ElfModuleReaderRead(ModuleSigner.Append(changed, File.ReadAllBytes(p7)), "kgattrs.ko");
        Assert.Equal("the messageDigest attribute is not the module's digest", mismatched.Signature!.DigestMismatch);
        var verdict = TrustedKeys.Read([MakeKey("kabigate-stranger").Cert]).Check(mismatched);
        Assert.Equal(SignatureCheck.Rejected, verdict.Check); // pkcs7_verify compares the digest before any key is looked up
    }

    [RealDataFact("openssl")]
    public void RealKbuildModule_SignedBySignFile_Verifies()
    {
        var data = Support.RealData.Instance;
        var mok = MakeKey("kabigate-test-mok");
        var copy = _dir.Combine("kg_stable.ko");
        File.Copy(data.Kmod(data.OldRelease, "kg_stable"), copy);
        var signed = ModuleFileReader.Read(Signed(Support.RealData.HeadersDir(data.OldRelease), copy, mok));
        Assert.Equal(SignatureCheck.Verified, TrustedKeys.Read([mok.Cert]).Check(signed).Check);
    }

    [Fact]
    public void Malformed_CertificateFiles_OneLineErrors()
    {
        var e = Assert.Throws<ModuleFormatException>(() => TrustedKeys.Read("not a certificate"u8, "junk.der"));
        Assert.StartsWith("junk.der: not an X.509 certificate (DER or PEM): ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var pem = Assert.Throws<ModuleFormatException>(() => TrustedKeys.Read("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"u8, "key.pem"));
        Assert.Equal("key.pem: not an X.509 certificate: a PEM file without a CERTIFICATE block", pem.Message);
        var bad = Assert.Throws<ModuleFormatException>(() => TrustedKeys.Read("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"u8, "bad.pem"));
        Assert.StartsWith("bad.pem: not an X.509 certificate (DER or PEM): ", bad.Message);
    }

    /// <summary>
    /// Debian signs its in-tree modules at build time with an ephemeral key ("Build time autogenerated kernel key")
    /// whose certificate is built into the kernel's trusted keyring: read it out of the vmlinuz (the DER certificate
    /// around that common name in the decompressed image) and verify Debian's modules with it.
    /// </summary>
    [RealDataFact("dpkg-deb", "tar")]
    public void DebianSignedInTreeModules_VerifyWithTheCertificateBuiltIntoItsKernel()
    {
        var data = Support.RealData.Instance;
        Tools.ExtractFromDeb(data.ImageDeb, "./boot/vmlinuz-*", _dir.Path);
        Tools.ExtractFromDeb(data.ImageDeb, "./lib/modules/*/kernel/lib/crc8.ko", _dir.Path);
        Tools.ExtractFromDeb(data.ImageDeb, "./lib/modules/*/kernel/fs/fat/*.ko", _dir.Path);
        var vmlinux = VmlinuxReader.ExtractElf(File.ReadAllBytes(Directory.EnumerateFiles(_dir.Combine("boot")).Single()), "vmlinuz");
        var certificate = BuiltinCertificate(vmlinux, "Build time autogenerated kernel key"u8);
        var certPath = _dir.Combine("debian-builtin.der");
        File.WriteAllBytes(certPath, certificate);
        var debian = TrustedKeys.Read([certPath]);
        var modules = Directory.EnumerateFiles(_dir.Combine("lib"), "*.ko", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(ModuleFileReader.Read).ToList();
        Assert.True(modules.Count >= 3);
        foreach (var module in modules)
        {
            Assert.Equal("Build time autogenerated kernel key", module.Signature!.Signer);
            var verdict = debian.Check(module);
            Assert.True(verdict.Check == SignatureCheck.Verified, $"{module.Name}: {verdict.Check} {verdict.Detail}");
        }

        // With only a MOK of our own trusted, Debian's modules are signed by an unavailable key.
        var other = _dir.Combine("other.pem");
        Tools.RunOk("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", _dir.Combine("other.key"), "-out", other, "-days", "1", "-subj", "/CN=other");
        var foreign = TrustedKeys.Read([other]);
        Assert.All(modules, m => Assert.Equal(SignatureCheck.UnavailableKey, foreign.Check(m).Check));
    }

    /// <summary>
    /// Each Debian build signs with its own ephemeral key (the 6.12 "-unsigned" image package lacks only the EFI
    /// signature of its vmlinuz: its modules are signed too): under Secure Boot a module of one build is signed by
    /// an unavailable key on another.
    /// </summary>
    [RealDataFact("dpkg-deb", "tar")]
    public void DebianBuildKeys_AreNotInterchangeable()
    {
        var data = Support.RealData.Instance;
        var old = _dir.Combine("old");
        var newer = _dir.Combine("newer");
        Tools.ExtractFromDeb(data.ImageDeb, "./boot/vmlinuz-*", old);
        Tools.ExtractFromDeb(data.ImageDebOf(data.NewerBuildRelease), "./boot/vmlinuz-*", newer);
        Tools.ExtractFromDeb(data.ImageDebOf(data.NewerBuildRelease), "./lib/modules/*/kernel/lib/crc8.ko*", newer);
        TrustedKeys Builtin(string dir, string name)
        {
            var vmlinux = VmlinuxReader.ExtractElf(File.ReadAllBytes(Directory.EnumerateFiles(Path.Combine(dir, "boot")).Single()), "vmlinuz");
            var path = Path.Combine(dir, name);
            File.WriteAllBytes(path, BuiltinCertificate(vmlinux, "Build time autogenerated kernel key"u8));
            return TrustedKeys.Read([path]);
        }
        var module = ModuleFileReader.Read(Directory.EnumerateFiles(Path.Combine(newer, "lib"), "crc8.ko*", SearchOption.AllDirectories).Single());
        Assert.True(module.Signed);
        Assert.Equal(SignatureCheck.Verified, Builtin(newer, "612.der").Check(module).Check);
        var verdict = Builtin(old, "61.der").Check(module);
        Assert.Equal(SignatureCheck.UnavailableKey, verdict.Check);
        Assert.Equal("crc8: Loading of module with unavailable key is rejected (-EKEYREJECTED: Key was rejected by service; " + verdict.Detail + ")",
            Assert.Single(Judge(module, Builtin(old, "61b.der"), enforce: true).Problems, p => p.Kind == ProblemKind.SignatureRejected).Message);
    }

    private string WriteSelfSigned() => MakeKey("kabigate-any").Cert;

    /// <summary>The DER certificate (SEQUENCE with a two-byte length) that holds <paramref name="commonName"/>.</summary>
    private static byte[] BuiltinCertificate(byte[] vmlinux, ReadOnlySpan<byte> commonName)
    {
        var at = vmlinux.AsSpan().IndexOf(commonName);
        Assert.True(at > 0, "no builtin certificate of that name in the vmlinux");
        for (var start = at; start > Math.Max(0, at - 4096); start--)
        {
            if (vmlinux[start] != 0x30 || vmlinux[start + 1] != 0x82 || vmlinux[start + 4] != 0x30 || vmlinux[start + 5] != 0x82)
                continue;
            var length = (vmlinux[start + 2] << 8) | vmlinux[start + 3];
            if (start + 4 + length > at)
                return vmlinux.AsSpan(start, 4 + length).ToArray();
        }
        throw new InvalidOperationException("no DER certificate around the common name");
    }
}

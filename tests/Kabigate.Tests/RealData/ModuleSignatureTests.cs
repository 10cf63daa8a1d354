using Kabigate.Formats.Sources;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// The signature trailer of real modules, read as kmod's modinfo reads it (signer, sig_key, sig_hashalgo): a test kmod
/// signed with the headers' own scripts/sign-file and a key openssl makes here, and Debian's signed in-tree modules.
/// </summary>
[Trait("Category", "RealData")]
public class ModuleSignatureTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static void AssertAsModinfo(string ko)
    {
        var module = ModuleFileReader.Read(ko);
        var signature = module.Signature;
        Assert.NotNull(signature);
        Assert.Null(signature!.Malformed);
        Assert.Equal("PKCS#7", signature.Format);
        Assert.Equal(Tools.RunOk("modinfo", "-F", "signer", ko).Trim(), signature.Signer);
        Assert.Equal(Tools.RunOk("modinfo", "-F", "sig_key", ko).Trim(), signature.KeyId);
        Assert.Equal(Tools.RunOk("modinfo", "-F", "sig_hashalgo", ko).Trim(), signature.HashAlgorithm);
    }

    [RealDataTheory("modinfo", "openssl")]
    [InlineData("sha256", "rsa:2048")]
    [InlineData("sha512", "rsa:3072")]
    [InlineData("sha384", "ec")]
    public void KmodSignedBySignFile_ReadsAsModinfoSaysIt(string hash, string keyType)
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var key = Path.Combine(dir, "key.pem");
        var cert = Path.Combine(dir, "cert.der");
        var keyArgs = keyType == "ec" ? new[] { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1" } : ["-newkey", keyType];
        Tools.RunOk("openssl", [.. new[] { "req", "-new", "-nodes", "-utf8", "-x509", "-days", "2", "-batch", "-subj", $"/CN=kabigate {keyType} key/O=kabigate tests", "-outform", "DER", "-out", cert, "-keyout", key }, .. keyArgs]);
        var ko = Path.Combine(dir, "kg_stable.ko");
        File.Copy(Data.Kmod(Data.NewerBuildRelease, "kg_stable"), ko);
        Assert.Null(ModuleFileReader.Read(ko).Signature);
        Tools.RunOk(Path.Combine(Data.NewerHeaders, "scripts/sign-file"), hash, key, cert, ko);
        AssertAsModinfo(ko);
        Assert.Equal($"kabigate {keyType} key", ModuleFileReader.Read(ko).Signature!.Signer);

        // A sig_len larger than the file: the module still reads, its signature says it is malformed.
        var bytes = File.ReadAllBytes(ko);
        bytes[^32] = 0x7f;
        File.WriteAllBytes(ko, bytes);
        Assert.Contains("sig_len", ModuleFileReader.Read(ko).Signature!.Malformed, StringComparison.Ordinal);
    }

    [RealDataFact("modinfo", "openssl")]
    public void DebiansSignedInTreeModules_ReadAsModinfoSaysThem()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        foreach (var release in new[] { Data.OldRelease, Data.NewerBuildRelease })
        {
            var deb = Data.ImageDebOf(release);
            var out1 = Path.Combine(dir, release);
            Tools.ExtractFromDeb(deb, "*/kernel/lib/crc8.ko*", out1);
            var ko = Directory.EnumerateFiles(out1, "crc8.ko*", SearchOption.AllDirectories).Single();
            AssertAsModinfo(ko);
        }
    }
}

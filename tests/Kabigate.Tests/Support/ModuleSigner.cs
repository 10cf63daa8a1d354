using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kabigate.Tests.Support;

/// <summary>
/// Signs a module the way scripts/sign-file does by default (a detached PKCS#7 without certificates or
/// authenticated attributes, the signer named by issuer and serial, then struct module_signature and the marker),
/// for fixtures that must be made without openssl and give the same output every run (fixed names and serials).
/// </summary>
internal sealed class ModuleSigner : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);

    public ModuleSigner(string commonName, byte serial)
    {
        var request = new CertificateRequest("CN=" + commonName, _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var self = X500DistinguishedNameBuilderName(commonName);
        Certificate = request.Create(self, X509SignatureGenerator.CreateForRSA(_key, RSASignaturePadding.Pkcs1),
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero), [0x4b, 0x47, serial]);
    }

    public X509Certificate2 Certificate { get; }

    public string Pem => Certificate.ExportCertificatePem() + "\n";

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }

    private static X500DistinguishedName X500DistinguishedNameBuilderName(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    /// <summary>The module with sign-file's trailer appended.</summary>
    public byte[] Sign(byte[] module)
    {
        var signature = _key.SignData(module, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.113549.1.7.2"); // id-signedData
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                using (writer.PushSetOf())
                    Algorithm(writer, "2.16.840.1.101.3.4.2.1"); // sha256
                using (writer.PushSequence())
                    writer.WriteObjectIdentifier("1.2.840.113549.1.7.1"); // id-data, detached
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteInteger(1);
                    using (writer.PushSequence())
                    {
                        writer.WriteEncodedValue(Certificate.IssuerName.RawData);
                        writer.WriteIntegerUnsigned(Certificate.SerialNumberBytes.Span);
                    }
                    Algorithm(writer, "2.16.840.1.101.3.4.2.1");
                    Algorithm(writer, "1.2.840.113549.1.1.1"); // rsaEncryption
                    writer.WriteOctetString(signature);
                }
            }
        }
        return Append(module, writer.Encode());
    }

    /// <summary>The module with a PKCS#7 appended as sign-file appends it: the DER, struct module_signature, the marker.</summary>
    public static byte[] Append(byte[] module, byte[] pkcs7)
    {
        var info = new byte[12];
        info[2] = 2; // PKEY_ID_PKCS7
        BinaryPrimitives.WriteUInt32BigEndian(info.AsSpan(8), (uint)pkcs7.Length);
        return [.. module, .. pkcs7, .. info, .. "~Module signature appended~\n"u8];
    }

    private static void Algorithm(AsnWriter writer, string oid)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            writer.WriteNull();
        }
    }
}

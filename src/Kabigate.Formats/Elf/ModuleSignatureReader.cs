using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using Kabigate.Abi;

namespace Kabigate.Formats.Elf;

/// <summary>
/// Reads the trailer sign-file appends: the PKCS#7 SignedData, then <c>struct module_signature { u8 algo, hash,
/// id_type, signer_len, key_id_len; u8 pad[3]; __be32 sig_len; }</c>, then <c>~Module signature appended~\n</c>
/// (include/linux/module_signature.h). The DER is read with System.Formats.Asn1, bounded by <c>sig_len</c>.
/// </summary>
internal static class ModuleSignatureReader
{
    private const int InfoSize = 12;                 // sizeof(struct module_signature)
    private const int IdTypeOffset = 2;              // after algo and hash
    private const int SigLenOffset = 8;              // after 5 u8 fields and pad[3]
    private const byte IdTypePkcs7 = 2;              // PKEY_ID_PKCS7
    private const string CommonNameOid = "2.5.4.3";  // id-at-commonName
    private const string MessageDigestOid = "1.2.840.113549.1.9.4"; // pkcs-9 messageDigest

    private static readonly Dictionary<string, string> Digests = new(StringComparer.Ordinal)
    {
        ["1.3.14.3.2.26"] = "sha1",
        ["2.16.840.1.101.3.4.2.4"] = "sha224",
        ["2.16.840.1.101.3.4.2.1"] = "sha256",
        ["2.16.840.1.101.3.4.2.2"] = "sha384",
        ["2.16.840.1.101.3.4.2.3"] = "sha512",
        ["2.16.840.1.101.3.4.2.8"] = "sha3-256",
        ["2.16.840.1.101.3.4.2.9"] = "sha3-384",
        ["2.16.840.1.101.3.4.2.10"] = "sha3-512",
    };

    /// <summary>The signature of a module file, or null when none is appended.</summary>
    public static ModuleSignature? Read(ReadOnlySpan<byte> data)
    {
        if (!data.EndsWith(ModversionLayout.SignatureMarker))
            return null;
        var end = data.Length - ModversionLayout.SignatureMarker.Length;
        if (end < InfoSize)
            return new ModuleSignature("?", null, null, null, "the signature trailer is truncated");
        var info = data.Slice(end - InfoSize, InfoSize);
        var sigLength = BinaryPrimitives.ReadUInt32BigEndian(info[SigLenOffset..]);
        if (info[IdTypeOffset] != IdTypePkcs7)
            return new ModuleSignature(info[IdTypeOffset].ToString(System.Globalization.CultureInfo.InvariantCulture), null, null, null, "not a PKCS#7 signature");
        if (sigLength > (uint)(end - InfoSize))
            return new ModuleSignature("PKCS#7", null, null, null, $"sig_len {sigLength} is larger than the file");
        var der = data.Slice(end - InfoSize - (int)sigLength, (int)sigLength);
        try
        {
            return ReadPkcs7(der, data[..(end - InfoSize - (int)sigLength)]);
        }
        catch (AsnContentException e)
        {
            return new ModuleSignature("PKCS#7", null, null, null, e.Message);
        }
    }

    /// <summary>
    /// ContentInfo → SignedData → the first SignerInfo: its sid (issuer and serial, or key id), digest, authenticated
    /// attributes, signature algorithm and value; and the digest the signature covers, computed over the module's
    /// bytes before the signature (pkcs7_digest).
    /// </summary>
    private static ModuleSignature ReadPkcs7(ReadOnlySpan<byte> der, ReadOnlySpan<byte> content)
    {
        var content7 = new AsnReader(der.ToArray(), AsnEncodingRules.BER).ReadSequence();
        content7.ReadObjectIdentifier(); // id-signedData
        var signedData = content7.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        signedData.ReadInteger(); // version
        signedData.ReadSetOf(); // digestAlgorithms
        signedData.ReadSequence(); // encapContentInfo (detached: no content)
        if (signedData.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            signedData.ReadEncodedValue(); // certificates
        if (signedData.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
            signedData.ReadEncodedValue(); // crls
        var signers = signedData.ReadSetOf();
        var signer = signers.ReadSequence();
        signer.ReadInteger(); // version
        string? name = null;
        string keyId;
        byte[] issuer = [], serial = [], subjectKeyId = [];
        if (signer.PeekTag().TagClass == TagClass.ContextSpecific)
        {
            subjectKeyId = signer.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 0));
            keyId = Hex(subjectKeyId);
        }
        else
        {
            var issuerAndSerial = signer.ReadSequence();
            issuer = issuerAndSerial.PeekEncodedValue().ToArray();
            name = CommonName(issuerAndSerial.ReadSequence());
            serial = issuerAndSerial.ReadIntegerBytes().Span.TrimStart((byte)0).ToArray();
            keyId = Hex(serial);
        }
        var digestOid = signer.ReadSequence().ReadObjectIdentifier();
        ReadOnlyMemory<byte>? attributes = null;
        if (signer.HasData && signer.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            attributes = signer.ReadEncodedValue();
        var signatureAlgorithm = signer.ReadSequence().ReadObjectIdentifier();
        var signature = signer.ReadOctetString();
        var hash = Digests.GetValueOrDefault(digestOid, digestOid);
        var (signedDigest, mismatch) = SignedDigest(hash, content, attributes);
        return new ModuleSignature("PKCS#7", name, keyId, hash)
        {
            IssuerName = [.. issuer],
            SerialNumber = [.. serial],
            SubjectKeyId = [.. subjectKeyId],
            SignatureAlgorithm = signatureAlgorithm,
            SignatureValue = [.. signature],
            SignedDigest = [.. signedDigest],
            DigestMismatch = mismatch,
        };
    }

    /// <summary>
    /// pkcs7_digest: the content's hash; with authenticated attributes their messageDigest must equal it, and the
    /// signature then covers the attributes' DER, retagged as a SET. Empty for a hash this reader does not compute.
    /// </summary>
    private static (byte[] Digest, string? Mismatch) SignedDigest(string hash, ReadOnlySpan<byte> content, ReadOnlyMemory<byte>? attributes)
    {
        var contentDigest = Hash(hash, content);
        if (contentDigest.Length == 0 || attributes is not { } encoded)
            return (contentDigest, null);
        var attrs = new AsnReader(encoded, AsnEncodingRules.BER).ReadSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, true));
        byte[]? messageDigest = null;
        while (attrs.HasData)
        {
            var attribute = attrs.ReadSequence();
            if (attribute.ReadObjectIdentifier() == MessageDigestOid)
                messageDigest = attribute.ReadSetOf().ReadOctetString();
            else
                attribute.ReadEncodedValue();
        }
        var set = encoded.ToArray();
        set[0] = 0x31; // [0] IMPLICIT SET OF → SET OF, as RFC 5652 §5.4 signs it
        var mismatch = messageDigest is null ? "the authenticated attributes carry no messageDigest"
            : !messageDigest.AsSpan().SequenceEqual(contentDigest) ? "the messageDigest attribute is not the module's digest" : null;
        return (Hash(hash, set), mismatch);
    }

    private static byte[] Hash(string algorithm, ReadOnlySpan<byte> data) => algorithm switch
    {
        "sha1" => SHA1.HashData(data),
        "sha256" => SHA256.HashData(data),
        "sha384" => SHA384.HashData(data),
        "sha512" => SHA512.HashData(data),
        "sha3-256" when SHA3_256.IsSupported => SHA3_256.HashData(data),
        "sha3-384" when SHA3_384.IsSupported => SHA3_384.HashData(data),
        "sha3-512" when SHA3_512.IsSupported => SHA3_512.HashData(data),
        _ => [],
    };

    private static string? CommonName(AsnReader name)
    {
        string? found = null;
        while (name.HasData)
        {
            var rdn = name.ReadSetOf();
            while (rdn.HasData)
            {
                var attribute = rdn.ReadSequence();
                if (attribute.ReadObjectIdentifier() == CommonNameOid)
                    found = attribute.ReadCharacterString(attribute.PeekTag().TagValue switch
                    {
                        (int)UniversalTagNumber.PrintableString => UniversalTagNumber.PrintableString,
                        (int)UniversalTagNumber.IA5String => UniversalTagNumber.IA5String,
                        (int)UniversalTagNumber.BMPString => UniversalTagNumber.BMPString,
                        (int)UniversalTagNumber.T61String => UniversalTagNumber.T61String,
                        _ => UniversalTagNumber.UTF8String,
                    });
                else
                    attribute.ReadEncodedValue();
            }
        }
        return found;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(':', bytes.ToArray().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}

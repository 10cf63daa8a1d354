using System.Buffers.Binary;
using System.Formats.Asn1;
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
            return ReadPkcs7(der);
        }
        catch (AsnContentException e)
        {
            return new ModuleSignature("PKCS#7", null, null, null, e.Message);
        }
    }

    /// <summary>ContentInfo → SignedData → the first SignerInfo: its sid (issuer and serial, or key id) and digest.</summary>
    private static ModuleSignature ReadPkcs7(ReadOnlySpan<byte> der)
    {
        var content = new AsnReader(der.ToArray(), AsnEncodingRules.BER).ReadSequence();
        content.ReadObjectIdentifier(); // id-signedData
        var signedData = content.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
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
        if (signer.PeekTag().TagClass == TagClass.ContextSpecific)
        {
            keyId = Hex(signer.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 0)));
        }
        else
        {
            var issuerAndSerial = signer.ReadSequence();
            name = CommonName(issuerAndSerial.ReadSequence());
            keyId = Hex(issuerAndSerial.ReadIntegerBytes().Span.TrimStart((byte)0));
        }
        var digest = signer.ReadSequence().ReadObjectIdentifier();
        return new ModuleSignature("PKCS#7", name, keyId, Digests.GetValueOrDefault(digest, digest));
    }

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

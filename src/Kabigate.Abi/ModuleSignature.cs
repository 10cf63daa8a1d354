using System.Collections.Immutable;

namespace Kabigate.Abi;

/// <summary>
/// The signature appended to a module (scripts/sign-file; include/linux/module_signature.h), as modinfo shows it, and
/// what verifying it against a key needs (crypto/asymmetric_keys/pkcs7_verify.c): who signed, with what, and over what.
/// </summary>
/// <param name="Format">The id type: <c>PKCS#7</c> (what sign-file writes since 4.3), or the raw id-type number.</param>
/// <param name="Signer">The signing certificate's issuer common name (modinfo's <c>signer</c>), or null when the PKCS#7 does not tell it.</param>
/// <param name="KeyId">The signer's serial number, or its subject key identifier, as colon-separated hex (modinfo's <c>sig_key</c>); or null.</param>
/// <param name="HashAlgorithm">The digest algorithm (<c>sha256</c>, modinfo's <c>sig_hashalgo</c>), or null.</param>
/// <param name="Malformed">Why the PKCS#7 could not be read, or null when it was.</param>
public sealed record ModuleSignature(string Format, string? Signer, string? KeyId, string? HashAlgorithm, string? Malformed = null)
{
    /// <summary>The DER of the signer's issuer name (issuerAndSerialNumber), or empty when the signer is named by key id.</summary>
    public ImmutableArray<byte> IssuerName { get; init; } = [];

    /// <summary>The signer's serial number, big-endian without leading zero bytes; empty when named by key id.</summary>
    public ImmutableArray<byte> SerialNumber { get; init; } = [];

    /// <summary>The signer's subject key identifier (sign-file -k); empty when named by issuer and serial.</summary>
    public ImmutableArray<byte> SubjectKeyId { get; init; } = [];

    /// <summary>The signature algorithm's OID (rsaEncryption, ecdsa-with-SHA256, …), or null.</summary>
    public string? SignatureAlgorithm { get; init; }

    /// <summary>The signature value.</summary>
    public ImmutableArray<byte> SignatureValue { get; init; } = [];

    /// <summary>
    /// The digest the signature signs: the hash of the module's bytes before the signature, or, when the signer
    /// has authenticated attributes, the hash of those attributes (whose messageDigest was checked against the
    /// module's hash). Empty when the hash algorithm is not one the reader computes.
    /// </summary>
    public ImmutableArray<byte> SignedDigest { get; init; } = [];

    /// <summary>Set when the authenticated attributes' messageDigest is not the module's hash (the kernel's -EKEYREJECTED).</summary>
    public string? DigestMismatch { get; init; }
}

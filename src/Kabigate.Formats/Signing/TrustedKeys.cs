using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Kabigate.Abi;

namespace Kabigate.Formats.Signing;

/// <summary>One trusted certificate, reduced to what the kernel's keyring matches and verifies with.</summary>
/// <param name="Source">The file it came from.</param>
/// <param name="Subject">Its subject, for messages.</param>
/// <param name="IssuerName">The DER of its issuer name.</param>
/// <param name="SerialNumber">Its serial number, big-endian without leading zero bytes.</param>
/// <param name="SubjectKeyId">Its subject key identifier, or empty.</param>
/// <param name="Certificate">The certificate (its public key verifies signatures).</param>
public sealed record TrustedKey(string Source, string Subject, ImmutableArray<byte> IssuerName, ImmutableArray<byte> SerialNumber, ImmutableArray<byte> SubjectKeyId, X509Certificate2 Certificate);

/// <summary>
/// The keys a kernel trusts for module signatures, as given by the user: X.509 certificates (DER, or PEM with one or
/// more CERTIFICATE blocks), e.g. a distribution's signing certificate or a MOK. A signature is matched to a key as
/// the kernel's asymmetric-key ids do (crypto/asymmetric_keys/pkcs7_trust.c: issuer and serial number, or subject
/// key identifier), then verified over the module's digest with that key's public key.
/// </summary>
public sealed class TrustedKeys
{
    /// <summary>The largest certificate file read (a PEM bundle of a few dozen certificates is far below it).</summary>
    public const long MaxFileBytes = 1 << 20;

    private TrustedKeys(IReadOnlyList<TrustedKey> keys) => Keys = keys;

    /// <summary>The trusted keys, in the order given.</summary>
    public IReadOnlyList<TrustedKey> Keys { get; }

    /// <summary>Reads certificate files.</summary>
    /// <exception cref="ModuleFormatException">A file is not a regular file, too large, or holds no readable certificate.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static TrustedKeys Read(IEnumerable<string> paths) =>
        new([.. paths.SelectMany(path => File.Exists(path) || Directory.Exists(path)
            ? FileBytes.Use(path, MaxFileBytes, data => Read(data, path))
            : throw new ModuleFormatException(path, "no such file or directory"))]);

    /// <summary>Reads the certificates of one file's bytes: DER, or PEM with one or more CERTIFICATE blocks.</summary>
    /// <exception cref="ModuleFormatException">No certificate could be read from it.</exception>
    public static IReadOnlyList<TrustedKey> Read(ReadOnlySpan<byte> data, string sourceName)
    {
        var result = new List<TrustedKey>();
        try
        {
            var text = data.IndexOf("-----BEGIN"u8) >= 0 ? Encoding.ASCII.GetString(data) : null;
            if (text is null)
            {
                result.Add(Key(X509CertificateLoader.LoadCertificate(data), sourceName));
            }
            else
            {
                var rest = text.AsMemory();
                while (PemEncoding.TryFind(rest.Span, out var fields))
                {
                    var label = rest.Span[fields.Label];
                    if (label.SequenceEqual("CERTIFICATE") || label.SequenceEqual("X509 CERTIFICATE"))
                        result.Add(Key(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest.Span[fields.Base64Data].ToString())), sourceName));
                    rest = rest[fields.Location.End..];
                }
                if (result.Count == 0)
                    throw new ModuleFormatException(sourceName, "not an X.509 certificate: a PEM file without a CERTIFICATE block");
            }
        }
        catch (CryptographicException e)
        {
            throw new ModuleFormatException(sourceName, $"not an X.509 certificate (DER or PEM): {e.Message.TrimEnd('.')}");
        }
        catch (FormatException e)
        {
            throw new ModuleFormatException(sourceName, $"not an X.509 certificate: bad PEM base64: {e.Message.TrimEnd('.')}");
        }
        return result;
    }

    private static TrustedKey Key(X509Certificate2 certificate, string source)
    {
        var skid = certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes ?? ReadOnlyMemory<byte>.Empty;
        var serial = certificate.SerialNumberBytes.Span.TrimStart((byte)0);
        return new TrustedKey(source, certificate.Subject, [.. certificate.IssuerName.RawData], [.. serial], [.. skid.Span], certificate);
    }

    /// <summary>
    /// Checks one module's signature as mod_verify_sig does: its format, its digest, a trusted key for its signer,
    /// then the signature itself.
    /// </summary>
    public SignatureVerdict Check(ModuleImage module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (module.Signature is not { } signature)
            return new SignatureVerdict(SignatureCheck.Unsigned, "no signature appended");
        if (signature.Format != "PKCS#7")
            return new SignatureVerdict(SignatureCheck.UnsupportedCrypto, $"not signed with expected PKCS#7 message (id type {signature.Format})");
        if (signature.Malformed is string malformed)
            return new SignatureVerdict(SignatureCheck.Malformed, $"unreadable signature: {malformed}");
        var signer = $"signer '{signature.Signer ?? "?"}', key {signature.KeyId ?? "?"}";
        if (signature.SignedDigest.IsEmpty || HashName(signature.HashAlgorithm) is not { } hash)
            return new SignatureVerdict(SignatureCheck.UnsupportedCrypto, $"{signer}: hash algorithm {signature.HashAlgorithm ?? "?"} is not supported");
        if (signature.DigestMismatch is string mismatch)
            return new SignatureVerdict(SignatureCheck.Rejected, $"{signer}: {mismatch}");
        var candidates = Keys.Where(k => Matches(k, signature)).ToList();
        if (candidates.Count == 0)
            return new SignatureVerdict(SignatureCheck.UnavailableKey, $"{signer} is none of the {Keys.Count} trusted certificates");
        foreach (var key in candidates)
        {
            switch (Verify(key.Certificate, signature, hash))
            {
                case true:
                    return new SignatureVerdict(SignatureCheck.Verified, $"{signer}: verified with '{key.Subject}' ({key.Source})");
                case null:
                    return new SignatureVerdict(SignatureCheck.UnsupportedCrypto, $"{signer}: signature algorithm {signature.SignatureAlgorithm} is not supported");
            }
        }
        return new SignatureVerdict(SignatureCheck.Rejected, $"{signer}: the signature does not verify with '{candidates[0].Subject}' ({candidates[0].Source}): the module changed after it was signed");
    }

    /// <summary>The kernel's key ids: "ex:" issuer+serial for issuerAndSerialNumber signers, "sk:" for key-id signers.</summary>
    private static bool Matches(TrustedKey key, ModuleSignature signature) => signature.SubjectKeyId.IsEmpty
        ? key.IssuerName.AsSpan().SequenceEqual(signature.IssuerName.AsSpan()) && key.SerialNumber.AsSpan().SequenceEqual(signature.SerialNumber.AsSpan())
        : key.SubjectKeyId.AsSpan().SequenceEqual(signature.SubjectKeyId.AsSpan());

    /// <summary>Verifies the signature over the signed digest; null when the algorithms are not RSA PKCS#1 v1.5 or ECDSA.</summary>
    private static bool? Verify(X509Certificate2 certificate, ModuleSignature signature, HashAlgorithmName hash)
    {
        var digest = signature.SignedDigest.AsSpan();
        var value = signature.SignatureValue.AsSpan();
        var algorithm = signature.SignatureAlgorithm ?? "";
        try
        {
            if (algorithm == RsaEncryption || algorithm.StartsWith(RsaPkcs1Prefix, StringComparison.Ordinal) && algorithm != RsaPss)
            {
                using var rsa = certificate.GetRSAPublicKey();
                return rsa is not null && rsa.VerifyHash(digest, value, hash, RSASignaturePadding.Pkcs1);
            }
            if (algorithm == EcPublicKey || algorithm.StartsWith(EcdsaPrefix, StringComparison.Ordinal))
            {
                using var ecdsa = certificate.GetECDsaPublicKey();
                return ecdsa is not null && ecdsa.VerifyHash(digest, value, DSASignatureFormat.Rfc3279DerSequence);
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
        return null;
    }

    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string RsaPkcs1Prefix = "1.2.840.113549.1.1.";
    private const string RsaPss = "1.2.840.113549.1.1.10";
    private const string EcPublicKey = "1.2.840.10045.2.1";
    private const string EcdsaPrefix = "1.2.840.10045.4.3.";

    private static HashAlgorithmName? HashName(string? name) => name switch
    {
        "sha1" => HashAlgorithmName.SHA1,
        "sha256" => HashAlgorithmName.SHA256,
        "sha384" => HashAlgorithmName.SHA384,
        "sha512" => HashAlgorithmName.SHA512,
        "sha3-256" => HashAlgorithmName.SHA3_256,
        "sha3-384" => HashAlgorithmName.SHA3_384,
        "sha3-512" => HashAlgorithmName.SHA3_512,
        _ => null,
    };
}

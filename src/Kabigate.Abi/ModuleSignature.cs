namespace Kabigate.Abi;

/// <summary>
/// The signature appended to a module (scripts/sign-file; include/linux/module_signature.h), as modinfo shows it.
/// </summary>
/// <param name="Format">The id type: <c>PKCS#7</c> (what sign-file writes since 4.3), or the raw id-type number.</param>
/// <param name="Signer">The signing certificate's issuer common name (modinfo's <c>signer</c>), or null when the PKCS#7 does not tell it.</param>
/// <param name="KeyId">The signer's serial number, or its subject key identifier, as colon-separated hex (modinfo's <c>sig_key</c>); or null.</param>
/// <param name="HashAlgorithm">The digest algorithm (<c>sha256</c>, modinfo's <c>sig_hashalgo</c>), or null.</param>
/// <param name="Malformed">Why the PKCS#7 could not be read, or null when it was.</param>
public sealed record ModuleSignature(string Format, string? Signer, string? KeyId, string? HashAlgorithm, string? Malformed = null);

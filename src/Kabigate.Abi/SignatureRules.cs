namespace Kabigate.Abi;

/// <summary>
/// What checking a module's signature against the kernel's trusted keys gives: the error mod_verify_sig returns
/// (kernel/module/signing.c, crypto/asymmetric_keys/pkcs7_verify.c and pkcs7_trust.c).
/// </summary>
public enum SignatureCheck : byte
{
    /// <summary>Signed by a trusted key, and the signature verifies over the module's bytes (sig_ok).</summary>
    Verified,

    /// <summary>No signature appended (-ENODATA, "unsigned module").</summary>
    Unsigned,

    /// <summary>Not PKCS#7, or a digest or key algorithm the kernel has no code for (-ENOPKG, "module with unsupported crypto").</summary>
    UnsupportedCrypto,

    /// <summary>Signed by a key none of the trusted certificates holds (-ENOKEY, "module with unavailable key").</summary>
    UnavailableKey,

    /// <summary>Signed by a trusted key but the signature does not verify: the module changed after signing (-EKEYREJECTED).</summary>
    Rejected,

    /// <summary>The signature trailer or its PKCS#7 cannot be parsed (-EBADMSG).</summary>
    Malformed,
}

/// <summary>One module's signature checked against the trusted certificates.</summary>
/// <param name="Check">The outcome.</param>
/// <param name="Detail">What was found, for the message (signer and key id, or why it failed).</param>
public sealed record SignatureVerdict(SignatureCheck Check, string Detail);

/// <summary>
/// The signature rules of a check: whether the kernel enforces signatures (<c>module.sig_enforce=1</c>,
/// CONFIG_MODULE_SIG_FORCE, or lockdown under Secure Boot) and each module's signature checked against the
/// trusted certificates.
/// </summary>
/// <param name="Enforce">Refuse unsigned modules and modules by unavailable keys, rather than taint.</param>
/// <param name="Modules">Each module's outcome, by module (reference identity).</param>
public sealed record SignaturePolicy(bool Enforce, IReadOnlyDictionary<ModuleImage, SignatureVerdict> Modules)
{
    /// <summary>
    /// module_sig_check's decision: nothing when verified; -ENODATA, -ENOPKG and -ENOKEY refused under enforcement
    /// and a taint warning without it; every other error refused always.
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="refused">Whether the finding is a refusal (else a warning).</param>
    /// <returns>The finding, or null when the signature is good (or the module was not checked).</returns>
    public Problem? Judge(ModuleImage module, out bool refused)
    {
        refused = false;
        if (!Modules.TryGetValue(module, out var verdict) || verdict.Check == SignatureCheck.Verified)
            return null;
        var reason = verdict.Check switch
        {
            SignatureCheck.Unsigned => "unsigned module",
            SignatureCheck.UnsupportedCrypto => "module with unsupported crypto",
            SignatureCheck.UnavailableKey => "module with unavailable key",
            _ => null,
        };
        if (reason is null)
        {
            refused = true;
            var error = verdict.Check == SignatureCheck.Rejected ? "-EKEYREJECTED (Key was rejected by service)" : "-EBADMSG (Bad message)";
            return new Problem(ProblemKind.SignatureRejected, module.Name, null, Text: LoaderMessages.SignatureInvalid(module.Name, error, verdict.Detail));
        }
        if (Enforce)
        {
            refused = true;
            return new Problem(ProblemKind.SignatureRejected, module.Name, null, Text: LoaderMessages.SignatureRejected(module.Name, reason, verdict.Detail));
        }
        return new Problem(ProblemKind.SignatureUnverified, module.Name, null, Text: LoaderMessages.SignatureTaint(module.Name, verdict.Detail));
    }
}

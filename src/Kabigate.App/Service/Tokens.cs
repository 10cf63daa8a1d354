using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>
/// The service's bearer tokens: made once and shown once; the store keeps only their SHA-256 (a token is 32 random
/// bytes, so a plain hash cannot be searched back to it). Scopes nest: <c>admin</c> may do everything, <c>gate</c>
/// and <c>submit</c> may also read.
/// </summary>
public static partial class ApiTokens
{
    /// <summary>The scopes, weakest first.</summary>
    public static IReadOnlyList<string> Scopes { get; } = ["read", "submit", "gate", "admin"];

    private const string Prefix = "kg_";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex TokenName();

    /// <summary>Makes a token and stores its hash; the token itself is returned once and never stored.</summary>
    /// <exception cref="OperationException">The name or scope is not valid, or the name is taken.</exception>
    public static (StoredToken Token, string Secret) Create(string? db, string name, string scope)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(scope);
        if (!TokenName().IsMatch(name))
            throw new OperationException($"'{name}': a token name is 1 to 64 letters, digits and . _ @ -, starting with a letter or digit");
        if (!Scopes.Contains(scope))
            throw new OperationException($"'{scope}': the scope is one of {string.Join(", ", Scopes)}");
        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var store = AbiStore.Open(StoreLocation.Resolve(db), create: true);
        try
        {
            return (store.AddToken(name, scope, Hash(secret)), secret);
        }
        catch (StoreException e)
        {
            throw new OperationException(e.Message);
        }
    }

    /// <summary>Every token (names and scopes only).</summary>
    public static IReadOnlyList<StoredToken> List(string? db)
    {
        using var store = AbiStore.Open(StoreLocation.Resolve(db), create: false);
        return store.Tokens();
    }

    /// <summary>Deletes a token.</summary>
    /// <exception cref="OperationException">No token has that name.</exception>
    public static void Revoke(string? db, string name)
    {
        using var store = AbiStore.Open(StoreLocation.Resolve(db), create: false);
        if (!store.RevokeToken(name))
            throw new OperationException($"no token named '{name}'");
    }

    /// <summary>The token a bearer secret belongs to, or null.</summary>
    public static StoredToken? Verify(AbiStore store, string secret)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(secret);
        return secret.StartsWith(Prefix, StringComparison.Ordinal) && secret.Length < 100 ? store.TokenByHash(Hash(secret)) : null;
    }

    /// <summary>Whether a token of scope <paramref name="held"/> may do what <paramref name="needed"/> allows.</summary>
    public static bool Grants(string held, string needed) =>
        held == needed || held == "admin" || (needed == "read" && held is "gate" or "submit");

    /// <summary>The stored form of a token.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

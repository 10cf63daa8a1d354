using System.Security.Cryptography;

namespace Kabigate.Formats.Repodata;

/// <summary>The checksum algorithms repodata names, and hashing files and streams with them.</summary>
internal static class RepoChecksums
{
    /// <summary>The algorithm a repodata checksum type names, or false for one .NET cannot compute.</summary>
    /// <param name="type">As written: <c>sha256</c>, <c>sha512</c>, <c>sha384</c>, <c>sha1</c> or old yum's <c>sha</c>, <c>md5</c>.</param>
    /// <param name="algorithm">The algorithm.</param>
    /// <param name="hexLength">The length of its digest in hexadecimal.</param>
    public static bool TryGetAlgorithm(string type, out HashAlgorithmName algorithm, out int hexLength)
    {
        (algorithm, hexLength) = type.ToLowerInvariant() switch
        {
            "sha256" => (HashAlgorithmName.SHA256, 64),
            "sha512" => (HashAlgorithmName.SHA512, 128),
            "sha384" => (HashAlgorithmName.SHA384, 96),
            "sha1" or "sha" => (HashAlgorithmName.SHA1, 40),
            "md5" => (HashAlgorithmName.MD5, 32),
            _ => (default, 0),
        };
        return hexLength != 0;
    }

    /// <summary>
    /// Checks that a checksum from metadata is one this code can verify and is well formed, and returns its value in
    /// lower case (it is used in cache file names, so it must be plain hex).
    /// </summary>
    /// <param name="checksum">The checksum.</param>
    /// <param name="sourceName">The name errors report.</param>
    /// <param name="what">What the checksum is of, for messages.</param>
    /// <exception cref="ModuleFormatException">The type is unknown or the value is not a digest of that type.</exception>
    public static (HashAlgorithmName Algorithm, string Hex) Validate(RepoChecksum checksum, string sourceName, string what)
    {
        if (!TryGetAlgorithm(checksum.Type, out var algorithm, out int hexLength))
            throw new ModuleFormatException(sourceName, Messages.UnsupportedChecksumType(what, checksum.Type));
        string hex = checksum.Value.Trim().ToLowerInvariant();
        if (hex.Length != hexLength || !hex.All(char.IsAsciiHexDigitLower))
            throw new ModuleFormatException(sourceName, Messages.InvalidChecksumValue(what, checksum.Type, checksum.Value));
        return (algorithm, hex);
    }

    /// <summary>Hashes a stream from its current position to its end.</summary>
    public static string Hash(Stream stream, HashAlgorithmName algorithm)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        var buffer = new byte[128 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
            hash.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Hashes a whole file.</summary>
    public static string HashFile(string path, HashAlgorithmName algorithm)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return Hash(stream, algorithm);
    }
}

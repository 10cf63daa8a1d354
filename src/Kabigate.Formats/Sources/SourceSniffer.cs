using Kabigate.Formats.Elf;

namespace Kabigate.Formats.Sources;

/// <summary>What a file holds, judged by its bytes.</summary>
public enum SourceKind
{
    /// <summary>Nothing kabigate reads.</summary>
    Unknown,

    /// <summary>A kernel module, plain or compressed.</summary>
    Module,

    /// <summary>Module.symvers text, plain or compressed.</summary>
    Symvers,

    /// <summary>A Debian package (ar archive).</summary>
    Deb,

    /// <summary>An RPM package.</summary>
    Rpm,

    /// <summary>An ISO 9660 image.</summary>
    Iso,
}

/// <summary>Sniffs files by magic bytes, looking inside compression.</summary>
public static class SourceSniffer
{
    private const int HeadBytes = 4096;

    private static ReadOnlySpan<byte> IsoMagic => "CD001"u8;
    private const int IsoMagicOffset = 32769;

    /// <summary>Sniffs a file.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SourceKind SniffFile(string path)
    {
        FileBytes.RequireRegularFile(path);
        using var stream = File.OpenRead(path);
        var head = new byte[HeadBytes];
        var read = stream.ReadAtLeast(head, HeadBytes, throwOnEndOfStream: false);
        if (stream.Length > IsoMagicOffset + IsoMagic.Length)
        {
            var iso = new byte[IsoMagic.Length];
            stream.Position = IsoMagicOffset;
            if (stream.ReadAtLeast(iso, iso.Length, false) == iso.Length && iso.AsSpan().SequenceEqual(IsoMagic))
                return SourceKind.Iso;
        }
        var kind = Sniff(head.AsSpan(0, read));
        if (kind != SourceKind.Unknown || Compression.Sniff(head.AsSpan(0, read)) == CompressionKind.None)
            return kind;
        stream.Position = 0;
        try
        {
            using var plain = Compression.OpenDecompressing(stream, Compression.Sniff(head.AsSpan(0, read)), path, HeadBytes * 16L);
            var inner = new byte[HeadBytes];
            var innerRead = plain.ReadAtLeast(inner, HeadBytes, throwOnEndOfStream: false);
            return Sniff(inner.AsSpan(0, innerRead));
        }
        catch (ModuleFormatException)
        {
            return SourceKind.Unknown;
        }
    }

    /// <summary>Sniffs uncompressed leading bytes.</summary>
    public static SourceKind Sniff(ReadOnlySpan<byte> head)
    {
        if (ElfModuleReader.IsElf(head))
            return SourceKind.Module;
        if (head.StartsWith(Deb.ArLayout.Magic))
            return SourceKind.Deb;
        if (Rpm.RpmReader.IsRpm(head))
            return SourceKind.Rpm;
        if (LooksLikeSymvers(head))
            return SourceKind.Symvers;
        return SourceKind.Unknown;
    }

    private static bool LooksLikeSymvers(ReadOnlySpan<byte> head)
    {
        // "0x<hex>\t<symbol>\t" on the first line; an empty file is not a symvers.
        if (!head.StartsWith("0x"u8))
            return false;
        var tab = head.IndexOf((byte)'\t');
        return tab > 2 && head[2..tab].IndexOfAnyExcept("0123456789abcdefABCDEF"u8) < 0;
    }
}

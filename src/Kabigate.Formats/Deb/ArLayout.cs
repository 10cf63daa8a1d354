namespace Kabigate.Formats.Deb;

/// <summary>
/// The System V / GNU <c>ar</c> layout used by .deb files (deb(5), ar(5)): an 8-byte global header, then members,
/// each a 60-byte ASCII header followed by its data and one padding byte when the data's size is odd.
/// </summary>
internal static class ArLayout
{
    /// <summary>The global header.</summary>
    public static ReadOnlySpan<byte> Magic => "!<arch>\n"u8;

    /// <summary>The member header's terminator, <c>ar_fmag</c>.</summary>
    public static ReadOnlySpan<byte> HeaderMagic => "`\n"u8;

    /// <summary><c>ar_name</c>: 16 bytes, space-padded; GNU ar ends it with <c>/</c>.</summary>
    public const int NameOffset = 0;

    /// <summary>The length of <c>ar_name</c>.</summary>
    public const int NameLength = 16;

    /// <summary><c>ar_date</c>: 12 decimal digits, after the name.</summary>
    public const int DateOffset = NameOffset + NameLength;

    /// <summary>The length of <c>ar_date</c>.</summary>
    public const int DateLength = 12;

    /// <summary><c>ar_uid</c>: 6 digits.</summary>
    public const int UidOffset = DateOffset + DateLength;

    /// <summary>The length of <c>ar_uid</c>.</summary>
    public const int UidLength = 6;

    /// <summary><c>ar_gid</c>: 6 digits.</summary>
    public const int GidOffset = UidOffset + UidLength;

    /// <summary>The length of <c>ar_gid</c>.</summary>
    public const int GidLength = 6;

    /// <summary><c>ar_mode</c>: 8 octal digits.</summary>
    public const int ModeOffset = GidOffset + GidLength;

    /// <summary>The length of <c>ar_mode</c>.</summary>
    public const int ModeLength = 8;

    /// <summary><c>ar_size</c>: 10 decimal digits, space-padded; so no member reaches 10 GB.</summary>
    public const int SizeOffset = ModeOffset + ModeLength;

    /// <summary>The length of <c>ar_size</c>.</summary>
    public const int SizeLength = 10;

    /// <summary><c>ar_fmag</c>: <see cref="HeaderMagic"/>.</summary>
    public const int HeaderMagicOffset = SizeOffset + SizeLength;

    /// <summary>The whole member header: 60 bytes.</summary>
    public const int HeaderLength = HeaderMagicOffset + 2;
}

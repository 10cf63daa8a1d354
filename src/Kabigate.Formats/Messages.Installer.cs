namespace Kabigate.Formats;

internal static partial class Messages
{
    // Installer images: initramfs (InitrdReader) and the kernels read from them (InstallerImages).
    internal static string InitrdNotInitramfs(string head) =>
        $"not an initramfs: starts with '{head}', neither a cpio archive ('070701') nor a gzip, xz, zstd, bzip2 or lz4 stream";

    internal static string InitrdBadSegment(string head) =>
        $"initramfs segment starts with '{head}', neither a cpio archive ('070701') nor a gzip, xz, zstd, bzip2 or lz4 stream";

    internal const string InitrdEmpty = "empty initramfs: nothing but zeros";

    internal static string InitrdAfterTrailer(string head) =>
        $"after a cpio trailer: '{head}' is not the start of another cpio archive";

    internal static string InitrdTooManyEntries(int limit) => $"initramfs holds more than the limit of {limit} entries";
}

using Kabigate.Formats.Rpm;

namespace Kabigate.Formats.Installer;

/// <summary>One regular file of an initramfs.</summary>
/// <param name="Path">Its path, without a leading <c>./</c> or <c>/</c>: <c>lib/modules/6.1.0-50-amd64/kernel/fs/ext4/ext4.ko</c>.</param>
/// <param name="Data">Its bytes.</param>
public sealed record InitrdEntry(string Path, byte[] Data);

/// <summary>
/// Reads an initramfs as the kernel unpacks one (init/initramfs.c, <c>unpack_to_rootfs</c>): a sequence of segments,
/// each a cpio "newc" archive (<c>070701</c>/<c>070702</c>) ending in <c>TRAILER!!!</c>, or a compressed stream
/// (gzip, xz, zstd, bzip2, lz4) of such archives, separated by zero padding. dracut writes an uncompressed early
/// segment (CPU microcode) before a compressed one; debian-installer and lorax write one gzip or xz stream.
/// </summary>
/// <remarks>
/// Bounded whatever the image claims: at most <see cref="InputLimits.MaxInitrdEntries"/> entries, at most
/// <see cref="InputLimits.MaxInitrdExpansion"/> times the image's size and never more than
/// <see cref="InputLimits.MaxInitrdBytes"/> decompressed (streamed: only the wanted files are held). A compressed
/// segment must run to the end of the image; names that leave the archive's root (<c>..</c>) are never yielded.
/// </remarks>
public static class InitrdReader
{
    private const int ScanChunk = 4096;

    /// <summary>Reads the wanted regular files of an initramfs.</summary>
    /// <param name="initrd">The image, seekable, from its start; not disposed.</param>
    /// <param name="sourceName">The image's name in errors (<c>boot.iso!images/pxeboot/initrd.img</c>).</param>
    /// <param name="wanted">Chooses files by their path.</param>
    /// <param name="maxEntryBytes">The largest wanted file accepted.</param>
    /// <returns>The files, in archive order, read lazily.</returns>
    /// <exception cref="ModuleFormatException">
    /// The image is not an initramfs, is truncated or malformed, or exceeds a limit. Thrown during enumeration.
    /// </exception>
    public static IEnumerable<InitrdEntry> ReadEntries(Stream initrd, string sourceName, Func<string, bool> wanted, long maxEntryBytes)
    {
        ArgumentNullException.ThrowIfNull(initrd);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(wanted);
        if (!initrd.CanSeek)
            throw new ArgumentException("the initramfs stream must be seekable", nameof(initrd));
        return Enumerate(initrd, sourceName, wanted, maxEntryBytes);
    }

    private static IEnumerable<InitrdEntry> Enumerate(Stream initrd, string sourceName, Func<string, bool> wanted, long maxEntryBytes)
    {
        long length = initrd.Length;
        long cap = Math.Min(InputLimits.MaxInitrdBytes, Math.Max(length, 1L << 20) * InputLimits.MaxInitrdExpansion);
        var budget = new Budget(cap);
        long offset = 0;
        int segments = 0;
        while (true)
        {
            initrd.Position = offset;
            offset = SkipZeros(initrd, offset, length);
            if (offset >= length)
                break;
            var buffer = new byte[Compression.SniffLength];
            initrd.Position = offset;
            int got = initrd.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var head = buffer.AsSpan(0, got);
            segments++;
            if (IsCpio(head))
            {
                initrd.Position = offset;
                var segment = new CountingStream(initrd, length - offset);
                foreach (var entry in ReadArchives(segment, $"{sourceName}@0x{offset:x}", wanted, maxEntryBytes, budget, compressed: false))
                    yield return entry;
                offset += segment.Consumed;
                continue;
            }
            var kind = Compression.Sniff(head);
            if (kind == CompressionKind.None)
            {
                throw new ModuleFormatException(sourceName, segments == 1
                    ? Messages.InitrdNotInitramfs(Convert.ToHexStringLower(head))
                    : Messages.InitrdBadSegment(Convert.ToHexStringLower(head)), offset);
            }
            initrd.Position = offset;
            var bounded = new CountingStream(initrd, length - offset);
            string inner = $"{sourceName}@0x{offset:x}";
            using (var plain = Compression.OpenDecompressing(bounded, kind, inner, budget.Remaining))
            {
                var stream = new PushbackStream(plain);
                foreach (var entry in ReadArchives(stream, inner, wanted, maxEntryBytes, budget, compressed: true))
                    yield return entry;
            }
            break;
        }
        if (segments == 0)
            throw new ModuleFormatException(sourceName, Messages.InitrdEmpty);
    }

    /// <summary>One or more cpio archives: one for a plain segment, all up to the end for a decompressed one.</summary>
    private static IEnumerable<InitrdEntry> ReadArchives(Stream archive, string sourceName, Func<string, bool> wanted, long maxEntryBytes, Budget budget, bool compressed)
    {
        while (true)
        {
            var cpio = new CpioReader(archive, sourceName);
            while (cpio.Next() is { } header)
            {
                budget.CountEntry(sourceName);
                var (path, safe) = RpmReader.NormalizePath(header.Name.TrimStart('/'));
                if (path is null || !safe || !header.IsRegularFile || !wanted(path))
                    continue;
                if (header.FileSize == 0 && header.Nlink > 1)
                    continue; // an earlier link of a hard-link set: the data comes with its last link
                yield return new InitrdEntry(path, cpio.ReadData(maxEntryBytes));
            }
            if (!compressed || archive is not PushbackStream pushback || !pushback.SkipZerosToData(sourceName))
                yield break;
            var magic = new byte[CpioLayout.MagicLength];
            int got = pushback.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            if (!IsCpio(magic.AsSpan(0, got)))
                throw new ModuleFormatException(sourceName, Messages.InitrdAfterTrailer(Convert.ToHexStringLower(magic.AsSpan(0, got))));
            pushback.Unread(magic.AsSpan(0, got));
        }
    }

    private static bool IsCpio(ReadOnlySpan<byte> head) => head.StartsWith(CpioLayout.NewcMagic) || head.StartsWith(CpioLayout.CrcMagic);

    /// <summary>The offset of the first non-zero byte at or after <paramref name="offset"/>, or the length.</summary>
    private static long SkipZeros(Stream stream, long offset, long length)
    {
        var buffer = new byte[ScanChunk];
        while (offset < length)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, length - offset));
            if (read == 0)
                return length;
            int nonZero = buffer.AsSpan(0, read).IndexOfAnyExcept((byte)0);
            if (nonZero >= 0)
                return offset + nonZero;
            offset += read;
        }
        return offset;
    }

    /// <summary>The limits shared by every segment of one image.</summary>
    private sealed class Budget(long bytes)
    {
        private int _entries;

        public long Remaining { get; } = bytes;

        public void CountEntry(string sourceName)
        {
            if (++_entries > InputLimits.MaxInitrdEntries)
                throw new ModuleFormatException(sourceName, Messages.InitrdTooManyEntries(InputLimits.MaxInitrdEntries));
        }
    }

    /// <summary>A window on a seekable stream from its current position, counting what is read.</summary>
    private sealed class CountingStream(Stream inner, long limit) : Stream
    {
        public long Consumed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Consumed; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read = inner.Read(buffer[..(int)Math.Min(buffer.Length, limit - Consumed)]);
            Consumed += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A forward stream that can take back bytes it gave, to look past the zeros between archives.</summary>
    private sealed class PushbackStream(Stream inner) : Stream
    {
        private byte[] _back = [];
        private int _backStart;

        public void Unread(ReadOnlySpan<byte> bytes)
        {
            var rest = _back.AsSpan(_backStart);
            var merged = new byte[bytes.Length + rest.Length];
            bytes.CopyTo(merged);
            rest.CopyTo(merged.AsSpan(bytes.Length));
            _back = merged;
            _backStart = 0;
        }

        /// <summary>Consumes zero bytes; true when data follows them, false at the end of the stream.</summary>
        public bool SkipZerosToData(string sourceName)
        {
            var buffer = new byte[ScanChunk];
            while (true)
            {
                int read;
                try
                {
                    read = Read(buffer, 0, buffer.Length);
                }
                catch (ModuleFormatException e)
                {
                    throw new ModuleFormatException(sourceName, Messages.CpioAfterTrailer(e.Reason), inner: e);
                }
                if (read == 0)
                    return false;
                int nonZero = buffer.AsSpan(0, read).IndexOfAnyExcept((byte)0);
                if (nonZero >= 0)
                {
                    Unread(buffer.AsSpan(nonZero, read - nonZero));
                    return true;
                }
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_backStart < _back.Length)
            {
                int n = Math.Min(buffer.Length, _back.Length - _backStart);
                _back.AsSpan(_backStart, n).CopyTo(buffer);
                _backStart += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

using System.Formats.Tar;
using System.Text;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Deb;

/// <summary>Builds .deb fixtures: with the real dpkg-deb, or byte by byte for malformed ones.</summary>
internal static class DebFixtures
{
    public const string Control = "Package: kabigate-test\nVersion: 1:2.3-4\nArchitecture: amd64\nMaintainer: Test <test@example.org>\nDescription: fixture\n multi-line description\n";

    public static readonly byte[] Symvers = "0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n"u8.ToArray();

    /// <summary>Builds a small package with <c>dpkg-deb -Z<paramref name="compression"/> --build</c>.</summary>
    public static byte[] BuildWithDpkgDeb(string compression)
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("pkg");
        Directory.CreateDirectory(Path.Combine(root, "DEBIAN"));
        File.WriteAllText(Path.Combine(root, "DEBIAN", "control"), Control);
        string src = Path.Combine(root, "usr", "src", "linux-headers-9.9.9-test");
        Directory.CreateDirectory(src);
        File.WriteAllBytes(Path.Combine(src, "Module.symvers"), Symvers);
        File.WriteAllBytes(Path.Combine(src, "odd-sized"), new byte[12345]);
        File.WriteAllBytes(Path.Combine(src, "empty"), []);
        File.CreateSymbolicLink(Path.Combine(src, "link"), "Module.symvers");
        string output = temp.Combine("out.deb");
        Tools.RunBytes("dpkg-deb", ["--root-owner-group", "-Z" + compression, "--build", root, output]);
        return File.ReadAllBytes(output);
    }

    /// <summary>An ar archive of the given members, in order, with dpkg-style space-padded names.</summary>
    public static byte[] Ar(params (string Name, byte[] Data)[] members)
    {
        var output = new MemoryStream();
        output.Write("!<arch>\n"u8);
        foreach (var (name, data) in members)
        {
            output.Write(ArHeader(name, data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            output.Write(data);
            if (data.Length % 2 == 1)
                output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }

    /// <summary>One 60-byte ar member header with a raw size field.</summary>
    public static byte[] ArHeader(string name, string size, string magic = "`\n") =>
        Encoding.ASCII.GetBytes($"{name,-16}{"0",-12}{"0",-6}{"0",-6}{"100644",-8}{size,-10}{magic}");

    /// <summary>A tar of regular files (GNU format, as dpkg-deb writes).</summary>
    public static byte[] Tar(params (string Name, byte[] Data)[] files)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var (name, data) in files)
            {
                var entry = new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    /// <summary>A package with the given data.tar member (name and bytes) and a valid control member.</summary>
    public static byte[] Deb(string dataName, byte[] data) =>
        Ar(("debian-binary", "2.0\n"u8.ToArray()), ("control.tar", Tar(("./control", Encoding.ASCII.GetBytes(Control)))), (dataName, data));
}

/// <summary>Hides seekability, as a pipe or an HTTP body would.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7919));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

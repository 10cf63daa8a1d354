using System.Formats.Tar;
using System.Text;

namespace Kabigate.Formats.Deb;

public static partial class DebReader
{
    /// <summary>The largest <c>control</c> file read: 1 MiB (they are a few KiB).</summary>
    private const int MaxControlFileBytes = 1 << 20;

    /// <summary>Reads a package file's identity from its <c>control</c> file.</summary>
    /// <param name="path">The .deb file.</param>
    /// <returns>Package, Version and Architecture.</returns>
    /// <exception cref="ModuleFormatException">The package or its control file is malformed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static DebControl ReadControl(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = OpenFile(path);
        return ReadControl(stream, path);
    }

    /// <summary>Reads a package's identity from the <c>control</c> file in its <c>control.tar.*</c> member.</summary>
    /// <param name="deb">The package, read forward from its current position; need not be seekable. Not disposed.</param>
    /// <param name="sourceName">The package's name in errors.</param>
    /// <returns>Package, Version and Architecture.</returns>
    /// <exception cref="ModuleFormatException">
    /// The package is malformed or truncated, has no <c>control</c> file, or the file lacks one of the three fields.
    /// </exception>
    public static DebControl ReadControl(Stream deb, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(deb);
        ArgumentNullException.ThrowIfNull(sourceName);
        var member = FindMember(new ArReader(deb, sourceName, MaxMemberBytes), sourceName, ControlPrefix);
        string memberSource = $"{sourceName}!{member.Name}";
        if (member.Size > MaxControlBytes)
            throw new ModuleFormatException(sourceName, Messages.ArMemberTooLarge(member.Name, member.Size, MaxControlBytes), member.DataOffset);

        using var tarStream = OpenTarStream(member, memberSource, MaxControlBytes);
        using var tar = new TarReader(new TarMetadataGuard(tarStream, memberSource, MaxTarMetadataBytes), leaveOpen: true);
        while (NextEntry(tar, memberSource) is { } entry)
        {
            if (IsRegularFile(entry.EntryType) && NormalizePath(entry.Name) == "control")
            {
                byte[] control = ReadEntryData(entry, "control", memberSource, MaxControlFileBytes);
                return ParseControl(control, $"{sourceName}!control");
            }
        }

        throw new ModuleFormatException(memberSource, Messages.DebNoControlFile);
    }

    /// <summary>
    /// Reads the fields of the first deb822 paragraph. Continuation lines (starting with a blank) belong to the
    /// field before them and are kept for Depends only; field names are case-insensitive.
    /// </summary>
    private static DebControl ParseControl(ReadOnlySpan<byte> data, string sourceName)
    {
        string? package = null, version = null, architecture = null, depends = null;
        bool inDepends = false;
        int lineNumber = 0;
        foreach (var range in data.Split((byte)'\n'))
        {
            lineNumber++;
            var line = data[range].TrimEnd((byte)'\r');
            if (line.IsEmpty)
            {
                if (package is null && version is null && architecture is null)
                    continue; // blank lines before the paragraph
                break; // the end of the first paragraph
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                if (inDepends)
                    depends += " " + Encoding.UTF8.GetString(line.Trim(" \t"u8));
                continue;
            }
            inDepends = false;
            if (line[0] is (byte)'#')
                continue;
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
                throw new ModuleFormatException(sourceName, Messages.ControlMalformedLine, line: lineNumber, lineText: Encoding.UTF8.GetString(line));
            string name = Encoding.UTF8.GetString(line[..colon]);
            string value = Encoding.UTF8.GetString(line[(colon + 1)..].Trim(" \t"u8));
            if (name.Equals("Package", StringComparison.OrdinalIgnoreCase))
                package = value;
            else if (name.Equals("Version", StringComparison.OrdinalIgnoreCase))
                version = value;
            else if (name.Equals("Architecture", StringComparison.OrdinalIgnoreCase))
                architecture = value;
            else if (name.Equals("Depends", StringComparison.OrdinalIgnoreCase))
                (depends, inDepends) = (value, true);
        }

        return new DebControl(
            Required(package, "Package", sourceName),
            Required(version, "Version", sourceName),
            Required(architecture, "Architecture", sourceName))
        { Depends = depends ?? "" };
    }

    private static string Required(string? value, string field, string sourceName) =>
        string.IsNullOrEmpty(value) ? throw new ModuleFormatException(sourceName, Messages.ControlMissingField(field)) : value;
}

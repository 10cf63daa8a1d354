using System.Collections.Immutable;
using System.Text;
using Kabigate.Abi;

namespace Kabigate.Store;

/// <summary>
/// The store's encoding of a kmod: everything the loader's rules read from the <c>.ko</c> (ELF identity, modinfo,
/// imports, exports, modversions tables, signature), without the path it was read from, so the same module read from
/// two places has one content hash.
/// </summary>
internal static class KmodCodec
{
    private const byte Version = 1;

    public static byte[] Encode(ModuleImage module)
    {
        using var stream = new MemoryStream(1024);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write(module.Name);
            writer.Write(module.Elf.Is64Bit);
            writer.Write(module.Elf.BigEndian);
            writer.Write(module.Elf.Machine);
            writer.Write((byte)module.VersionTables);
            writer.Write(module.Signed);
            writer.Write7BitEncodedInt(module.Modinfo.Length);
            foreach (var (key, value) in module.Modinfo)
            {
                writer.Write(key);
                writer.Write(value);
            }
            writer.Write7BitEncodedInt(module.Imports.Length);
            foreach (var import in module.Imports)
            {
                writer.Write(import.Symbol);
                writer.Write(import.Weak);
            }
            writer.Write7BitEncodedInt(module.Exports.Length);
            foreach (var export in module.Exports)
            {
                writer.Write(export.Symbol);
                writer.Write(export.Crc.HasValue);
                writer.Write(export.Crc ?? 0);
                writer.Write((byte)export.Kind);
                writer.Write(export.Namespace ?? "");
            }
            WriteVersions(writer, module.BasicVersions);
            WriteVersions(writer, module.ExtendedVersions);
        }
        return stream.ToArray();
    }

    /// <exception cref="StoreException">The blob is corrupt or of an unknown version.</exception>
    public static ModuleImage Decode(byte[] blob, string path, string what)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(blob), Encoding.UTF8);
            if (reader.ReadByte() != Version)
                throw new StoreException($"{what}: kmod encoded in an unknown version; this kabigate is too old for the store");
            var name = reader.ReadString();
            var elf = new ElfIdentity(reader.ReadBoolean(), reader.ReadBoolean(), reader.ReadUInt16());
            var tables = (ModversionTables)reader.ReadByte();
            var signed = reader.ReadBoolean();
            var modinfo = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>(Count(reader, blob));
            for (int i = modinfo.Capacity; i > 0; i--)
                modinfo.Add(new(reader.ReadString(), reader.ReadString()));
            var imports = ImmutableArray.CreateBuilder<ModuleImport>(Count(reader, blob));
            for (int i = imports.Capacity; i > 0; i--)
                imports.Add(new ModuleImport(reader.ReadString(), reader.ReadBoolean()));
            var exports = ImmutableArray.CreateBuilder<ModuleExport>(Count(reader, blob));
            for (int i = exports.Capacity; i > 0; i--)
            {
                var symbol = reader.ReadString();
                bool hasCrc = reader.ReadBoolean();
                uint crc = reader.ReadUInt32();
                var kind = (ExportKind)reader.ReadByte();
                var ns = reader.ReadString();
                exports.Add(new ModuleExport(symbol, hasCrc ? crc : null, kind, ns.Length == 0 ? null : ns));
            }
            return new ModuleImage
            {
                Path = path,
                Name = name,
                Elf = elf,
                Modinfo = modinfo.MoveToImmutable(),
                Imports = imports.MoveToImmutable(),
                Exports = exports.MoveToImmutable(),
                BasicVersions = ReadVersions(reader, blob),
                ExtendedVersions = ReadVersions(reader, blob),
                VersionTables = tables,
                Signed = signed,
            };
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException)
        {
            throw new StoreException($"{what}: corrupt kmod record ({e.Message})", e);
        }
    }

    private static void WriteVersions(BinaryWriter writer, ImmutableArray<SymbolVersion> versions)
    {
        writer.Write7BitEncodedInt(versions.Length);
        foreach (var version in versions)
        {
            writer.Write(version.Symbol);
            writer.Write(version.Crc);
        }
    }

    private static ImmutableArray<SymbolVersion> ReadVersions(BinaryReader reader, byte[] blob)
    {
        var versions = ImmutableArray.CreateBuilder<SymbolVersion>(Count(reader, blob));
        for (int i = versions.Capacity; i > 0; i--)
            versions.Add(new SymbolVersion(reader.ReadString(), reader.ReadUInt32()));
        return versions.MoveToImmutable();
    }

    private static int Count(BinaryReader reader, byte[] blob)
    {
        int count = reader.Read7BitEncodedInt();
        if (count < 0 || count > blob.Length)
            throw new FormatException($"impossible count {count}");
        return count;
    }
}

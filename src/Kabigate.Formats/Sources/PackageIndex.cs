using System.Text;
using Kabigate.Abi;
using Kabigate.Formats.Repodata;

namespace Kabigate.Formats.Sources;

/// <summary>
/// A repository's gate-relevant packages (kernels, kernel meta packages, kmods) with only the relations the gates
/// read, cached under <c>$XDG_CACHE_HOME/kabigate/packages/</c> by the checksum of the primary file they come from.
/// Parsing a primary.xml of twenty kernels (~200,000 provides) takes most of a second; the dnf plugin asks on every
/// dnf run, and the metadata changes seldom, so later runs read this index instead (as dnf keeps its .solv files).
/// </summary>
/// <remarks>
/// A file appears by an atomic rename; one that cannot be read as this version's format is ignored and rewritten.
/// Reading one touches it; files left untouched for <see cref="MaxAge"/> are removed when another is written.
/// </remarks>
internal static class PackageIndex
{
    private const string Magic = "kabigate package index 1\n";
    private static readonly TimeSpan MaxAge = TimeSpan.FromDays(14);

    /// <summary>The packages of an opened repository: from the index when there is one for its primary, else parsed (and indexed).</summary>
    /// <param name="repository">The opened repository.</param>
    /// <param name="origin">What each package's <see cref="KabiPackage.Origin"/> says: the repository as the user named it.</param>
    /// <param name="cacheRoot">The index's folder, or null for the default.</param>
    public static IReadOnlyList<KabiPackage> Read(RpmRepository repository, string origin, string? cacheRoot = null)
    {
        var checksum = repository.Primary.Checksum!;
        var directory = cacheRoot ?? Path.Combine(CacheDirectory.Root(), "packages");
        var path = Path.Combine(directory, $"{checksum.Type.ToLowerInvariant()}-{checksum.Value.ToLowerInvariant()}.index");
        if (TryLoad(path, origin) is { } cached)
            return cached;
        var packages = repository.ReadPackages().Select(p => PackageSets.FromRepo(p, origin)).Where(p => p.Role != KabiPackageRole.Other)
            .Select(Slim).ToList();
        try
        {
            Directory.CreateDirectory(directory);
            Save(path, packages);
            Prune(directory, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unwritable cache only costs time.
        }

        return packages;
    }

    /// <summary>The package with only what the gates read: kABI symbols, kernel releases, kernel-modules.</summary>
    private static KabiPackage Slim(KabiPackage p) => new(p.Name, p.Epoch, p.Version, p.Release, p.Arch, p.Origin, p.Installed,
        [.. p.Provides.Where(Kept)], [.. p.Requires.Where(Kept)], p.Files);

    private static bool Kept(PackageRelation r) =>
        r.Name == "kernel-modules" || (r.Name.StartsWith("kernel", StringComparison.Ordinal) && r.Name.EndsWith("-uname-r", StringComparison.Ordinal))
        || KabiDependency.Parse(r.Name, r.Operator, r.Version)?.Symbol is not null;

    private static List<KabiPackage>? TryLoad(string path, string origin)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (reader.ReadString() != Magic)
                return null;
            int count = reader.ReadInt32();
            var packages = new List<KabiPackage>(count);
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                int epoch = reader.ReadInt32();
                string version = reader.ReadString(), release = reader.ReadString(), arch = reader.ReadString();
                var provides = Relations(reader);
                var requires = Relations(reader);
                packages.Add(new KabiPackage(name, epoch < 0 ? null : epoch, version, release, arch, origin, false, provides, requires, []));
            }

            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return packages;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null; // absent, torn or another format: parse again
        }
    }

    private static PackageRelation[] Relations(BinaryReader reader)
    {
        var relations = new PackageRelation[reader.ReadInt32()];
        for (int i = 0; i < relations.Length; i++)
        {
            string name = reader.ReadString();
            string op = reader.ReadString();
            string? version = reader.ReadBoolean() ? reader.ReadString() : null;
            relations[i] = new PackageRelation(name, op, version);
        }

        return relations;
    }

    private static void Save(string path, List<KabiPackage> packages)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(packages.Count);
            foreach (var p in packages)
            {
                writer.Write(p.Name);
                writer.Write(p.Epoch ?? -1);
                writer.Write(p.Version);
                writer.Write(p.Release);
                writer.Write(p.Arch);
                Write(writer, p.Provides);
                Write(writer, p.Requires);
            }
        }

        RepoCache.WriteAtomically(path, memory.GetBuffer().AsSpan(0, (int)memory.Length));

        static void Write(BinaryWriter writer, IReadOnlyList<PackageRelation> relations)
        {
            writer.Write(relations.Count);
            foreach (var r in relations)
            {
                writer.Write(r.Name);
                writer.Write(r.Operator);
                writer.Write(r.Version is not null);
                if (r.Version is not null)
                    writer.Write(r.Version);
            }
        }
    }

    private static void Prune(string directory, string keep)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*.index"))
        {
            if (file != keep && DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > MaxAge)
                RepoCache.DeleteQuietly(file);
        }
    }
}

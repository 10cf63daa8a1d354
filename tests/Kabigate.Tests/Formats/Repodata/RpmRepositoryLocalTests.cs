using System.Security.Cryptography;
using System.Text;
using Kabigate.Formats;
using Kabigate.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Repodata;

[Collection(RepoCollection.Name)]
public class RpmRepositoryLocalTests(RepoFixture fixture)
{
    public static TheoryData<string> Compressions => new() { "gz", "xz", "zstd" };

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string PrimaryHref(string repo) => RepomdReader.Read(Path.Combine(repo, "repodata", "repomd.xml")).Find("primary")!.LocationHref;

    [ToolTheory("rpmbuild", "createrepo_c", "rpm", "zstd")]
    [MemberData(nameof(Compressions))]
    public void Directory_ReadsVerifiedPrimaryInPlace(string compression)
    {
        string repo = fixture.Repos[compression];
        using var repository = RpmRepository.Open(repo);
        Assert.False(repository.IsRemote);
        Assert.False(repository.PrimaryDownloaded);
        Assert.Null(repository.CacheDirectory);
        Assert.Equal(Path.GetFullPath(repo), repository.Location);
        Assert.Equal(Path.Combine(repo, PrimaryHref(repo)), repository.PrimaryPath);
        Assert.Equal(
            PrimaryReader.Read(repository.PrimaryPath).Select(p => p.Nevra),
            repository.ReadPackages().Select(p => p.Nevra));
        Assert.Equal(
            ["kernel-core-6.1.0-47.x86_64", "kernel-core-6.1.0-48.x86_64", "kmod-bar-2:2.5-3.el9.noarch", "kmod-foo-1.0-1.x86_64"],
            repository.ReadPackages().Select(p => p.Nevra).Order(StringComparer.Ordinal));
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void FileUrl_IsADirectory()
    {
        using var repository = RpmRepository.Open(new Uri(fixture.Repos["xz"]).AbsoluteUri);
        Assert.False(repository.IsRemote);
        Assert.Equal(4, repository.ReadPackages().Count());
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void OpenPackage_GivesTheVerifiedFile()
    {
        using var repository = RpmRepository.Open(fixture.Repos["gz"]);
        foreach (var package in repository.ReadPackages())
        {
            using var stream = repository.OpenPackage(package);
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.Equal(File.ReadAllBytes(Path.Combine(fixture.RpmDirectory, package.LocationHref)), copy.ToArray());
        }
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void LyingPrimary_IsRefused()
    {
        using var temp = new TempDirectory();
        string repo = RepoFixture.CopyRepo(fixture.Repos["gz"], temp.Combine("repo"));
        string href = PrimaryHref(repo);
        string expected = href["repodata/".Length..][..64];
        string primary = Path.Combine(repo, href);
        File.WriteAllBytes(primary, Tools.Compress("gzip", Encoding.UTF8.GetBytes("<metadata xmlns=\"http://linux.duke.edu/metadata/common\"/>")));
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(repo));
        Assert.Equal($"{repo}: checksum mismatch for {href}: expected sha256 {expected}, got {Sha256(primary)}", e.Message);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void LyingPackage_IsRefused()
    {
        using var temp = new TempDirectory();
        string repo = RepoFixture.CopyRepo(fixture.Repos["gz"], temp.Combine("repo"));
        using var repository = RpmRepository.Open(repo);
        var foo = repository.ReadPackages().Single(p => p.Name == "kmod-foo");
        string file = Path.Combine(repo, foo.LocationHref);
        byte[] bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 1;
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<ModuleFormatException>(() => repository.OpenPackage(foo));
        Assert.Equal($"{repo}: checksum mismatch for {foo.LocationHref}: expected sha256 {foo.Checksum}, got {Sha256(file)}", e.Message);
    }

    [Fact]
    public void NotARepository()
    {
        using var temp = new TempDirectory();
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(temp.Path));
        Assert.Equal($"{temp.Path}: no repodata/repomd.xml: not an RPM repository", e.Message);
        string missing = temp.Combine("missing");
        e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(missing));
        Assert.Equal($"{missing}: no such directory (a repository is a directory or an http(s):// URL)", e.Message);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void MissingPrimary()
    {
        using var temp = new TempDirectory();
        string repo = RepoFixture.CopyRepo(fixture.Repos["xz"], temp.Combine("repo"));
        string href = PrimaryHref(repo);
        File.Delete(Path.Combine(repo, href));
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(repo));
        Assert.Equal($"{repo}: {href}, named by repomd.xml, does not exist", e.Message);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void Malformed_Repomd()
    {
        using var temp = new TempDirectory();
        string repo = RepoFixture.CopyRepo(fixture.Repos["gz"], temp.Combine("repo"));
        string repomd = Path.Combine(repo, "repodata", "repomd.xml");
        string text = File.ReadAllText(repomd);
        File.WriteAllText(repomd, text[..(text.Length / 2)]);
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(repo));
        Assert.Equal(repomd, e.SourcePath);
        Assert.NotNull(e.Line);
        Assert.StartsWith($"{repomd}:{e.Line}: malformed XML: Unexpected end of file", e.Message, StringComparison.Ordinal);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void Malformed_PrimaryWithAMatchingChecksum_FailsWhileReading()
    {
        using var temp = new TempDirectory();
        string repo = RepoFixture.CopyRepo(fixture.Repos["gz"], temp.Combine("repo"));
        byte[] bad = Tools.Compress("gzip", Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n<package type=\"rpm\">\n<name>x</name>\n<format><rpm:provides><rpm:entry name=\"a\" flags=\"EQ\" ver=\"1\">\n</metadata>\n"));
        string hex = Convert.ToHexStringLower(SHA256.HashData(bad));
        string href = $"repodata/{hex}-primary.xml.gz";
        File.WriteAllBytes(Path.Combine(repo, href), bad);
        RepoFixture.RewritePrimaryEntry(repo, href, hex, bad.Length);

        using var repository = RpmRepository.Open(repo);
        var e = Assert.Throws<ModuleFormatException>(() => repository.ReadPackages().ToList());
        Assert.Equal(6, e.Line);
        Assert.Equal($"{Path.Combine(repo, href)}:6: malformed XML: The 'rpm:entry' start tag on line 5 position 24 does not match the end tag of 'metadata'.", e.Message);
    }

    [ToolFact("rpmbuild", "createrepo_c", "rpm", "zstd")]
    public void UnsupportedChecksumType()
    {
        using var temp = new TempDirectory();
        string repo = RepoFixture.CopyRepo(fixture.Repos["gz"], temp.Combine("repo"));
        string repomd = Path.Combine(repo, "repodata", "repomd.xml");
        File.WriteAllText(repomd, File.ReadAllText(repomd).Replace("<checksum type=\"sha256\">", "<checksum type=\"crc32\">", StringComparison.Ordinal));
        var e = Assert.Throws<ModuleFormatException>(() => RpmRepository.Open(repo));
        Assert.Equal($"{repomd}: unsupported checksum type 'crc32' for {PrimaryHref(repo)}", e.Message);
    }
}

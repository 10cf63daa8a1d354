using Kabigate.Formats;
using Kabigate.Formats.Repodata;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Repodata;

/// <summary>
/// publish-gated writes only inside its target: it refuses a symlink on any path it writes and never replaces a file it
/// did not create (packages are linked with link(2), which cannot clobber).
/// </summary>
[Collection(RepoCollection.Name)]
public sealed class PublishWritesTests(RepoFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Source() => RepoFixture.CreateRepo(_temp.Combine("source"), fixture.RpmDirectory, "gz");

    private static string FirstHref(string repo)
    {
        using var repository = RpmRepository.Open(repo);
        return repository.ReadPackages().First().LocationHref;
    }

    [Fact]
    public void ASymlinkedSubdirectoryOfTo_IsRefused_AndNothingIsWrittenThroughIt()
    {
        var source = Source();
        var href = FirstHref(source);
        var to = Directory.CreateDirectory(_temp.Combine("to")).FullName;
        var outside = Directory.CreateDirectory(_temp.Combine("outside")).FullName;
        var subdirectory = href.Split('/')[0];
        Assert.NotEqual(href, subdirectory); // the fixture's packages live in an arch folder
        Directory.CreateSymbolicLink(Path.Combine(to, subdirectory), outside);

        var e = Assert.Throws<ModuleFormatException>(() => FilteredRepository.Publish(source, to, _ => true));
        Assert.Equal($"{Path.Combine(to, subdirectory)}: a symlink on a path publish-gated writes; refusing to write through it (replace it with a directory or a file)", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public void ASymlinkedRepodata_IsRefused()
    {
        var source = Source();
        var to = Directory.CreateDirectory(_temp.Combine("to")).FullName;
        var outside = Directory.CreateDirectory(_temp.Combine("outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "keep"), "mine");
        Directory.CreateSymbolicLink(Path.Combine(to, "repodata"), outside);

        var e = Assert.Throws<ModuleFormatException>(() => FilteredRepository.Publish(source, to, _ => true));
        Assert.StartsWith($"{Path.Combine(to, "repodata")}: a symlink on a path publish-gated writes", e.Message, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(outside, "keep")));
    }

    [Fact]
    public void AForeignFileAtAPackagePath_IsNotReplaced_ButItsOwnLinksAreKeptOnRepublish()
    {
        var source = Source();
        var href = FirstHref(source);
        var to = Directory.CreateDirectory(_temp.Combine("to")).FullName;
        var foreign = Path.Combine(to, href);
        Directory.CreateDirectory(Path.GetDirectoryName(foreign)!);
        File.WriteAllText(foreign, "not a package");

        var e = Assert.Throws<ModuleFormatException>(() => FilteredRepository.Publish(source, to, _ => true));
        Assert.StartsWith($"{foreign}: exists and is not package '", e.Message, StringComparison.Ordinal);
        Assert.Equal("not a package", File.ReadAllText(foreign));

        File.Delete(foreign);
        var first = FilteredRepository.Publish(source, to, _ => true);
        var again = FilteredRepository.Publish(source, to, _ => true);
        Assert.Equal(first.Kept.Count, first.Linked);
        Assert.Equal(0, again.Linked);
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, href)), File.ReadAllBytes(foreign));
    }
}

using System.Collections.Concurrent;
using Kabigate.Formats.Iso;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Formats.Iso;

/// <summary>One image made by xorriso from the sample tree, with what xorriso and osirrox read from it.</summary>
internal sealed record SampleIso(string Path, IsoNaming Naming, SortedSet<string> Files, SortedSet<string> Directories, string Extracted);

/// <summary>
/// Makes the sample tree once, and each kind of image from it on first use: Rock Ridge with Joliet, Rock Ridge only,
/// Joliet only, plain ISO 9660, and Rock Ridge with deep directories relocated (<c>CL</c>/<c>RE</c>).
/// </summary>
public sealed class IsoImagesFixture : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ConcurrentDictionary<string, Lazy<SampleIso>> _images = new();

    public IsoImagesFixture()
    {
        Source = IsoTrees.WriteSample(_temp.Combine("tree"));
    }

    /// <summary>The sample tree.</summary>
    public string Source { get; }

    /// <summary>A scratch directory deleted with the fixture.</summary>
    public string Scratch(string name)
    {
        string path = _temp.Combine("scratch", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    internal SampleIso Get(string kind) => _images.GetOrAdd(kind, k => new Lazy<SampleIso>(() => Make(k))).Value;

    private SampleIso Make(string kind)
    {
        string iso = _temp.Combine(kind + ".iso");
        IsoNaming naming;
        switch (kind)
        {
            case "rockridge-joliet":
                Xorriso.Make(Source, iso, "-R", "-J", "-V", "KABIGATE_TEST");
                naming = IsoNaming.RockRidge;
                break;
            case "rockridge":
                Xorriso.Make(Source, iso, "-R");
                naming = IsoNaming.RockRidge;
                break;
            case "joliet":
                Xorriso.Make(Source, iso, "-J", "--norock");
                naming = IsoNaming.Joliet;
                break;
            case "plain":
                Xorriso.Make(Source, iso, "--norock");
                naming = IsoNaming.Iso9660;
                break;
            case "relocated":
                // xorriso's own commands: ISO 9660's eight-level limit enforced, so Rock Ridge relocates deeper directories.
                Xorriso.Run("-compliance", "deep_paths_off", "-outdev", "stdio:" + iso, "-map", Source, "/", "-commit");
                naming = IsoNaming.RockRidge;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        var (files, directories) = Xorriso.List(iso);
        string extracted = Xorriso.Extract(iso, _temp.Combine(kind + "-extracted"));
        return new SampleIso(iso, naming, files, directories, extracted);
    }

    public void Dispose() => _temp.Dispose();
}

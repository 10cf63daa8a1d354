namespace Kabigate.Formats.Rpm;

/// <summary>A regular file from a package's payload.</summary>
/// <param name="Path">
/// The path inside the package, relative, without rpm's leading <c>./</c>:
/// <c>lib/modules/6.1.0-47-amd64/extra/x.ko</c>.
/// </param>
/// <param name="Data">The file's bytes.</param>
public sealed record RpmEntry(string Path, byte[] Data)
{
    /// <summary>The permission bits cpio stored (<c>c_mode</c> less the file type), e.g. <c>0755</c> for a kbuild helper; 0 when not read from a payload.</summary>
    public uint Permissions { get; init; }
}

/// <summary>
/// Counts what a payload enumeration saw, filled in as it runs: pass one to
/// <see cref="RpmReader.ReadPayloadEntries(Stream, string, Func{string, bool}, long, RpmPayloadSummary?)"/> and read it
/// when the enumeration has ended. Not thread-safe; use one per enumeration.
/// </summary>
public sealed class RpmPayloadSummary
{
    /// <summary>How many unsafe names are kept in <see cref="UnsafePaths"/>; the rest are only counted.</summary>
    public const int MaxUnsafePathsKept = 100;

    private readonly List<string> _unsafePaths = [];

    /// <summary>The cpio entries read, of every type, before the trailer.</summary>
    public int Entries { get; internal set; }

    /// <summary>The entries that were regular files with a safe path.</summary>
    public int RegularFiles { get; internal set; }

    /// <summary>The files yielded.</summary>
    public int Yielded { get; internal set; }

    /// <summary>
    /// The entries never yielded because their name is unsafe to extract: it has a <c>..</c> component, or is
    /// absolute once rpm's <c>./</c> prefix is removed.
    /// </summary>
    public int UnsafeEntries { get; private set; }

    /// <summary>The first <see cref="MaxUnsafePathsKept"/> unsafe names, as stored in the archive.</summary>
    public IReadOnlyList<string> UnsafePaths => _unsafePaths;

    internal void AddUnsafe(string name)
    {
        UnsafeEntries++;
        if (_unsafePaths.Count < MaxUnsafePathsKept)
            _unsafePaths.Add(name);
    }
}

namespace Kabigate.Store;

/// <summary>A kernel release in the store.</summary>
/// <param name="Id">Its id; <c>id:N</c> names it exactly.</param>
/// <param name="Release">The release, e.g. <c>6.1.0-47-amd64</c>.</param>
/// <param name="Line">Its line (<see cref="Kabigate.Abi.KernelReleases.Line"/>).</param>
/// <param name="ContentHash">SHA-256 of the release, its ABI, vermagic and loader options.</param>
/// <param name="AbiId">The stored ABI.</param>
/// <param name="ExportCount">How many symbols it exports.</param>
/// <param name="Vermagic">Its vermagic, or null when unknown.</param>
/// <param name="Source">What it was ingested from.</param>
/// <param name="IngestedAt">When (UTC).</param>
/// <param name="Contents">How many different contents the store holds for this release (more than 1 is flagged).</param>
/// <param name="VermagicUnknownReason">Why its vermagic is unknown, or null.</param>
/// <param name="ExportKindsUnknownReason">Why its export kinds are unknown, or null.</param>
/// <param name="Loader">Its loader options, or null when unknown.</param>
public sealed record StoredKernel(long Id, string Release, string Line, string ContentHash, long AbiId, int ExportCount, string? Vermagic, string Source, DateTimeOffset IngestedAt, int Contents,
    string? VermagicUnknownReason = null, string? ExportKindsUnknownReason = null, Kabigate.Abi.LoaderConfig? Loader = null)
{
    /// <summary>Whether the release was ingested with more than one content.</summary>
    public bool Conflicting => Contents > 1;
}

/// <summary>A kmod in the store.</summary>
/// <param name="Id">Its id; <c>id:N</c> names it exactly.</param>
/// <param name="Name">The module name, e.g. <c>kg_stable</c>.</param>
/// <param name="ContentHash">SHA-256 of what the loader reads from it.</param>
/// <param name="Vermagic">Its vermagic: which kernel it was built for.</param>
/// <param name="License">Its license.</param>
/// <param name="Source">What it was ingested from.</param>
/// <param name="Path">The file (or package member) it was read from.</param>
/// <param name="IngestedAt">When (UTC).</param>
public sealed record StoredKmod(long Id, string Name, string ContentHash, string? Vermagic, string? License, string Source, string Path, DateTimeOffset IngestedAt);

/// <summary>What ingesting one kernel or kmod did.</summary>
public enum IngestOutcome
{
    /// <summary>It is new and was stored.</summary>
    Stored,

    /// <summary>The same content was already stored; nothing changed.</summary>
    AlreadyStored,

    /// <summary>The release was already stored with other content; both are kept and flagged.</summary>
    StoredConflicting,
}

/// <summary>What ingesting one item did, with a line for the user.</summary>
public sealed record IngestResult(IngestOutcome Outcome, string What, string Detail);

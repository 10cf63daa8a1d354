using Kabigate.Abi;
using Kabigate.App.Operations;

namespace Kabigate.App.Json;

/// <summary>A kernel release the package gates saw.</summary>
/// <param name="Release">The release.</param>
/// <param name="Package">Its newest package.</param>
/// <param name="Installed">Whether a package of it is installed.</param>
/// <param name="Exports">How many kABI symbols it provides.</param>
/// <param name="Origin">The repository (as given with --repo) offering it, or null when it is only installed.</param>
public sealed record JsonKernelCandidate(string Release, string Package, bool Installed, int Exports, string? Origin);

/// <summary>A kABI requirement a kernel does not meet.</summary>
/// <param name="Requirement">As rpm prints it.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Wanted">The CRC required.</param>
/// <param name="Available">The CRC the kernel provides, or null.</param>
public sealed record JsonUnmet(string Requirement, string? Symbol, string? Wanted, string? Available);

/// <summary>The kernel that came closest to carrying a masked kmod.</summary>
/// <param name="Release">Its release.</param>
/// <param name="Package">Its newest package.</param>
/// <param name="Unmet">What it lacks.</param>
public sealed record JsonClosest(string Release, string Package, IReadOnlyList<JsonUnmet> Unmet);

/// <summary>A kmod package under <c>mask</c>.</summary>
/// <param name="Package">The package.</param>
/// <param name="Verdict"><c>loads</c>, <c>masked</c> or <c>not-judged</c>.</param>
/// <param name="Reason">Why.</param>
/// <param name="Requirements">How many kABI requirements it declares.</param>
/// <param name="LoadsOn">The releases that meet them.</param>
/// <param name="Closest">The kernel that came closest, when masked.</param>
public sealed record JsonMaskedKmod(JsonPackage Package, string Verdict, string Reason, int Requirements, IReadOnlyList<string> LoadsOn, JsonClosest? Closest);

/// <summary>A package the dnf plugin excludes, with the reason it shows.</summary>
/// <param name="Package">The package.</param>
/// <param name="Reason">Why.</param>
public sealed record JsonExclude(JsonPackage Package, string Reason);

/// <summary><c>mask --format json</c> (what the dnf plugin reads).</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Command"><c>mask</c>.</param>
/// <param name="Database">The rpm database read, or null.</param>
/// <param name="Kernels">The kernels available or installed.</param>
/// <param name="Kmods">Every kmod package offered.</param>
/// <param name="Excludes">What to exclude.</param>
public sealed record MaskDocument(int Schema, string Command, string? Database, IReadOnlyList<JsonKernelCandidate> Kernels, IReadOnlyList<JsonMaskedKmod> Kmods, IReadOnlyList<JsonExclude> Excludes);

/// <summary>An installed kmod that declares no kABI requirements.</summary>
/// <param name="Package">Its NEVRA.</param>
/// <param name="Reason">Why it is not judged.</param>
public sealed record JsonNotJudged(string Package, string Reason);

/// <summary>An installed kmod a kernel would strand.</summary>
/// <param name="Package">Its NEVRA.</param>
/// <param name="Unmet">What the kernel lacks.</param>
public sealed record JsonBroken(string Package, IReadOnlyList<JsonUnmet> Unmet);

/// <summary>A kernel release under <c>hold</c>.</summary>
/// <param name="Release">The release.</param>
/// <param name="Package">Its newest package.</param>
/// <param name="Verdict"><c>allowed</c>, <c>held</c> or <c>not-judged</c>.</param>
/// <param name="Reason">Why.</param>
/// <param name="Packages">Its packages offered.</param>
/// <param name="Broken">The installed kmods it would strand.</param>
/// <param name="Origin">The repository (as given with --repo) offering these packages.</param>
public sealed record JsonHeldKernel(string Release, string Package, string Verdict, string Reason, IReadOnlyList<string> Packages, IReadOnlyList<JsonBroken> Broken, string? Origin);

/// <summary>The newest kernel on which every installed kmod loads.</summary>
/// <param name="Release">Its release.</param>
/// <param name="Package">Its newest package.</param>
public sealed record JsonNewest(string Release, string Package);

/// <summary><c>hold --format json</c> (what the dnf plugin reads).</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Command"><c>hold</c>.</param>
/// <param name="Database">The rpm database read.</param>
/// <param name="Judged">The installed kmods judged.</param>
/// <param name="NotJudged">The installed kmods that declare no kABI requirements.</param>
/// <param name="Kernels">Every kernel release offered.</param>
/// <param name="Newest">The newest release on which every installed kmod loads, or null.</param>
/// <param name="Excludes">What to exclude.</param>
public sealed record HoldDocument(int Schema, string Command, string? Database, IReadOnlyList<string> Judged, IReadOnlyList<JsonNotJudged> NotJudged, IReadOnlyList<JsonHeldKernel> Kernels, JsonNewest? Newest, IReadOnlyList<JsonExclude> Excludes);

/// <summary><c>mask-and-hold --format json</c> (what the dnf plugin reads in mode <c>both</c>): the two reports of one read.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Command"><c>mask-and-hold</c>.</param>
/// <param name="Mask">What <c>mask --format json</c> prints.</param>
/// <param name="Hold">What <c>hold --format json</c> prints.</param>
public sealed record MaskAndHoldDocument(int Schema, string Command, MaskDocument Mask, HoldDocument Hold);

/// <summary>Maps the package gates' results to their documents.</summary>
public static class PackageDocuments
{
    /// <summary><c>mask</c>.</summary>
    public static MaskDocument Mask(MaskResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var report = result.Report;
        var kmods = report.Kmods.Select(e => new JsonMaskedKmod(JsonShapes.Package(e.Kmod),
            e.Verdict switch { MaskVerdict.Masked => "masked", MaskVerdict.NotJudged => "not-judged", _ => "loads" },
            e.Reason, e.Kmod.SymbolRequirements.Count, [.. e.LoadsOn.Select(k => k.Release)],
            e.Closest is { } c ? new JsonClosest(c.Kernel.Release, c.Kernel.Newest.Nevra, Unmet(c.Unmet)) : null)).ToList();
        return new MaskDocument(JsonShapes.Schema, "mask", result.Database,
            [.. report.Kernels.Select(k => new JsonKernelCandidate(k.Release, k.Newest.Nevra, k.IsInstalled, k.ExportCount, k.Origin))], kmods,
            Excludes(report.Kmods.Where(e => e.Verdict == MaskVerdict.Masked).Select(e => (e.Kmod, e.Reason))));
    }

    /// <summary><c>hold</c>.</summary>
    public static HoldDocument Hold(HoldResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var report = result.Report;
        var kernels = report.Kernels.Select(e => new JsonHeldKernel(e.Kernel.Release, e.Kernel.Newest.Nevra,
            e.Verdict switch { HoldVerdict.Held => "held", HoldVerdict.NotJudged => "not-judged", _ => "allowed" }, e.Reason,
            [.. e.Kernel.Available.Select(p => p.Nevra)], [.. e.Broken.Select(b => new JsonBroken(b.Kmod.Nevra, Unmet(b.Unmet)))], e.Kernel.Origin)).ToList();
        return new HoldDocument(JsonShapes.Schema, "hold", result.Database, [.. report.Judged.Select(k => k.Nevra)],
            [.. report.NotJudged.Select(k => new JsonNotJudged(k.Nevra, KabiGate.NoRequirements))], kernels,
            report.NewestLoadable is { } newest ? new JsonNewest(newest.Release, newest.Newest.Nevra) : null,
            Excludes(report.Excluded.Select(e => (e.Package, $"kernel {e.Entry.Kernel.Release} held back: {e.Entry.Reason}"))));
    }

    /// <summary><c>mask-and-hold</c>.</summary>
    public static MaskAndHoldDocument MaskAndHold(MaskAndHoldResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new MaskAndHoldDocument(JsonShapes.Schema, "mask-and-hold", Mask(result.Mask), Hold(result.Hold));
    }

    private static List<JsonUnmet> Unmet(IEnumerable<UnmetRequirement> unmet) =>
        [.. unmet.Select(u => new JsonUnmet(u.Requirement.ToString(), u.Requirement.Symbol, JsonShapes.Crc(u.Requirement.Crc), JsonShapes.Crc(u.Available)))];

    private static List<JsonExclude> Excludes(IEnumerable<(KabiPackage Package, string Reason)> excludes) =>
        [.. excludes.DistinctBy(e => (e.Package.Nevra, e.Package.Origin)).OrderBy(e => e.Package.Nevra, StringComparer.Ordinal).ThenBy(e => e.Package.Origin, StringComparer.Ordinal)
            .Select(e => new JsonExclude(JsonShapes.Package(e.Package), e.Reason))];
}

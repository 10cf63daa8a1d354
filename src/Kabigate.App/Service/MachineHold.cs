using System.Collections;
using System.Text.RegularExpressions;
using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.App.Json;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>
/// The service's <c>hold</c> for fleets (<c>POST /api/v1/hold</c>): a machine reports its installed packages, as its rpm
/// database lists them, and names the kernels it may move to (stored releases, or kernel packages with their
/// provides); the answer is <c>hold</c>'s, judged by the same rules under the service's policy.
/// </summary>
public static partial class MachineHoldOperation
{
    /// <summary>The most packages a machine may report.</summary>
    public const int MaxPackages = 20_000;

    /// <summary>The most relations (provides, requires, files) one package may carry.</summary>
    public const int MaxRelations = 200_000;

    /// <summary>The most stored kernels one question may name.</summary>
    public const int MaxKernels = 256;

    /// <summary>The longest string the document may hold (a relation, a file name).</summary>
    public const int MaxString = 4096;

    /// <summary>The origin of a stored kernel standing as a candidate.</summary>
    public const string StoredOrigin = "store";

    /// <summary>
    /// Judges the machine's kmods on the candidates: the stored kernels it names (every line's newest when it names
    /// neither kernels nor candidates) and the kernel packages it gives.
    /// </summary>
    /// <exception cref="OperationException">The document is malformed or too large (one line saying where).</exception>
    /// <exception cref="StoreException">A named kernel is not stored.</exception>
    public static HoldResult Run(AbiStore store, GateSettings settings, HoldQueryDocument query, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(log);
        var installed = Packages("installed", query.Installed, installed: true);
        var offered = Packages("candidates", query.Candidates ?? [], installed: false);
        if (offered.FirstOrDefault(p => p.Role is not (KabiPackageRole.Kernel or KabiPackageRole.KernelMeta)) is { } notKernel)
            throw new OperationException($"candidates: {notKernel.Nevra} is not a kernel package (a kernel's name and a kernel(sym), ksym(…) or kernel-uname-r provide)");
        var loaded = query.Loaded is { } names ? Strings("loaded", names).Select(n => n.Replace('-', '_')).ToHashSet(StringComparer.Ordinal) : null;

        var stored = StoredCandidates(store, query, log);
        var abis = store.LoadKernels([.. stored.Select(k => k.Kernel)]);
        var candidates = stored.Select((k, i) => StoredKernelPackage(k.Kernel, abis[i])).Concat(offered).ToList();
        if (candidates.Count == 0)
            throw new OperationException("no candidate kernel: name stored kernels in 'kernels' or give kernel packages in 'candidates'");
        return PackageGates.Hold(new MachineHoldRequest(installed, candidates, loaded, settings.PolicyFile is null ? null : settings.Policy), log);
    }

    /// <summary>
    /// A stored kernel as the package its uname-r names (RHEL's <c>5.14.0-427.el9.x86_64</c> is kernel
    /// 5.14.0-427.el9.x86_64; Debian's <c>6.1.0-47-amd64</c> reads as kernel 6.1.0-47.amd64), providing
    /// <c>kernel(sym) = CRC</c> for every export, as a release's kernel packages do together, and SUSE's
    /// <c>ksym(flavor:sym) = crc</c> when the release names its flavour.
    /// </summary>
    public static KabiPackage StoredKernelPackage(StoredKernel kernel, KernelAbi abi)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(abi);
        var (version, release, arch) = Evr(kernel.Release);
        return new KabiPackage("kernel", null, version, release, arch, StoredOrigin, Installed: false,
            new ExportProvides(kernel.Release, abi), [], []);
    }

    private static List<(StoredKernel Kernel, string Reference)> StoredCandidates(AbiStore store, HoldQueryDocument query, IOperationLog log)
    {
        if (query.Kernels is { } references)
        {
            var named = Strings("kernels", references);
            if (named.Count > MaxKernels)
                throw new OperationException($"kernels: {named.Count} named; at most {MaxKernels} in one question");
            return [.. named.Distinct(StringComparer.Ordinal).Select(r => (StoreAccess.ResolveKernel(store, r, log), r)).DistinctBy(k => k.Item1.Id)];
        }
        if (query.Candidates is not null)
            return [];
        return [.. store.Kernels().GroupBy(k => k.Line, StringComparer.Ordinal)
            .Select(line => line.MaxBy(k => k.Release, KernelReleases.Comparer)!).Take(MaxKernels).Select(k => (k, k.Release))];
    }

    private static List<KabiPackage> Packages(string field, IReadOnlyList<JsonMachinePackage> packages, bool installed)
    {
        if (packages.Count > MaxPackages)
            throw new OperationException($"{field}: {packages.Count} packages; at most {MaxPackages}");
        var result = new List<KabiPackage>(packages.Count);
        for (int i = 0; i < packages.Count; i++)
        {
            var p = packages[i] ?? throw new OperationException($"{field}[{i}]: null is not a package");
            var where = $"{field}[{i}]";
            if (p.Epoch is < 0)
                throw new OperationException($"{where}.epoch: {p.Epoch} is negative");
            var relations = (p.Provides?.Count ?? 0) + (p.Requires?.Count ?? 0) + (p.Files?.Count ?? 0);
            if (relations > MaxRelations)
                throw new OperationException($"{where}: {relations} provides, requires and files; at most {MaxRelations}");
            result.Add(new KabiPackage(Word($"{where}.name", p.Name), p.Epoch, Word($"{where}.version", p.Version), Word($"{where}.release", p.Release),
                Word($"{where}.arch", p.Arch), installed ? "installed" : field, installed,
                Relations($"{where}.provides", p.Provides), Relations($"{where}.requires", p.Requires), Strings($"{where}.files", p.Files ?? [])));
        }
        return result;
    }

    /// <summary>Relations as rpm prints them: <c>NAME</c>, or <c>NAME OP VERSION</c> (a rich dependency is one name).</summary>
    private static List<PackageRelation> Relations(string field, IReadOnlyList<string>? relations)
    {
        var result = new List<PackageRelation>(relations?.Count ?? 0);
        foreach (var text in Strings(field, relations ?? []))
        {
            var match = Relation().Match(text);
            result.Add(match.Success
                ? new PackageRelation(match.Groups["name"].Value, match.Groups["op"].Value, match.Groups["version"].Value)
                : new PackageRelation(text.Trim(), "", null));
        }
        return result;
    }

    private static List<string> Strings(string field, IReadOnlyList<string> values)
    {
        var result = new List<string>(values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (string.IsNullOrWhiteSpace(value))
                throw new OperationException($"{field}[{i}]: empty");
            if (value.Length > MaxString)
                throw new OperationException($"{field}[{i}]: {value.Length} characters; at most {MaxString}");
            if (value.Any(char.IsControl))
                throw new OperationException($"{field}[{i}]: holds a control character");
            result.Add(value);
        }
        return result;
    }

    private static string Word(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new OperationException($"{field}: missing or empty");
        if (value.Length > MaxString || value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            throw new OperationException($"{field}: '{(value.Length > 64 ? value[..64] + "…" : value)}' is not a package field (no spaces or control characters, at most {MaxString})");
        return value;
    }

    private static (string Version, string Release, string Arch) Evr(string unameR)
    {
        var match = UnameR().Match(unameR);
        if (!match.Success)
            return (unameR, "0", "");
        var release = match.Groups["release"].Value;
        var arch = match.Groups["arch"].Value;
        if (arch.Length == 0 && release.LastIndexOf('-') is int dash and > 0)
            (release, arch) = (release[..dash], release[(dash + 1)..]);
        return (match.Groups["version"].Value, release.Replace('-', '.'), arch);
    }

    [GeneratedRegex(@"^(?<name>\S.*?)\s+(?<op>=|==|<|>|<=|>=)\s+(?<version>\S+)$")]
    private static partial Regex Relation();

    [GeneratedRegex(@"^(?<version>[^-]+)-(?<release>.+?)(\.(?<arch>x86_64|aarch64|ppc64le|s390x|i686|noarch))?$")]
    private static partial Regex UnameR();

    /// <summary>
    /// A stored kernel's provides, made as they are read: kernel-uname-r first, then one <c>kernel(sym)</c> (and
    /// <c>ksym(flavor:sym)</c>) per export. A kernel has some thirty thousand; the gate keeps the few its kmods need,
    /// so they are never all held at once.
    /// </summary>
    private sealed class ExportProvides(string release, KernelAbi abi) : IReadOnlyList<PackageRelation>
    {
        private readonly KernelExport[] _exports = [.. abi.Exports.Values.Where(e => e.Crc is not null).OrderBy(e => e.Symbol, StringComparer.Ordinal)];
        private readonly string? _flavour = abi.Flavour;

        private int PerExport => _flavour is null ? 1 : 2;

        public int Count => 1 + _exports.Length * PerExport;

        public PackageRelation this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
                if (index == 0)
                    return new PackageRelation("kernel-uname-r", "=", release);
                var export = _exports[(index - 1) / PerExport];
                var crc = export.Crc!.Value;
                return (index - 1) % PerExport == 0
                    ? new PackageRelation($"kernel({export.Symbol})", "=", $"0x{crc:x8}")
                    : new PackageRelation($"ksym({_flavour}:{export.Symbol})", "=", $"{crc:x}");
            }
        }

        public IEnumerator<PackageRelation> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
                yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

namespace Kabigate.Abi;

/// <summary>How one exported symbol changed between two kernels. The JSON names are a public contract.</summary>
public enum AbiChangeKind : byte
{
    /// <summary>Exported by the new kernel only.</summary>
    Added,

    /// <summary>Exported by the old kernel only: modules importing it get "Unknown symbol".</summary>
    Removed,

    /// <summary>The modversions CRC changed: modules built against the old one "disagree about version of symbol".</summary>
    CrcChanged,

    /// <summary>Became GPL-only: modules without a GPL-compatible license can no longer use it.</summary>
    ExportRestricted,

    /// <summary>The export kind changed without becoming GPL-only (for example GPL-only to plain).</summary>
    ExportRelaxed,

    /// <summary>Moved into, out of or between namespaces: importers must say <c>import_ns</c> for the new one.</summary>
    NamespaceChanged,

    /// <summary>Now exported by another module (or moved between vmlinux and a module): importers depend on another module.</summary>
    Moved,
}

/// <summary>Helpers for <see cref="AbiChangeKind"/>.</summary>
public static class AbiChangeKinds
{
    /// <summary>Whether a module built against the old kernel may fail on the new one because of this change.</summary>
    public static bool Breaks(this AbiChangeKind kind) =>
        kind is AbiChangeKind.Removed or AbiChangeKind.CrcChanged or AbiChangeKind.ExportRestricted or AbiChangeKind.NamespaceChanged;

    /// <summary>The JSON and text name, e.g. <c>crc-changed</c>.</summary>
    public static string ToJsonName(this AbiChangeKind kind) => kind switch
    {
        AbiChangeKind.Added => "added",
        AbiChangeKind.Removed => "removed",
        AbiChangeKind.CrcChanged => "crc-changed",
        AbiChangeKind.ExportRestricted => "export-restricted",
        AbiChangeKind.ExportRelaxed => "export-relaxed",
        AbiChangeKind.NamespaceChanged => "namespace-changed",
        _ => "moved",
    };
}

/// <summary>One change of one symbol between two kernels, and the kmods it breaks.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Old">The old export, or null when added.</param>
/// <param name="New">The new export, or null when removed.</param>
/// <param name="Stablelisted">Whether the symbol is on the stablelist in force.</param>
/// <param name="Breaks">The kmods that load on the old kernel, or fail there for other reasons, and fail on the new one because of this change.</param>
public sealed record AbiChange(AbiChangeKind Kind, string Symbol, KernelExport? Old, KernelExport? New, bool Stablelisted, IReadOnlyList<string> Breaks);

/// <summary>The differences between two kernel ABIs.</summary>
public sealed class AbiDiff
{
    private AbiDiff(KernelAbi oldKernel, KernelAbi newKernel, IReadOnlyList<AbiChange> changes, CheckReport? kmods)
    {
        Old = oldKernel;
        New = newKernel;
        Changes = changes;
        Kmods = kmods;
    }

    /// <summary>The old kernel.</summary>
    public KernelAbi Old { get; }

    /// <summary>The new kernel.</summary>
    public KernelAbi New { get; }

    /// <summary>Every change, ordered by kind, then symbol.</summary>
    public IReadOnlyList<AbiChange> Changes { get; }

    /// <summary>The verdicts of the kmods on both kernels (old is kernel 0), when kmods were given.</summary>
    public CheckReport? Kmods { get; }

    /// <summary>How many changes are of <paramref name="kind"/>.</summary>
    public int Count(AbiChangeKind kind) => Changes.Count(c => c.Kind == kind);

    /// <summary>Compares two ABIs and, when <paramref name="kmods"/> are given, finds which changes break which of them.</summary>
    /// <param name="oldKernel">The old kernel.</param>
    /// <param name="newKernel">The new kernel.</param>
    /// <param name="stablelist">Marks stablelisted symbols, or null.</param>
    /// <param name="kmods">Kmods to judge on both kernels, or empty.</param>
    public static AbiDiff Compare(KernelAbi oldKernel, KernelAbi newKernel, Stablelist? stablelist = null, IReadOnlyList<ModuleImage>? kmods = null)
    {
        ArgumentNullException.ThrowIfNull(oldKernel);
        ArgumentNullException.ThrowIfNull(newKernel);
        CheckReport? report = null;
        Dictionary<string, List<string>>? broken = null;
        if (kmods is { Count: > 0 })
        {
            report = CompatibilityEngine.Check([oldKernel, newKernel], kmods, new CheckOptions(stablelist));
            broken = BrokenBySymbol(report);
        }
        var changes = new List<AbiChange>();
        bool listed(string symbol) => stablelist?.Contains(symbol) == true;
        IReadOnlyList<string> breaks(string symbol) => broken is not null && broken.TryGetValue(symbol, out var names) ? names : [];
        foreach (var (symbol, old) in oldKernel.Exports)
        {
            if (!newKernel.TryGetExport(symbol, out var current))
            {
                changes.Add(new AbiChange(AbiChangeKind.Removed, symbol, old, null, listed(symbol), breaks(symbol)));
                continue;
            }
            if (old.Crc != current.Crc)
                changes.Add(new AbiChange(AbiChangeKind.CrcChanged, symbol, old, current, listed(symbol), breaks(symbol)));
            if (old.Kind != current.Kind)
            {
                var kind = !old.Kind.IsGplOnly() && current.Kind.IsGplOnly() ? AbiChangeKind.ExportRestricted : AbiChangeKind.ExportRelaxed;
                changes.Add(new AbiChange(kind, symbol, old, current, listed(symbol), kind.Breaks() ? breaks(symbol) : []));
            }
            if (old.Namespace != current.Namespace)
                changes.Add(new AbiChange(AbiChangeKind.NamespaceChanged, symbol, old, current, listed(symbol), breaks(symbol)));
            if (old.Module != current.Module)
                changes.Add(new AbiChange(AbiChangeKind.Moved, symbol, old, current, listed(symbol), []));
        }
        foreach (var (symbol, added) in newKernel.Exports)
        {
            if (!oldKernel.Exports.ContainsKey(symbol))
                changes.Add(new AbiChange(AbiChangeKind.Added, symbol, null, added, listed(symbol), []));
        }
        changes.Sort((a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Symbol, b.Symbol));
        return new AbiDiff(oldKernel, newKernel, changes, report);
    }

    /// <summary>For each symbol, the kmods whose new-kernel problems with it they did not have on the old kernel.</summary>
    private static Dictionary<string, List<string>> BrokenBySymbol(CheckReport report)
    {
        var bySymbol = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (int m = 0; m < report.Modules.Count; m++)
        {
            var before = report[m, 0].Problems.Select(p => (p.Kind, p.Symbol)).ToHashSet();
            foreach (var problem in report[m, 1].Problems)
            {
                if (problem.Symbol is null || before.Contains((problem.Kind, problem.Symbol)))
                    continue;
                if (!bySymbol.TryGetValue(problem.Symbol, out var names))
                    bySymbol[problem.Symbol] = names = [];
                if (!names.Contains(report.Modules[m].Name))
                    names.Add(report.Modules[m].Name);
            }
        }
        return bySymbol;
    }
}

namespace Kabigate.Abi;

/// <summary>One symbol kmods use that the stablelist does not promise to keep, with the evidence that it matters.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Kmods">The names of the kmods that import it.</param>
/// <param name="CrcChanges">How often its CRC changed between consecutive releases of a line.</param>
/// <param name="Removals">How often it vanished between consecutive releases of a line.</param>
/// <param name="Releases">How many of the releases export it.</param>
/// <param name="Exporter">The module that exports it in the newest release that does, or null.</param>
public sealed record GreylistEntry(string Symbol, IReadOnlyList<string> Kmods, int CrcChanges, int Removals, int Releases, string? Exporter);

/// <summary>
/// The greylist: the symbols kmods import that are not on the stablelist, ranked by how many kmods use them and how
/// often they changed, which is the evidence a packager needs to ask for a symbol to be stablelisted.
/// </summary>
public static class Greylist
{
    /// <summary>Computes the greylist.</summary>
    /// <param name="kmods">The kmods.</param>
    /// <param name="kernels">The kernel releases; lines are compared release by release in version order.</param>
    /// <param name="stablelist">The stablelist, or null to list every imported symbol.</param>
    public static IReadOnlyList<GreylistEntry> Compute(IReadOnlyList<ModuleImage> kmods, IReadOnlyList<KernelAbi> kernels, Stablelist? stablelist)
    {
        ArgumentNullException.ThrowIfNull(kmods);
        ArgumentNullException.ThrowIfNull(kernels);
        var users = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var ownExports = kmods.SelectMany(k => k.Exports).Select(e => e.Symbol).ToHashSet(StringComparer.Ordinal);
        foreach (var kmod in kmods)
        {
            foreach (var import in kmod.Imports)
            {
                if (stablelist?.Contains(import.Symbol) == true || ownExports.Contains(import.Symbol))
                    continue;
                if (!users.TryGetValue(import.Symbol, out var names))
                    users[import.Symbol] = names = new SortedSet<string>(StringComparer.Ordinal);
                names.Add(kmod.Name);
            }
        }
        var lines = kernels.GroupBy(k => KernelReleases.Line(k.Release))
            .Select(g => g.OrderBy(k => k.Release, KernelReleases.Comparer).ToList()).ToList();
        var entries = new List<GreylistEntry>(users.Count);
        foreach (var (symbol, names) in users)
        {
            int changes = 0, removals = 0, releases = 0;
            string? exporter = null;
            string? newest = null;
            foreach (var line in lines)
            {
                KernelExport? previous = null;
                bool seen = false;
                foreach (var kernel in line)
                {
                    var present = kernel.TryGetExport(symbol, out var export);
                    if (present)
                    {
                        releases++;
                        if (newest is null || KernelReleases.Compare(kernel.Release, newest) > 0)
                        {
                            newest = kernel.Release;
                            exporter = export.Module;
                        }
                        if (previous is not null && previous.Crc != export.Crc)
                            changes++;
                        previous = export;
                        seen = true;
                    }
                    else
                    {
                        if (seen && previous is not null)
                            removals++;
                        previous = null;
                    }
                }
            }
            entries.Add(new GreylistEntry(symbol, names.ToList(), changes, removals, releases, exporter));
        }
        entries.Sort((a, b) =>
            a.Kmods.Count != b.Kmods.Count ? b.Kmods.Count.CompareTo(a.Kmods.Count)
            : a.CrcChanges != b.CrcChanges ? b.CrcChanges.CompareTo(a.CrcChanges)
            : string.CompareOrdinal(a.Symbol, b.Symbol));
        return entries;
    }
}

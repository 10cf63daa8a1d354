namespace Kabigate.Abi;

/// <summary>A kABI requirement a kernel does not meet.</summary>
/// <param name="Requirement">The kmod's requirement, e.g. <c>kernel(misc_register) = 0x844c8938</c>.</param>
/// <param name="Available">The CRC the kernel provides for the symbol, or null when it provides none.</param>
public sealed record UnmetRequirement(KabiDependency Requirement, uint? Available)
{
    /// <summary>
    /// <c>kernel(sym) = 0xWANTED (kernel has 0xHAVE)</c>, or <c>… (not provided)</c>: RPM's spelling of what is wanted,
    /// then the CRC on offer.
    /// </summary>
    public override string ToString() =>
        Available is uint crc ? $"{Requirement} (kernel has 0x{crc:x8})" : $"{Requirement} (not provided)";
}

/// <summary>Whether one kmod package's kABI requirements are met on one kernel release.</summary>
/// <param name="Kmod">The kmod package.</param>
/// <param name="Kernel">The kernel release.</param>
/// <param name="Unmet">Its requirements the kernel (and the kmods that load on it) do not provide, in package order.</param>
public sealed record KmodOnKernel(KabiPackage Kmod, KernelCandidate Kernel, IReadOnlyList<UnmetRequirement> Unmet)
{
    /// <summary>True when every requirement is met.</summary>
    public bool Loads => Unmet.Count == 0;

    /// <summary>
    /// <c>N of M kABI requirements unmet: REQ (kernel has 0x…), …</c>, the first <see cref="KabiGate.ReasonSymbols"/>
    /// of them.
    /// </summary>
    public string Describe()
    {
        var first = string.Join(", ", Unmet.Take(KabiGate.ReasonSymbols));
        var more = Unmet.Count > KabiGate.ReasonSymbols ? ", …" : "";
        return $"{Unmet.Count} of {Kmod.SymbolRequirements.Count} kABI requirements unmet: {first}{more}";
    }
}

/// <summary>What <see cref="KabiGate.Mask"/> decided about a kmod package.</summary>
public enum MaskVerdict : byte
{
    /// <summary>Some available or installed kernel meets its requirements.</summary>
    Loads,

    /// <summary>No available or installed kernel meets its requirements: exclude it.</summary>
    Masked,

    /// <summary>It declares no kABI requirements, so nothing can be decided from its metadata.</summary>
    NotJudged,
}

/// <summary>One kmod package's mask verdict.</summary>
/// <param name="Kmod">The package.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="LoadsOn">The kernels that meet its requirements, newest first.</param>
/// <param name="Closest">For a masked package, the kernel that came closest (fewest unmet requirements, then newest); else null.</param>
/// <param name="Reason">One line saying why.</param>
public sealed record MaskEntry(KabiPackage Kmod, MaskVerdict Verdict, IReadOnlyList<KernelCandidate> LoadsOn, KmodOnKernel? Closest, string Reason);

/// <summary>The result of <see cref="KabiGate.Mask"/>.</summary>
/// <param name="Kernels">Every kernel release found, installed or available, newest first.</param>
/// <param name="Kmods">Every available kmod package, by NEVRA.</param>
public sealed record MaskReport(IReadOnlyList<KernelCandidate> Kernels, IReadOnlyList<MaskEntry> Kmods)
{
    /// <summary>The packages to exclude.</summary>
    public IEnumerable<KabiPackage> Excluded => Kmods.Where(k => k.Verdict == MaskVerdict.Masked).Select(k => k.Kmod);
}

/// <summary>What <see cref="KabiGate.Hold"/> decided about an available kernel release.</summary>
public enum HoldVerdict : byte
{
    /// <summary>Every judged installed kmod would load on it.</summary>
    Allowed,

    /// <summary>Some installed kmod would not load on it: exclude its packages.</summary>
    Held,

    /// <summary>Its packages provide no kABI symbols, so nothing can be decided from their metadata.</summary>
    NotJudged,
}

/// <summary>One available kernel release's hold verdict.</summary>
/// <param name="Kernel">The release.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Broken">The installed kmods that would not load on it.</param>
/// <param name="Reason">One line saying why.</param>
public sealed record HoldEntry(KernelCandidate Kernel, HoldVerdict Verdict, IReadOnlyList<KmodOnKernel> Broken, string Reason);

/// <summary>The result of <see cref="KabiGate.Hold"/>.</summary>
/// <param name="Kernels">Every kernel release repositories offer that is not installed, newest first.</param>
/// <param name="Judged">The installed kmod packages judged.</param>
/// <param name="NotJudged">The installed kmod packages that declare no kABI requirements.</param>
/// <param name="NewestLoadable">The newest available release on which every judged kmod loads, or null.</param>
public sealed record HoldReport(IReadOnlyList<HoldEntry> Kernels, IReadOnlyList<KabiPackage> Judged, IReadOnlyList<KabiPackage> NotJudged, KernelCandidate? NewestLoadable)
{
    /// <summary>The packages to exclude.</summary>
    public IEnumerable<(KabiPackage Package, HoldEntry Entry)> Excluded =>
        Kernels.Where(k => k.Verdict == HoldVerdict.Held).SelectMany(k => k.Kernel.Available.Select(p => (p, k)));
}

/// <summary>
/// The package-level gates: which kmod packages no kernel can carry (<see cref="Mask"/>, ELRepo's yum plugin done
/// by CRC), and which kernel releases would strand an installed kmod (<see cref="Hold"/>). Judged as rpm would,
/// from the packages' <c>kernel(sym) = CRC</c>, <c>ksym(sym) = CRC</c> and <c>ksym(flavor:sym) = crc</c>
/// relations, with CRCs compared as numbers; a requirement may also be met by a kmod package that itself loads on
/// the kernel (a least fixed point, as a module set resolves its own imports).
/// </summary>
public static class KabiGate
{
    /// <summary>How many unmet requirements a reason names.</summary>
    public const int ReasonSymbols = 3;

    /// <summary>The reason given for a kmod package without kABI requirements.</summary>
    public const string NoRequirements = "declares no kABI requirements; not judged";

    /// <summary>
    /// Groups the kernel packages among <paramref name="packages"/> by release and by the repository offering them,
    /// newest first: a release two repositories offer is two candidates, each judged on its own packages (with the
    /// release's installed packages), so one repository's copy of a NEVRA never decides for another's.
    /// </summary>
    /// <param name="packages">Packages of any kind.</param>
    /// <param name="wanted">Keep only the kernels' provides of these symbol keys (<c>sym</c>, <c>flavor:sym</c>); null for all.</param>
    public static IReadOnlyList<KernelCandidate> Kernels(IEnumerable<KabiPackage> packages, HashSet<string>? wanted = null)
    {
        ArgumentNullException.ThrowIfNull(packages);
        var all = packages.ToList();
        var installed = all.Where(p => p.Installed).Select(p => p.Nevra).ToHashSet(StringComparer.Ordinal);
        var kernelPackages = all.Where(p => p.Role is KabiPackageRole.Kernel or KabiPackageRole.KernelMeta)
            .Where(p => p.Installed || !installed.Contains(p.Nevra));
        var candidates = new List<KernelCandidate>();
        foreach (var release in kernelPackages.GroupBy(p => p.KernelRelease, StringComparer.Ordinal))
        {
            var present = release.Where(p => p.Installed).DistinctBy(p => p.Nevra, StringComparer.Ordinal).ToList();
            var offered = release.Where(p => !p.Installed).GroupBy(p => p.Origin, StringComparer.Ordinal).ToList();
            if (offered.Count == 0)
                candidates.Add(new KernelCandidate(release.Key, present, installed, wanted));
            foreach (var repository in offered)
                candidates.Add(new KernelCandidate(release.Key, [.. present, .. repository.DistinctBy(p => p.Nevra, StringComparer.Ordinal)], installed, wanted));
        }
        return [.. candidates.OrderByDescending(k => k.Newest, KernelCandidate.EvrComparer.Instance).ThenBy(k => k.Release, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Judges every kmod package the repositories offer (not installed already) against every kernel release,
    /// installed or available: masked when none meets its kABI requirements.
    /// </summary>
    /// <param name="installed">The installed packages.</param>
    /// <param name="available">The packages the repositories offer.</param>
    public static MaskReport Mask(IReadOnlyList<KabiPackage> installed, IReadOnlyList<KabiPackage> available)
    {
        ArgumentNullException.ThrowIfNull(installed);
        ArgumentNullException.ThrowIfNull(available);
        var installedNevras = installed.Select(p => p.Nevra).ToHashSet(StringComparer.Ordinal);
        var kmods = available.Where(p => p.Role == KabiPackageRole.Kmod && !installedNevras.Contains(p.Nevra))
            .DistinctBy(p => (p.Nevra, p.Origin)).OrderBy(p => p.Nevra, StringComparer.Ordinal).ToList();
        var providers = installed.Where(p => p.Role == KabiPackageRole.Kmod).Concat(kmods).ToList();
        var kernels = Kernels(installed.Concat(available), Wanted(providers));
        var judgedKernels = kernels.Where(k => k.ExportCount > 0).ToList();
        var results = judgedKernels.Select(k => Evaluate(k, providers)).ToList();

        var entries = new List<MaskEntry>();
        foreach (var kmod in kmods)
        {
            if (kmod.SymbolRequirements.Count == 0)
            {
                entries.Add(new MaskEntry(kmod, MaskVerdict.NotJudged, [], null, NoRequirements));
                continue;
            }

            var verdicts = results.Select(r => r[kmod]).ToList();
            var loadsOn = verdicts.Where(v => v.Loads).Select(v => v.Kernel).ToList();
            if (loadsOn.Count > 0)
            {
                entries.Add(new MaskEntry(kmod, MaskVerdict.Loads, loadsOn, null,
                    $"loads on {loadsOn.Count} of {judgedKernels.Count} kernels (newest: {loadsOn[0].Release})"));
                continue;
            }

            var closest = verdicts.OrderBy(v => v.Unmet.Count).FirstOrDefault(); // kernels are newest first
            var reason = closest is null
                ? "no available or installed kernel provides kABI symbols (kernel(sym) or ksym(flavor:sym))"
                : $"no available or installed kernel meets its kABI requirements; closest {closest.Kernel.Release} ({closest.Kernel.Newest.Nevra}): {closest.Describe()}";
            entries.Add(new MaskEntry(kmod, MaskVerdict.Masked, [], closest, reason));
        }

        return new MaskReport(kernels, entries);
    }

    /// <summary>
    /// Judges every kernel release the repositories offer and that is not installed against the installed kmod
    /// packages: held when one of them would not load on it.
    /// </summary>
    /// <param name="installed">The installed packages.</param>
    /// <param name="available">The packages the repositories offer.</param>
    /// <param name="judge">Which installed kmod packages to judge (e.g. only those in use); null for all.</param>
    /// <param name="tolerated">Whether a policy tolerates or waives every unmet requirement of a kmod on a kernel (then it
    /// does not hold the kernel back); null when no policy applies.</param>
    public static HoldReport Hold(IReadOnlyList<KabiPackage> installed, IReadOnlyList<KabiPackage> available, Func<KabiPackage, bool>? judge = null, Func<KmodOnKernel, bool>? tolerated = null)
    {
        ArgumentNullException.ThrowIfNull(installed);
        ArgumentNullException.ThrowIfNull(available);
        var installedKmods = installed.Where(p => p.Role == KabiPackageRole.Kmod).OrderBy(p => p.Nevra, StringComparer.Ordinal).ToList();
        var chosen = installedKmods.Where(p => judge?.Invoke(p) ?? true).ToList();
        var judged = chosen.Where(p => p.SymbolRequirements.Count > 0).ToList();
        var notJudged = chosen.Where(p => p.SymbolRequirements.Count == 0).ToList();

        var entries = new List<HoldEntry>();
        foreach (var kernel in Kernels(installed.Concat(available), Wanted(installedKmods)).Where(k => k.Available.Count > 0))
        {
            if (kernel.ExportCount == 0)
            {
                entries.Add(new HoldEntry(kernel, HoldVerdict.NotJudged, [], "its packages provide no kABI symbols (kernel(sym) or ksym(flavor:sym)); not judged"));
                continue;
            }

            var results = Evaluate(kernel, installedKmods);
            var broken = judged.Select(k => results[k]).Where(r => !r.Loads && !(tolerated?.Invoke(r) ?? false)).ToList();
            entries.Add(broken.Count == 0
                ? new HoldEntry(kernel, HoldVerdict.Allowed, [], judged.Count == 0 ? "no installed kmod declares kABI requirements" : $"all {judged.Count} installed kmods load")
                : new HoldEntry(kernel, HoldVerdict.Held, broken, string.Join("; ", broken.Select(b => $"{b.Kmod.Nevra} would not load: {b.Describe()}"))));
        }

        var newest = entries.FirstOrDefault(e => e.Verdict == HoldVerdict.Allowed)?.Kernel;
        return new HoldReport(entries, judged, notJudged, newest);
    }

    /// <summary>The symbol keys the kmods require.</summary>
    private static HashSet<string> Wanted(IEnumerable<KabiPackage> kmods) =>
        kmods.SelectMany(k => k.SymbolRequirements).Select(Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>The key a symbol is provided under: <c>sym</c>, or <c>flavor:sym</c> for SUSE's form.</summary>
    internal static string Key(KabiDependency dependency) =>
        dependency.Kind == KabiDependencyKind.FlavorSymbol ? $"{dependency.Flavor}:{dependency.Symbol}" : dependency.Symbol!;

    /// <summary>
    /// Which of <paramref name="kmods"/> load on <paramref name="kernel"/>: the least fixed point where a kmod loads
    /// when each requirement is provided by the kernel, by itself, or by a kmod that loads.
    /// </summary>
    private static Dictionary<KabiPackage, KmodOnKernel> Evaluate(KernelCandidate kernel, IReadOnlyList<KabiPackage> kmods)
    {
        var fromKmods = new HashSet<(string, uint)>();
        var loaded = new HashSet<KabiPackage>();
        bool Met(KabiPackage kmod, KabiDependency requirement) =>
            kernel.Provides(requirement) || fromKmods.Contains((Key(requirement), requirement.Crc!.Value))
            || kmod.SymbolProvides.Any(p => Key(p) == Key(requirement) && p.Crc == requirement.Crc);

        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var kmod in kmods)
            {
                if (loaded.Contains(kmod) || !kmod.SymbolRequirements.All(r => Met(kmod, r)))
                    continue;
                loaded.Add(kmod);
                foreach (var provide in kmod.SymbolProvides)
                    fromKmods.Add((Key(provide), provide.Crc!.Value));
                changed = true;
            }
        }

        var result = new Dictionary<KabiPackage, KmodOnKernel>(ReferenceEqualityComparer.Instance);
        foreach (var kmod in kmods)
        {
            var unmet = loaded.Contains(kmod) ? [] : kmod.SymbolRequirements.Where(r => !Met(kmod, r)).Select(r => new UnmetRequirement(r, kernel.Crc(r))).ToList();
            result[kmod] = new KmodOnKernel(kmod, kernel, unmet);
        }

        return result;
    }
}

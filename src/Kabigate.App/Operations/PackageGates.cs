using Kabigate.Abi;
using Kabigate.App.Inputs;
using Kabigate.Formats;

namespace Kabigate.App.Operations;

/// <summary>What <c>mask</c> is asked.</summary>
/// <param name="Sources">The repositories and the install root.</param>
public sealed record MaskRequest(PackageSources Sources);

/// <summary>What <c>hold</c> is asked.</summary>
/// <param name="Sources">The repositories and the install root.</param>
/// <param name="InUse">Judge only the installed kmods with a module listed in /proc/modules.</param>
/// <param name="ProcModules">The /proc/modules to read for <paramref name="InUse"/>, or null for the root's.</param>
/// <param name="Policy">A policy whose rules and waivers may tolerate a kmod's unmet requirements, or null.</param>
/// <param name="Stablelist">A stablelist (wins over the policy's), or null.</param>
public sealed record HoldRequest(PackageSources Sources, bool InUse = false, string? ProcModules = null, string? Policy = null, string? Stablelist = null);

/// <summary>
/// What a fleet's <c>hold</c> asks (<c>POST /api/v1/hold</c>): one machine's packages and the kernels it may move to,
/// given rather than read from its rpm database and repositories.
/// </summary>
/// <param name="Installed">The machine's installed packages.</param>
/// <param name="Candidates">The kernel packages offered to it.</param>
/// <param name="Loaded">Its loaded modules: judge only the kmods with one of them; null for all.</param>
/// <param name="Policy">A policy whose rules and waivers may tolerate a kmod's unmet requirements, or null.</param>
public sealed record MachineHoldRequest(IReadOnlyList<KabiPackage> Installed, IReadOnlyList<KabiPackage> Candidates, IReadOnlySet<string>? Loaded, Policy? Policy);

/// <summary>How a package gate came out.</summary>
public enum PackageGateOutcome
{
    /// <summary>Nothing is excluded.</summary>
    NothingExcluded,

    /// <summary>Some package is masked or held back.</summary>
    SomeExcluded,
}

/// <summary>The kmod packages no kernel can carry.</summary>
/// <param name="Report">The verdict on every kmod package offered.</param>
/// <param name="Database">The rpm database read, or null.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record MaskResult(MaskReport Report, string? Database, PackageGateOutcome Outcome);

/// <summary>The kernels that would strand an installed kmod.</summary>
/// <param name="Report">The verdict on every kernel offered.</param>
/// <param name="Database">The rpm database read.</param>
/// <param name="Outcome">How it came out.</param>
public sealed record HoldResult(HoldReport Report, string? Database, PackageGateOutcome Outcome);

/// <summary><c>mask</c> and <c>hold</c> answered from one read of the repositories and the rpm database.</summary>
/// <param name="Mask">The kmod packages no kernel can carry.</param>
/// <param name="Hold">The kernels that would strand an installed kmod.</param>
/// <param name="Outcome">Some package excluded when either gate excludes one.</param>
public sealed record MaskAndHoldResult(MaskResult Mask, HoldResult Hold, PackageGateOutcome Outcome);

/// <summary>The package gates the dnf plugin asks: <c>mask</c> and <c>hold</c>.</summary>
public static class PackageGates
{
    /// <summary>The kmod packages the repositories offer whose kABI requirements no available or installed kernel meets.</summary>
    /// <exception cref="OperationException">A repository or the rpm database cannot be read (then nothing is listed).</exception>
    public static MaskResult Mask(MaskRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var inputs = PackageGateInputReader.Read(request.Sources, databaseRequired: false, log);
        log.Phase("read repositories and rpm database");
        return Mask(inputs, log);
    }

    /// <summary>
    /// The kernel releases the repositories offer on which an installed kmod package would not load, and the newest
    /// on which every one does. A kmod whose every unmet requirement the policy tolerates or waives (for the kmod
    /// package's name, or one of its modules') holds nothing back.
    /// </summary>
    /// <exception cref="OperationException">An input cannot be read (then nothing is listed).</exception>
    public static HoldResult Hold(HoldRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var judge = HoldJudge.Load(request);
        var inputs = PackageGateInputReader.Read(request.Sources, databaseRequired: true, log);
        log.Phase("read repositories and rpm database");
        return Hold(inputs, judge, log);
    }

    /// <summary>
    /// The candidate kernels on which one of the machine's installed kmod packages would not load, and the newest on
    /// which every one does: <see cref="Hold(HoldRequest, IOperationLog)"/> for packages a machine reported.
    /// </summary>
    public static HoldResult Hold(MachineHoldRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var inputs = new PackageGateInputs(request.Installed, request.Candidates, null);
        return Hold(inputs, new HoldJudge(request.Loaded, request.Policy), log);
    }

    /// <summary>
    /// <see cref="Mask(MaskRequest, IOperationLog)"/> and <see cref="Hold(HoldRequest, IOperationLog)"/> from one
    /// read of the repositories and the rpm database (what the dnf plugin asks on every run): the same two reports,
    /// for the cost of one.
    /// </summary>
    /// <exception cref="OperationException">An input cannot be read (then nothing is listed).</exception>
    public static MaskAndHoldResult MaskAndHold(HoldRequest request, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var judge = HoldJudge.Load(request);
        var inputs = PackageGateInputReader.Read(request.Sources, databaseRequired: true, log);
        log.Phase("read repositories and rpm database");
        var mask = Mask(inputs, log);
        var hold = Hold(inputs, judge, log);
        var outcome = mask.Outcome == PackageGateOutcome.SomeExcluded || hold.Outcome == PackageGateOutcome.SomeExcluded
            ? PackageGateOutcome.SomeExcluded : PackageGateOutcome.NothingExcluded;
        return new MaskAndHoldResult(mask, hold, outcome);
    }

    private static MaskResult Mask(PackageGateInputs inputs, IOperationLog log)
    {
        var report = KabiGate.Mask(inputs.Installed, inputs.Available);
        log.Phase("mask");
        return new MaskResult(report, inputs.Database, report.Excluded.Any() ? PackageGateOutcome.SomeExcluded : PackageGateOutcome.NothingExcluded);
    }

    private static HoldResult Hold(PackageGateInputs inputs, HoldJudge judge, IOperationLog log)
    {
        var loaded = judge.Loaded;
        var report = KabiGate.Hold(inputs.Installed, inputs.Available, loaded is null ? null : p => p.ModuleNames.Any(loaded.Contains), judge.Tolerated);
        judge.WarnUnused(log);
        log.Phase("hold");
        return new HoldResult(report, inputs.Database, report.Excluded.Any() ? PackageGateOutcome.SomeExcluded : PackageGateOutcome.NothingExcluded);
    }

    /// <summary>What hold needs besides the packages: the loaded modules and the policy, read before the repositories.</summary>
    private sealed class HoldJudge
    {
        private readonly Policy? _policy;
        private readonly PolicyEvaluation? _evaluation;

        public HoldJudge(IReadOnlySet<string>? loaded, Policy? policy)
        {
            Loaded = loaded;
            _policy = policy;
            _evaluation = policy?.Evaluate(DateOnly.FromDateTime(DateTime.UtcNow));
        }

        public IReadOnlySet<string>? Loaded { get; }

        public static HoldJudge Load(HoldRequest request)
        {
            HashSet<string>? loaded = request.InUse ? LoadedModules(request.ProcModules ?? Path.Join(request.Sources.InstallRoot ?? "/", "proc/modules")) : null;
            var (policy, _) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
            return new HoldJudge(loaded, request.Policy is null ? null : policy);
        }

        // Symbols from kABI provides are vmlinux's.
        public bool Tolerated(KmodOnKernel broken) => _evaluation is { } evaluation && broken.Unmet.All(u =>
            new[] { broken.Kmod.Name }.Concat(broken.Kmod.ModuleNames).Any(kmod =>
                !evaluation.Judge(u.Requirement.Symbol, "vmlinux", null, _policy!.Stablelist?.Contains(u.Requirement.Symbol ?? "") == true, kmod).Fails));

        public void WarnUnused(IOperationLog log)
        {
            if (_evaluation is null)
                return;
            foreach (var warning in _evaluation.UnusedWarnings())
                log.Lint(warning);
        }
    }

    /// <summary>The names of the loaded modules in a /proc/modules file.</summary>
    private static HashSet<string> LoadedModules(string path)
    {
        try
        {
            return [.. InputFiles.ReadAllLines(path, InputLimits.MaxProcModulesBytes).Select(l => l.Split(' ', 2)[0]).Where(n => n.Length > 0)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OperationException($"{path}: cannot read the loaded modules: {InputFailures.WithoutSource(e, path)}");
        }
    }
}

using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>ingest</c> was asked.</summary>
internal sealed record IngestRequest(string? Db, IReadOnlyList<string> Sources, IReadOnlyList<string> Kernels, IReadOnlyList<string> Kmods, string? Release);

/// <summary><c>kabigate ingest</c>: kernels and kmods into the store, all or nothing.</summary>
internal static class IngestCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var kernels = new Option<string[]>("--kernel", "-k") { Description = "A source to read as a kernel (anything 'check --kernel' reads). Repeatable.", HelpName = "SRC" };
        var kmods = new Option<string[]>("--kmods") { Description = "A source to read as kmods (anything 'check' reads as modules). Repeatable.", HelpName = "SRC" };
        var release = CommonOptions.Release();
        var sources = new Argument<string[]>("SOURCE")
        {
            Description = "Sources whose kind is found out: Module.symvers, headers and /lib/modules trees, kernel packages and apt:linux-headers-*/linux-image-* are kernels; .ko files, directories of them, kmod packages and driver update disks are kmods; a repository gives both.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("ingest", "Store kernels and kmods in the history. Idempotent (by content) and transactional: all sources are read first, then written in one transaction, or nothing is.\nExit status: 0 stored, 2 usage or input error (nothing written).")
        {
            db, kernels, kmods, release, sources,
        };
        command.SetAction(parse => Run(
            new IngestRequest(parse.GetValue(db), parse.GetValue(sources) ?? [], parse.GetValue(kernels) ?? [], parse.GetValue(kmods) ?? [], parse.GetValue(release)),
            stdout, stderr));
        return command;
    }

    public static int Run(IngestRequest request, TextWriter stdout, TextWriter stderr)
    {
        if (request.Sources.Count + request.Kernels.Count + request.Kmods.Count == 0)
        {
            stderr.WriteLine("kabigate: ERROR: nothing to ingest: name kernels and kmods (see 'kabigate ingest --help')");
            return ExitCodes.Error;
        }
        var timings = new Timings(stderr);
        var location = StoreLocation.Resolve(request.Db);
        var log = (string line) => { lock (stderr) stderr.WriteLine($"kabigate: {line}"); };
        var options = new KernelSourceOptions(request.Release, log);
        var jobs = request.Kernels.Select(s => (Source: s, Role: Role.Kernel))
            .Concat(request.Kmods.Select(s => (Source: s, Role: Role.Kmods)))
            .Concat(request.Sources.Select(s => (Source: s, Role: Role.Guess)))
            .ToList();
        var results = new (IReadOnlyList<KernelAbi> Kernels, IReadOnlyList<ModuleImage> Kmods, string? Error, IReadOnlyList<string> Warnings)[jobs.Count];
        Parallel.For(0, jobs.Count, i => results[i] = Read(jobs[i].Source, jobs[i].Role, options));
        timings.Mark("read sources");

        foreach (var result in results)
        {
            foreach (var warning in result.Warnings)
                stderr.WriteLine($"kabigate: WARNING: {warning}");
        }
        var errors = results.Where(r => r.Error is not null).Select(r => r.Error!).ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
                stderr.WriteLine($"kabigate: ERROR: {error}");
            stderr.WriteLine("kabigate: ERROR: nothing was stored");
            return ExitCodes.Error;
        }
        var kernels = jobs.Zip(results).SelectMany(j => j.Second.Kernels.Select(k => (j.First.Source, Kernel: k))).ToList();
        var kmods = jobs.Zip(results).SelectMany(j => j.Second.Kmods.Select(k => (j.First.Source, Kmod: k))).ToList();
        if (kernels.Count + kmods.Count == 0)
        {
            stderr.WriteLine("kabigate: ERROR: the sources hold no kernel and no kmod; nothing was stored");
            return ExitCodes.Error;
        }

        using var store = AbiStore.Open(location, create: true);
        stderr.WriteLine($"kabigate: storing {kernels.Count} kernels and {kmods.Count} kmods in {store.Location.Display}");
        var outcomes = new List<(string Kind, IngestResult Result)>();
        using (var session = store.BeginIngest())
        {
            using var progress = new ProgressBar(stderr, "storing", ProgressBar.StderrIsTerminal(stderr));
            int done = 0, total = kernels.Count + kmods.Count;
            foreach (var (_, kernel) in kernels)
            {
                outcomes.Add(("kernel", session.AddKernel(kernel)));
                progress.Report((++done, total));
            }
            foreach (var (source, kmod) in kmods)
            {
                outcomes.Add(("kmod", session.AddKmod(kmod, source)));
                progress.Report((++done, total));
            }
            session.Commit();
        }
        timings.Mark("store");
        const int MaxKmodLines = 50;
        int kmodLines = outcomes.Count(o => o.Kind == "kmod");
        foreach (var (kind, result) in outcomes)
        {
            if (kind == "kmod" && kmodLines > MaxKmodLines)
                continue;
            var outcome = result.Outcome switch
            {
                IngestOutcome.Stored => "stored",
                IngestOutcome.AlreadyStored => "unchanged",
                _ => "stored (conflict)",
            };
            if (result.Outcome == IngestOutcome.StoredConflicting)
                stderr.WriteLine($"kabigate: WARNING: kernel {result.What}: {result.Detail}");
            stdout.WriteLine($"{kind} {result.What}: {outcome} ({result.Detail})");
        }
        var storedKernels = store.Kernels().Count;
        var storedKmods = store.Kmods().Count;
        string Count(string kind, IngestOutcome outcome) => outcomes.Count(o => o.Kind == kind && o.Result.Outcome == outcome).ToString(System.Globalization.CultureInfo.InvariantCulture);
        stdout.WriteLine(
            $"ingested {kernels.Count} kernels ({Count("kernel", IngestOutcome.Stored)} new, {Count("kernel", IngestOutcome.AlreadyStored)} already stored, {Count("kernel", IngestOutcome.StoredConflicting)} with conflicting content) " +
            $"and {kmods.Count} kmods ({Count("kmod", IngestOutcome.Stored)} new, {Count("kmod", IngestOutcome.AlreadyStored)} already stored); " +
            $"the store holds {storedKernels} kernels and {storedKmods} kmods in {store.SizeOnDisk() / 1024.0:0} KiB");
        Summarize(store, outcomes.Where(o => o.Kind == "kernel").Select(o => o.Result.What).Distinct().ToList(), stdout);
        timings.Mark("summary");
        return ExitCodes.Ok;
    }

    private const int SummaryKernels = 20;

    /// <summary>
    /// The verdicts of every stored kmod on the kernels just ingested (or, when only kmods were, on the newest stored
    /// kernels): what the store now says, in one line per kernel.
    /// </summary>
    private static void Summarize(AbiStore store, IReadOnlyList<string> ingestedReleases, TextWriter stdout)
    {
        store.BeginSnapshot();
        var storedKmods = store.Kmods();
        var all = store.Kernels();
        if (storedKmods.Count == 0 || all.Count == 0)
            return;
        var kernels = (ingestedReleases.Count > 0 ? all.Where(k => ingestedReleases.Contains(k.Release)) : all.OrderByDescending(k => k.Id))
            .Take(SummaryKernels).ToList();
        var modules = storedKmods.Select(store.LoadKmod).ToList();
        var projection = Gate.SymbolsJudged(modules);
        var abis = kernels.Select(k => store.LoadKernel(k, projection)).ToList();
        var matrix = MatrixCommand.Compute(abis, modules, storedKmods.Select(k => k.Source).ToList());
        stdout.WriteLine($"verdicts of the {modules.Count} stored kmods:");
        for (int k = 0; k < kernels.Count; k++)
        {
            var failing = matrix.Select(row => row[k]).Where(v => !v.Loads).ToList();
            var reasons = failing.SelectMany(v => v.Problems.Take(1)).GroupBy(p => p.Kind).OrderByDescending(g => g.Count())
                .Select(g => $"{g.Count()} {g.Key.ToJsonName()}");
            stdout.WriteLine($"  {StoreAccess.Label(kernels[k])}: {modules.Count - failing.Count} load, {failing.Count} fail{(failing.Count > 0 ? $" (first problem: {string.Join(", ", reasons)})" : "")}");
        }
        stdout.WriteLine("'kabigate matrix' shows every verdict, 'kabigate diff OLD NEW' what changed between two releases.");
    }

    private enum Role
    {
        Kernel,
        Kmods,
        Guess,
    }

    private static (IReadOnlyList<KernelAbi>, IReadOnlyList<ModuleImage>, string?, IReadOnlyList<string>) Read(string source, Role role, KernelSourceOptions options)
    {
        try
        {
            if (role == Role.Guess && RepositorySources.TryParse(source, out _, out var release) && release is null)
            {
                var kernels = TryKernels(source, options);
                var set = ModuleSetReader.Read([source], options.Log);
                if (set.Errors.Count > 0)
                    return ([], [], set.Errors[0].Message, []);
                return (kernels, set.Modules, null, set.Warnings.Select(w => w.Message).ToList());
            }
            if (role == Role.Kernel || (role == Role.Guess && !LooksLikeKmods(source)))
            {
                try
                {
                    return (KernelSourceReader.ReadAll(source, options), [], null, []);
                }
                catch (ModuleFormatException) when (role == Role.Guess)
                {
                    // Not a kernel: perhaps kmods (a kmod package, a directory of modules).
                }
            }
            var modules = ModuleSetReader.Read([source], options.Log);
            if (modules.Errors.Count > 0)
            {
                var message = modules.Errors[0].Message;
                return ([], [], role == Role.Guess ? $"{message} (neither a kernel nor kmods)" : message, []);
            }
            return ([], modules.Modules, null, modules.Warnings.Select(w => w.Message).ToList());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ([], [], ModuleSetReader.Describe(source, e), []);
        }
    }

    /// <summary>The kernels of a repository, or none when it holds only kmods.</summary>
    private static IReadOnlyList<KernelAbi> TryKernels(string source, KernelSourceOptions options)
    {
        try
        {
            return KernelSourceReader.ReadAll(source, options);
        }
        catch (ModuleFormatException e) when (e.Reason.Contains("no kernel package", StringComparison.Ordinal))
        {
            return [];
        }
    }

    private static bool LooksLikeKmods(string source)
    {
        if (source.StartsWith(AptCache.Prefix, StringComparison.Ordinal))
            return !source.StartsWith(AptCache.Prefix + "linux-headers-", StringComparison.Ordinal) && !source.StartsWith(AptCache.Prefix + "linux-image-", StringComparison.Ordinal);
        return File.Exists(source) && SourceSniffer.SniffFile(source) is SourceKind.Module or SourceKind.Iso;
    }
}

using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Formats.Repodata;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>publish-gated</c> was asked.</summary>
internal sealed record PublishGatedRequest(string From, string To, IReadOnlyList<string> Kmods, bool Store, string? Db, string? Policy, string? Stablelist, string Format);

/// <summary>
/// <c>kabigate publish-gated</c>: repository metadata without the kernel packages that fail the gate, so any
/// yum/dnf/zypper client gets gating without a plugin.
/// </summary>
internal static class PublishGatedCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var from = new Option<string>("--from") { Description = "The source repository: a local directory holding repodata/.", Required = true, HelpName = "REPO" };
        var to = new Option<string>("--to") { Description = "The gated repository to write (package files are hard-linked from REPO, so the same file system).", Required = true, HelpName = "DIR" };
        var kmods = new Option<string[]>("--kmods") { Description = "Registered kmods: sources or stored kmods (names, globs, id:N). Default: the kmod packages of REPO.", HelpName = "KMODS" };
        var store = new Option<bool>("--store") { Description = "Every kmod in the store is registered." };
        var db = StoreAccess.Db();
        var policy = StoreAccess.Policy();
        var stablelist = CommonOptions.Stablelist();
        var format = CommonOptions.Format("text", "json");
        var command = new Command("publish-gated", "Write repository metadata (repomd.xml, primary, filelists, other) that leaves out the kernel packages failing the gate, and their same-release kernel subpackages.\nExit status: 0 every kernel published, 1 some kernels held back, 2 usage, input, policy or store error (nothing published).")
        {
            from, to, kmods, store, db, policy, stablelist, format,
        };
        command.SetAction(parse => Run(new PublishGatedRequest(parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(kmods) ?? [], parse.GetValue(store), parse.GetValue(db),
            parse.GetValue(policy), parse.GetValue(stablelist), parse.GetValue(format)!), stdout, stderr));
        return command;
    }

    public static int Run(PublishGatedRequest request, TextWriter stdout, TextWriter stderr)
    {
        var (policy, list) = StoreAccess.LoadPolicy(request.Policy, request.Stablelist);
        var log = (string line) => stderr.WriteLine($"kabigate: {line}");
        var kernelPackages = RepositorySources.KernelPackages(request.From, null, new KernelSourceOptions(null, log));
        using var arguments = new KernelArguments(request.Db, stderr);
        List<ModuleImage> kmods;
        List<string> sources, errors;
        if (request.Kmods.Count > 0 || request.Store)
        {
            (kmods, sources, errors) = arguments.Kmods(request.Kmods, request.Store);
        }
        else
        {
            var set = ModuleSetReader.Read([request.From], log);
            (kmods, sources, errors) = (set.Modules.ToList(), set.Modules.Select(_ => request.From).ToList(), set.Errors.Select(e => e.Message).ToList());
        }
        if (errors.Count > 0)
        {
            foreach (var error in errors)
                stderr.WriteLine($"kabigate: ERROR: {error}");
            stderr.WriteLine("kabigate: ERROR: nothing was published");
            return ExitCodes.Error;
        }
        if (kmods.Count == 0)
        {
            stderr.WriteLine("kabigate: ERROR: no kmods registered (REPO has no kmod packages; give --kmods or --store); nothing was published");
            return ExitCodes.Error;
        }
        var kernels = kernelPackages.Select(k => k.Kernel).ToList();
        var groups = Gate.GroupBySource(kmods, sources).Select(g => (IReadOnlyList<ModuleImage>)g.Select(i => kmods[i]).ToList()).ToList();
        var evaluation = policy.Evaluate(DateOnly.FromDateTime(DateTime.UtcNow));
        var report = Gate.Evaluate(kernels, groups, evaluation, list);
        foreach (var warning in evaluation.UnusedWarnings())
            stderr.WriteLine(warning);

        var heldBack = kernelPackages.Where(k => !report.KernelPasses(k.Kernel)).Select(k => k.Package).ToList();
        bool Omit(RepoPackage package) => heldBack.Any(k => ReferenceEquals(k, package)
            || (package.Name.StartsWith("kernel", StringComparison.Ordinal) && package.Version == k.Version && package.Release == k.Release && package.Arch == k.Arch && package.Epoch == k.Epoch));
        var published = FilteredRepository.Publish(request.From, request.To, p => !Omit(p));

        if (request.Format == "json")
        {
            Rendering.Json.Write(stdout, json =>
            {
                json.WriteStartObject();
                json.WriteNumber("schema", 1);
                json.WriteString("from", request.From);
                json.WriteString("to", Path.GetFullPath(request.To));
                json.WriteNumber("published", published.Kept.Count);
                json.WriteStartArray("omitted");
                foreach (var package in published.Omitted)
                    json.WriteStringValue(package.Nevra);
                json.WriteEndArray();
                json.WriteStartArray("kernels");
                foreach (var (package, kernel) in kernelPackages)
                {
                    json.WriteStartObject();
                    json.WriteString("package", package.Nevra);
                    json.WriteString("release", kernel.Release);
                    json.WriteBoolean("published", report.KernelPasses(kernel));
                    json.WriteStartArray("failing_kmods");
                    foreach (var c in report.Cases.Where(c => ReferenceEquals(c.Kernel, kernel) && !c.Passes))
                        json.WriteStringValue(c.Kmod);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            });
        }
        else
        {
            foreach (var (package, kernel) in kernelPackages)
            {
                var failing = report.Cases.Where(c => ReferenceEquals(c.Kernel, kernel) && !c.Passes).ToList();
                stdout.WriteLine(failing.Count == 0
                    ? $"published  {package.Nevra}"
                    : $"held back  {package.Nevra}: {string.Join("; ", failing.Select(c => $"{c.Kmod}: {c.Problems.First(p => p.Judgement.Fails).Problem.Message}"))}");
            }
            stdout.WriteLine($"{Path.GetFullPath(request.To)}: {published.Kept.Count} packages published ({published.Linked} hard-linked), {published.Omitted.Count} left out ({heldBack.Count} kernels failing the gate, with their subpackages)");
        }
        return heldBack.Count == 0 ? ExitCodes.Ok : ExitCodes.Incompatible;
    }
}

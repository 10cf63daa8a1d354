using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>weak-updates plan|apply</c> was asked.</summary>
internal sealed record WeakUpdatesRequest(string Root, string Format, WeakUpdatesRules Rules, bool Apply, bool Depmod);

/// <summary><c>kabigate weak-updates plan|apply</c>: the weak-modules decisions for every installed kernel at once.</summary>
internal static class WeakUpdatesCommand
{
    private const string PlanHelp = "Exit status: 0 nothing to change, 1 links to create or remove, 2 usage or input error.";
    private const string ApplyHelp = "Exit status: 0 the links are as planned (changed or not), 2 usage or input error (nothing is changed then).";

    public static Command Create(TextWriter stdout, TextWriter stderr) =>
        new("weak-updates", "Decide, like weak-modules but for every installed kernel at once, which out-of-tree modules (lib/modules/R/extra/ and updates/) each other kernel of the same flavour may use through links in its lib/modules/R/weak-updates/.")
        {
            Verb("plan", "Print, per kernel and module, what to do (link, keep, remove, skip) and why, in the kernel's words.\n" + PlanHelp, apply: false, stdout, stderr),
            Verb("apply", "Create and remove the links the plan calls for, only below the root; with --depmod, then run depmod for each changed kernel.\n" + ApplyHelp, apply: true, stdout, stderr),
        };

    private static Command Verb(string name, string description, bool apply, TextWriter stdout, TextWriter stderr)
    {
        var root = new Option<string>("--root")
        {
            Description = "The system's root: every ROOT/lib/modules/RELEASE is a kernel; symvers from lib/modules/R/symvers.gz or boot/symvers-R.gz (.xz, .zst, plain). Default: /.",
            DefaultValueFactory = _ => "/",
            HelpName = "DIR",
        };
        var format = CommonOptions.Format("text", "json");
        var rules = new Option<string>("--rules")
        {
            Description = "What compatible means: 'loader' (the kernel loader's rules: symbols, CRCs, GPL-only, namespaces, vermagic) or 'depmod' (weak-modules' rule: depmod -aeE reports no unknown symbol and no CRC disagreement). Both verdicts are always shown.",
            DefaultValueFactory = _ => "loader",
            HelpName = "RULES",
        };
        rules.AcceptOnlyFromAmong("loader", "depmod");
        var command = new Command(name, description) { root, format, rules };
        Option<bool>? depmod = null;
        if (apply)
        {
            depmod = new Option<bool>("--depmod") { Description = "After changing a kernel's links, run 'depmod -b ROOT -a RELEASE' for it." };
            command.Add(depmod);
        }
        command.SetAction(parse => Run(
            new WeakUpdatesRequest(parse.GetValue(root)!, parse.GetValue(format)!, parse.GetValue(rules) == "depmod" ? WeakUpdatesRules.Depmod : WeakUpdatesRules.Loader,
                apply, depmod is not null && parse.GetValue(depmod)),
            stdout, stderr));
        return command;
    }

    public static int Run(WeakUpdatesRequest request, TextWriter stdout, TextWriter stderr)
    {
        var timings = new Timings(stderr);
        InstalledTree tree;
        using (var progress = new ProgressBar(stderr, "reading modules", ProgressBar.StderrIsTerminal(stderr)))
        {
            try
            {
                tree = InstalledKernelsReader.Read(request.Root, progress);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"kabigate: ERROR: {ModuleSetReader.Describe(request.Root, e)}");
                return ExitCodes.Error;
            }
        }
        timings.Mark("read tree");
        foreach (var error in tree.Errors)
            stderr.WriteLine($"kabigate: ERROR: {error.Message}");
        var plan = WeakUpdates.Plan(tree.Kernels, new WeakUpdatesOptions(request.Rules));
        timings.Mark("plan");
        foreach (var warning in plan.Warnings)
            stderr.WriteLine($"kabigate: WARNING: {warning}");

        if (request.Format == "json")
            WeakUpdatesJson.Write(tree, plan, request.Apply, stdout);
        else if (!request.Apply)
            stdout.Write(WeakUpdatesText.Render(tree, plan));
        if (tree.Errors.Count > 0)
        {
            if (request.Apply)
                stderr.WriteLine("kabigate: ERROR: nothing applied: some files cannot be read, so the plan may be wrong");
            return ExitCodes.Error;
        }
        if (!request.Apply)
            return plan.HasChanges ? ExitCodes.Incompatible : ExitCodes.Ok;

        var log = request.Format == "json" ? TextWriter.Null : stdout;
        var status = WeakUpdatesApplier.Apply(tree, plan, request.Depmod, log, stderr);
        timings.Mark("apply");
        return status;
    }
}

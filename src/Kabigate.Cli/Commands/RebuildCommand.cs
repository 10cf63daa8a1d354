using System.CommandLine;
using Kabigate.App.Json;
using Kabigate.Build;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate rebuild plan|run|status</c>: the fewest builds that cover every kernel, built and verified.</summary>
internal static class RebuildCommand
{
    public const string ExitHelp = "Exit status: 0 every target kernel is covered (reused, or built and verified), 1 some kernel is not (build-failed, built-but-refused, blocked), 2 usage, input or store error.";

    public static Command Create(CliContext cli) => new("rebuild", "Rebuilds as the kABI changes: reuse a build where it loads, one build per ABI class elsewhere, each verified with the loader's rules.\n" + ExitHelp)
    {
        Plan(cli),
        Run(cli),
        Status(cli),
    };

    private sealed record PlanOptions(Option<string[]> Recipe, Option<string?> Recipes, Option<string[]> Kmods, Option<string[]> Kernels, Option<string[]> Headers, Option<string?> Db)
    {
        public static PlanOptions Create() => new(
            CommonOptions.Many("--recipe", "PATH", "A recipe: a kbuild source directory, a DKMS tree (dkms.conf), a *-dkms .deb, or apt:NAME. Several, or repeated."),
            new Option<string?>("--recipes") { Description = "A recipes file (TOML): [[recipe]] tables with name, kind (kbuild|dkms), path, and for kbuild modules and make_args.", HelpName = "FILE" },
            CommonOptions.Many("--kmods", "KMODS", "Existing builds: module files or directories (one build per source), or stored kmods (names, globs, id:N). With --db, stored kmods of the recipes' modules count too."),
            CommonOptions.Many("--kernels", "GLOB|SRC", "Target kernels: kernel sources (headers .deb or directory, symvers, apt:PACKAGE) or globs over stored releases.", required: true),
            CommonOptions.Many("--headers", "DIR", "Headers to build against: directories (linux-headers-R, or with include/config/kernel.release), kernel-devel RPMs, Debian linux-headers-R .debs or apt:linux-headers-R (unpacked with their common and kbuild packages into the cache); /usr/src/linux-headers-R and /lib/modules/R/build are searched too."),
            StoreOptions.Db());

        public IEnumerable<Option> All => [Recipe, Recipes, Kmods, Kernels, Headers, Db];

        public RebuildPlanRequest Request(ParseResult parse) => new(parse.GetValue(Recipe) ?? [], parse.GetValue(Recipes), parse.GetValue(Kmods) ?? [],
            parse.GetValue(Kernels) ?? [], parse.GetValue(Headers) ?? [], parse.GetValue(Db));
    }

    private static Command Plan(CliContext cli)
    {
        var options = PlanOptions.Create();
        var format = CommonOptions.Format("text", "json", "kmodtool", "ci-matrix");
        var command = new Command("plan", "For each recipe and target kernel: reuse (a build loads there), build (one per ABI class, on a member's headers) or blocked (why).\n" + ExitHelp);
        foreach (var option in options.All)
            command.Options.Add(option);
        command.Options.Add(format);
        command.SetAction(parse =>
        {
            var result = RebuildPlanOperation.Run(options.Request(parse), cli.Log);
            switch (parse.GetValue(format))
            {
                case "json": Json.Write(cli.Stdout, RebuildDocuments.Plan(result)); break;
                case "ci-matrix": Json.Write(cli.Stdout, RebuildDocuments.CiMatrix(result), indented: false); break;
                case "kmodtool": cli.Stdout.Write(RebuildText.Kmodtool(result)); break;
                default: cli.Stdout.Write(RebuildText.Plan(result)); break;
            }
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }

    private static Command Run(CliContext cli)
    {
        var options = PlanOptions.Create();
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Builds at once (default: the number of cores).", HelpName = "N" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds one build may run before it is killed (default 1800).", DefaultValueFactory = _ => 1800, HelpName = "SECONDS" };
        var output = new Option<string?>("--out") { Description = "Where logs and built modules go (default: ~/.cache/kabigate/rebuild/RUN-ID).", HelpName = "DIR" };
        var package = new Option<string>("--package") { Description = "Packages made of each verified build: rpm (a kmod RPM, ELRepo naming, kernel(sym) = CRC requires), deb (one per kernel that loads it), both, or none.", DefaultValueFactory = _ => "none", HelpName = "rpm|deb|both|none" };
        package.AcceptOnlyFromAmong("rpm", "deb", "both", "none");
        var signKey = new Option<string?>("--sign-key") { Description = "Sign the built modules with this private key (PEM, or a pkcs11: URI), with the headers' scripts/sign-file; needs --sign-cert.", HelpName = "KEY" };
        var signCert = new Option<string?>("--sign-cert") { Description = "The X.509 certificate (PEM or DER) of --sign-key; the signatures are verified with it before anything is packaged.", HelpName = "CERT" };
        var item = new Option<string?>("--item") { Description = "Run only this build item of the plan (its id in 'rebuild plan --format json': RECIPE@CLASSKEY), as a build farm's job does.", HelpName = "ID" };
        var submit = new Option<string?>("--submit") { Description = "After the builds and their re-verification, send each verified build's packages (else its .ko files) to this kabigate service's submissions API (URL/api/v1/submissions, role kmods); prints the submission ids. Typically with --item, on a build farm.", HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = $"The bearer token (scope submit) for --submit; default ${RebuildSubmitTarget.TokenVariable}, which keeps it out of ps. Never printed.", HelpName = "T" };
        var format = CommonOptions.Format("text", "json");
        var command = new Command("run", "Runs the plan here: builds in parallel in scratch directories, re-verifies every build on every kernel of its class, records the results in the store.\n" + ExitHelp);
        foreach (var option in options.All)
            command.Options.Add(option);
        command.Options.Add(jobs);
        command.Options.Add(timeout);
        command.Options.Add(output);
        command.Options.Add(package);
        command.Options.Add(signKey);
        command.Options.Add(signCert);
        command.Options.Add(item);
        command.Options.Add(submit);
        command.Options.Add(token);
        command.Options.Add(format);
        command.SetAction(parse =>
        {
            var request = new RebuildRunRequest(options.Request(parse), parse.GetValue(jobs), TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(output),
                RebuildRunOperation.PackageFormatsOf(parse.GetValue(package)), RebuildRunOperation.SigningOf(parse.GetValue(signKey), parse.GetValue(signCert)), parse.GetValue(item),
                RebuildSubmitTarget.Of(parse.GetValue(submit), parse.GetValue(token)));
            var result = RebuildRunOperation.Run(request, cli.Log);
            if (parse.GetValue(format) == "json")
                Json.Write(cli.Stdout, RebuildDocuments.Run(result));
            else
                cli.Stdout.Write(RebuildText.Run(result));
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }

    private static Command Status(CliContext cli)
    {
        var db = StoreOptions.Db();
        var recipes = new Argument<string[]>("RECIPE") { Description = "Recipe names or globs (default: all).", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every recorded result, not only the latest per recipe and kernel." };
        var format = CommonOptions.Format("text", "json");
        var command = new Command("status", "What the recorded rebuild runs did, per recipe and kernel, with provenance.\n" + ExitHelp)
        {
            db, all, format, recipes,
        };
        command.SetAction(parse =>
        {
            var result = RebuildStatusOperation.Run(new RebuildStatusRequest(parse.GetValue(db), parse.GetValue(recipes) ?? [], parse.GetValue(all)), cli.Log);
            if (parse.GetValue(format) == "json")
                Json.Write(cli.Stdout, RebuildDocuments.Status(result));
            else
                cli.Stdout.Write(RebuildText.Status(result));
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

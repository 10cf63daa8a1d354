using System.CommandLine;
using Kabigate.App.Json;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate check</c>: does each module load on each kernel?</summary>
internal static class CheckCommand
{
    public static Command Create(CliContext cli)
    {
        var kernels = CommonOptions.Kernels(required: true);
        var release = CommonOptions.Release();
        var stablelist = CommonOptions.Stablelist();
        var format = CommonOptions.Format("text", "json");
        var trustedCerts = new Option<string[]>("--trusted-cert")
        {
            Description = "An X.509 certificate (DER or PEM, several blocks allowed) whose key the kernels trust for module signatures, e.g. the distribution's signing certificate or a MOK; repeatable. Unsigned and untrusted modules then taint (or, with --enforce-signatures, are refused), and a signature that does not verify is refused.",
            HelpName = "FILE",
        };
        var enforceSignatures = new Option<bool>("--enforce-signatures")
        {
            Description = "The kernels enforce module signatures (module.sig_enforce=1, CONFIG_MODULE_SIG_FORCE, or lockdown under Secure Boot): refuse unsigned modules and modules signed by a key none of the --trusted-cert holds.",
        };
        var brief = new Option<bool>("--brief") { Description = "Text format: only the rows of modules that fail on some kernel, and the summary; no details." };
        var modules = new Argument<string[]>("MODULE")
        {
            Description = "Modules: .ko files (plain, .xz, .zst, .gz), directories searched recursively, .debs, or apt:PACKAGE. They satisfy each other's imports.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("check", "Decide, as the kernel's module loader would, whether each module loads on each kernel.\n" + ExitCodes.Help)
        {
            kernels, release, stablelist, trustedCerts, enforceSignatures, format, brief, modules,
        };
        command.SetAction(parse =>
        {
            var result = CheckOperation.Run(new CheckRequest(parse.GetValue(kernels)!, parse.GetValue(modules)!, parse.GetValue(release), parse.GetValue(stablelist),
                parse.GetValue(trustedCerts) ?? [], parse.GetValue(enforceSignatures)), cli.Log);
            cli.Log.Errors(result.Errors.Select(e => e.Message));
            if (parse.GetValue(format) == "json")
                Json.Write(cli.Stdout, VerdictDocuments.Check(result), indented: false);
            else if (result.Report.Kernels.Count > 0 && result.Report.Modules.Count > 0)
                cli.Stdout.Write(TextReport.Render(result.Report, parse.GetValue(brief)));
            cli.Log.Phase("render");
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

using System.CommandLine;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary>What <c>mask</c> was asked.</summary>
internal sealed record MaskRequest(GateRequest Inputs, string Format);

/// <summary><c>kabigate mask</c>: which available kmod packages no available or installed kernel can carry?</summary>
internal static class MaskCommand
{
    public const string Help = "Exit status: 0 nothing masked, 1 some kmod package masked, 2 usage or input error (then nothing is listed).";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var repositories = GateOptions.Repositories();
        var installRoot = GateOptions.InstallRoot();
        var dbPath = GateOptions.DbPath();
        var format = GateOptions.Format();
        var command = new Command("mask", "List the kmod packages the repositories offer whose kABI requirements (kernel(sym) = CRC, ksym(sym) = CRC, ksym(flavor:sym) = crc) no available or installed kernel package provides, compared by CRC for every kernel family, with the reason and the kernel that came closest. A kmod declaring no kABI requirements is reported, not masked. 'excludes' prints one name-[epoch:]version-release.arch per line, for dnf's --exclude.\n" + Help)
        {
            repositories, installRoot, dbPath, format,
        };
        command.SetAction(parse => Run(
            new MaskRequest(new GateRequest(parse.GetValue(repositories)!, parse.GetValue(installRoot), parse.GetValue(dbPath), DatabaseRequired: false), parse.GetValue(format)!),
            stdout, stderr));
        return command;
    }

    public static int Run(MaskRequest request, TextWriter stdout, TextWriter stderr)
    {
        var timings = new Timings(stderr);
        var inputs = GateInputReader.Read(request.Inputs);
        timings.Mark("read repositories and rpm database");
        if (GateInputReader.Report(inputs, stderr))
            return ExitCodes.Error;
        var report = KabiGate.Mask(inputs.Installed, inputs.Available);
        timings.Mark("mask");
        stdout.Write(request.Format switch
        {
            "json" => GateReports.MaskJson(report, inputs.Database),
            "excludes" => GateReports.Excludes(report.Excluded),
            _ => GateReports.MaskText(report),
        });
        timings.Mark("render");
        return report.Excluded.Any() ? ExitCodes.Incompatible : ExitCodes.Ok;
    }
}

using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate mask</c>: which available kmod packages no available or installed kernel can carry?</summary>
internal static class MaskCommand
{
    public const string Help = "Exit status: 0 nothing masked, 1 some kmod package masked, 2 usage or input error (then nothing is listed).";

    public static Command Create(CliContext cli)
    {
        var options = new GateOptions();
        var command = new Command("mask", "List the kmod packages the repositories offer whose kABI requirements (kernel(sym) = CRC, ksym(sym) = CRC, ksym(flavor:sym) = crc) no available or installed kernel package provides, compared by CRC for every kernel family, with the reason and the kernel that came closest. A kmod declaring no kABI requirements is reported, not masked. 'excludes' prints one name-[epoch:]version-release.arch per line, for dnf's --exclude.\n" + Help);
        foreach (var option in options.All)
            command.Add(option);
        command.SetAction(parse =>
        {
            var result = PackageGates.Mask(new MaskRequest(options.Sources(parse)), cli.Log);
            cli.Stdout.Write(parse.GetValue(options.Format) switch
            {
                "json" => GateReports.MaskJson(result),
                "excludes" => GateReports.Excludes(result.Report.Excluded),
                _ => GateReports.MaskText(result.Report),
            });
            cli.Log.Phase("render");
            return ExitCodes.Of(result.Outcome);
        });
        return command;
    }
}

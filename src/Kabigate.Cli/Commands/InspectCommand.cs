using System.CommandLine;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate inspect</c>: what kabigate reads from a module or a kernel source.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext cli)
    {
        var format = CommonOptions.Format("text", "json");
        var release = CommonOptions.Release();
        var source = new Argument<string>("FILE") { Description = "A module (.ko, .ko.xz, .ko.zst, .ko.gz) or any kernel source that --kernel takes." };
        var command = new Command("inspect", "Show what was read: modinfo, modversions, imports and exports of a module (like modinfo + modprobe --dump-modversions), or each kernel of a kernel source: release, vermagic and exports (JSON: one document per kernel).\nExit status: 0 read, 2 unreadable or malformed.")
        {
            format, release, source,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(source)!;
            InspectResult result;
            try
            {
                result = InspectOperation.Run(new InspectRequest(path, parse.GetValue(release)), cli.Log);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                cli.Log.Error(Kabigate.Formats.Sources.ModuleSetReader.Describe(path, e));
                return ExitCodes.Error;
            }
            cli.Log.Errors(result.Errors);
            cli.Stdout.Write(parse.GetValue(format) == "json" ? InspectReport.Json(result) : InspectReport.Text(result));
            return result.Errors.Count > 0 ? ExitCodes.Error : ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using System.Runtime.InteropServices;
using Kabigate.App;

namespace Kabigate.Cli.Commands;

/// <summary>
/// <c>kabigate serve</c>: runs the service, which is an executable of its own (<c>kabigate-server</c>: ASP.NET Core and
/// Hangfire are not native-AOT compatible, and the CLI must start in milliseconds for the dnf plugin). The CLI replaces
/// itself with it (execv), so signals, the exit status and systemd's view of the process are the server's own.
/// </summary>
internal static partial class ServeCommand
{
    public const string ServerVariable = "KABIGATE_SERVER";

    public static Command Create(CliContext cli)
    {
        var config = new Option<string?>("--config") { Description = "The service's configuration (TOML; see docs/kabigate.md). Default: nothing watched, the default store, anonymous reads.", HelpName = "FILE" };
        var db = StoreOptions.Db();
        var listen = new Option<string?>("--listen") { Description = "Where to listen, ADDRESS:PORT (default 127.0.0.1:8280, or the configuration's).", HelpName = "ADDR:PORT" };
        var command = new Command("serve", "Run the continuous kABI service: watch kernel repositories, gate every new kernel against the registered kmods, serve the API (/api/v1) and the dashboard.\nExit status: 0 stopped, 2 configuration or store error.")
        {
            config, db, listen,
        };
        command.SetAction(int (parse) =>
        {
            var server = Locate();
            var args = new List<string?> { server };
            foreach (var (option, value) in new[] { ("--config", parse.GetValue(config)), ("--db", parse.GetValue(db)), ("--listen", parse.GetValue(listen)) })
            {
                if (value is not null)
                    args.AddRange([option, option == "--config" ? Path.GetFullPath(value) : value]);
            }
            return ExecServer(cli, server, args);
        });
        return command;
    }

    /// <summary><c>kabigate worker</c>: the service's executable in worker mode, processing the rebuild queue of the store's job engine.</summary>
    public static Command CreateWorker(CliContext cli)
    {
        var config = new Option<string?>("--config") { Description = "The service's configuration (its recipes, headers and gated repositories).", HelpName = "FILE" };
        var db = StoreOptions.Db();
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Builds at once (default 1).", HelpName = "N" };
        var retake = new Option<int?>("--retake-after") { Description = "Seconds after which a job a dead worker held is run by another (default 300).", HelpName = "SECONDS" };
        var command = new Command("worker", "Process the service's rebuild jobs (one plan item each: build, re-verify on every class member, record); several workers on one PostgreSQL store share the queue.\nExit status: 0 stopped, 2 configuration or store error.")
        {
            config, db, jobs, retake,
        };
        command.SetAction(int (parse) =>
        {
            var server = Locate();
            var args = new List<string?> { server, "--worker" };
            if (parse.GetValue(config) is { } file)
                args.AddRange(["--config", Path.GetFullPath(file)]);
            if (parse.GetValue(db) is { } store)
                args.AddRange(["--db", store]);
            if (parse.GetValue(jobs) is { } n)
                args.AddRange(["--jobs", n.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (parse.GetValue(retake) is { } seconds)
                args.AddRange(["--retake-after", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            return ExecServer(cli, server, args);
        });
        return command;
    }

    /// <summary>Replaces this process with the server, so signals and the exit status are the server's; returns only by throwing.</summary>
    private static int ExecServer(CliContext cli, string server, List<string?> args)
    {
        args.Add(null);
        cli.Stdout.Flush();
        Console.Out.Flush();
        Execv(server, [.. args]);
        throw new OperationException($"cannot run {server}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>$KABIGATE_SERVER, else beside this executable as a package installs it, a checkout's launcher builds it, or a build puts it.</summary>
    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } named)
            return File.Exists(named) ? Path.GetFullPath(named) : throw new OperationException($"${ServerVariable}={named}: no such file");
        var here = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(here, "..", "lib", "kabigate", "server", "kabigate-server"),
            Path.Combine(here, "..", "server", "kabigate-server"),
            Path.Combine(here, "kabigate-server"),
        ];
        return candidates.Select(Path.GetFullPath).FirstOrDefault(File.Exists)
            ?? throw new OperationException($"the service's executable (kabigate-server) is not installed beside {here}: run './kabigate serve' from a checkout (it builds it), install the package, or set ${ServerVariable}");
    }

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execv(string path, string?[] argv);
}

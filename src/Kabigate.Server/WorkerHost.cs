using System.Globalization;
using Hangfire;
using Kabigate.App;
using Kabigate.App.Service;
using Kabigate.Formats;
using Kabigate.Store;

namespace Kabigate.Server;

/// <summary>
/// <c>kabigate worker</c>: a Hangfire server on the service's job store that processes only the rebuild queue (no HTTP
/// listener). Several workers on one PostgreSQL store share the queue: each job is fetched by one of them, and a job a
/// killed worker held becomes visible again after the retake delay and is run by another.
/// </summary>
public static class WorkerHost
{
    /// <summary>Runs a worker with its arguments (<c>--config FILE</c>, <c>--db DB</c>, <c>--jobs N</c>, <c>--retake-after SECONDS</c>, which wins over the configuration's <c>retake_after</c>) until stopped; 2 on a bad argument or store.</summary>
    public static int Run(string[] args)
    {
        IHost host;
        try
        {
            host = Build(args);
        }
        catch (Exception e) when (e is ModuleFormatException or StoreException or IOException or UnauthorizedAccessException or OperationException)
        {
            Console.Error.WriteLine($"kabigate: ERROR: {e.Message}");
            return 2;
        }
        host.Run();
        return 0;
    }

    /// <summary>Builds the worker's host.</summary>
    /// <exception cref="ModuleFormatException">An argument or the configuration is malformed.</exception>
    /// <exception cref="StoreException">The store cannot be opened.</exception>
    public static IHost Build(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = Arguments(args);
        var config = values.TryGetValue("--config", out var path) ? ServiceConfigReader.Read(path) : ServiceConfig.Default;
        var db = values.GetValueOrDefault("--db") ?? config.Db;
        var jobs = values.TryGetValue("--jobs", out var j) ? Number("--jobs", j, 1, 256) : 1;
        var retake = values.TryGetValue("--retake-after", out var r) ? TimeSpan.FromSeconds(Number("--retake-after", r, 5, 86_400)) : config.RetakeAfter;
        var location = StoreLocation.Resolve(db);
        AbiStore.Open(location, create: true).Dispose();
        var spool = config.Spool ?? Path.Combine(Path.GetTempPath(), "kabigate-spool");
        var context = new ServiceContext(config, GateSettings.From(config, db), location, spool, StoreSharing.Register(location));

        var builder = Host.CreateApplicationBuilder([]);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Hangfire", LogLevel.Warning);
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton<ServiceJobs>();
        builder.Services.AddHttpClient(ServiceJobs.WebhookClient, c => c.Timeout = TimeSpan.FromSeconds(30));
        ServerHost.AddJobStorage(builder.Services, location, retake);
        builder.Services.AddHangfireServer(o =>
        {
            o.WorkerCount = jobs;
            o.Queues = [ServiceJobs.RebuildQueue];
            o.ServerName = $"worker:{Environment.MachineName}:{Environment.ProcessId}";
        });
        return builder.Build();
    }

    private static Dictionary<string, string> Arguments(string[] args)
    {
        string[] known = ["--config", "--db", "--jobs", "--retake-after"];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            var parts = args[i].Split('=', 2);
            if (!known.Contains(parts[0]))
                throw new ModuleFormatException("worker", $"unknown argument '{args[i]}' (known: {string.Join(", ", known)})");
            var value = parts.Length == 2 ? parts[1] : ++i < args.Length ? args[i] : throw new ModuleFormatException("worker", $"{parts[0]} needs a value");
            values[parts[0]] = value;
        }
        return values;
    }

    private static int Number(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ModuleFormatException("worker", $"{name} must be a whole number from {min} to {max}");
}

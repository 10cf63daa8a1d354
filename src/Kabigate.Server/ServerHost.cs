using System.Net;
using System.Reflection;
using X509Certificate2 = System.Security.Cryptography.X509Certificates.X509Certificate2;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Kabigate.App;
using Kabigate.App.Service;
using Kabigate.Formats;
using Kabigate.Server.Api;
using Kabigate.Server.Dashboard;
using Kabigate.Store;
using Prometheus;

namespace Kabigate.Server;

/// <summary>Builds and runs the service: Kestrel, the API, the dashboard, and the Hangfire server that runs polls, gate runs, webhooks and submissions.</summary>
public static class ServerHost
{
    /// <summary>Runs <c>kabigate serve</c> with its arguments (<c>--config FILE</c>, <c>--db DB</c>, <c>--listen ADDR:PORT</c>).</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "--worker")
            return WorkerHost.Run(args[1..]);
        WebApplication app;
        try
        {
            app = Build(args, null);
        }
        catch (Exception e) when (StartupError(e) is { } line)
        {
            Console.Error.WriteLine($"kabigate: ERROR: {line}");
            return 2;
        }
        try
        {
            app.Run();
        }
        catch (IOException e)
        {
            // Kestrel cannot bind (the address is in use, or not this machine's).
            Console.Error.WriteLine($"kabigate: ERROR: cannot listen on {app.Services.GetRequiredService<ServiceContext>().Config.Listen}: {e.Message}");
            return 2;
        }
        return 0;
    }

    /// <summary>Builds the application; <paramref name="configure"/> lets tests adjust the host before it is built.</summary>
    /// <exception cref="ModuleFormatException">The configuration is malformed.</exception>
    /// <exception cref="StoreException">The store cannot be opened.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure)
    {
        ArgumentNullException.ThrowIfNull(args);
        CheckArguments(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // The service's own notes (Kabigate.*) at Information; the frameworks' request and job chatter only from Warning.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Hangfire", LogLevel.Warning).AddFilter("System.Net.Http", LogLevel.Warning);
        configure?.Invoke(builder);
        var settings = builder.Configuration;
        var config = settings["config"] is { Length: > 0 } path ? ServiceConfigReader.Read(path) : ServiceConfig.Default;
        if (settings["listen"] is { Length: > 0 } listen)
            config = config with { Listen = listen };
        var db = settings["db"] is { Length: > 0 } given ? given : config.Db;
        var location = StoreLocation.Resolve(db);
        // Migrates (or refuses a foreign or newer store) before anything listens.
        AbiStore.Open(location, create: true).Dispose();
        var gate = GateSettings.From(config, db);
        var spool = config.Spool ?? (location.Provider == StoreProvider.Sqlite ? location.Target + ".spool" : Path.Combine(Path.GetTempPath(), "kabigate-spool"));
        Directory.CreateDirectory(spool);
        // Every request reads the same stored kernels and kmods: pooled sessions and objects decoded once for the process.
        var context = new ServiceContext(config, gate, location, spool, StoreSharing.Register(location));

        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton<AnswerCache>();
        builder.Services.AddSingleton<ServiceJobs>();
        builder.Services.AddHttpClient(ServiceJobs.WebhookClient, c => c.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi("v1");
        builder.Services.AddKabigateSecurity(config);
        AddJobStorage(builder.Services, location, config.RetakeAfter);
        builder.Services.AddHangfireServer(o =>
        {
            o.WorkerCount = Math.Max(2, Environment.ProcessorCount);
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = config.MaxUploadBytes;
            var (address, port) = ParseListen(config.Listen);
            k.Listen(address, port, l =>
            {
                if (config.Tls is { } tls)
                    l.UseHttps(X509Certificate2.CreateFromPemFile(tls.Certificate, tls.Key));
            });
        });

        WebApplication app;
        try
        {
            app = builder.Build();
        }
        catch
        {
            context.Sharing.Dispose();
            throw;
        }
        app.UseExceptionHandler(e => e.Run(ApiResults.UnhandledError));
        app.UseHttpMetrics();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapOpenApi("/api/v1/openapi.json");
        app.MapMetrics("/metrics");
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (ServiceContext s) =>
        {
            using var store = s.OpenRead();
            return Results.Text($"ready: schema {store.SchemaVersion}, version {Version}\n");
        });
        app.MapReadApi();
        app.MapWriteApi();
        app.MapDashboard();
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<ServiceJobs>().Schedule());
        app.Lifetime.ApplicationStopped.Register(context.Sharing.Dispose);
        return app;
    }

    /// <summary>The version /readyz names: the one <c>kabigate --version</c> prints (packaging/version.targets sets both).</summary>
    internal static string Version =>
        typeof(ServerHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// Hangfire's job store: PostgreSQL (schema kabigate_jobs) beside a PostgreSQL store, SQLite beside an SQLite one; a
    /// job a dead process held is retaken <paramref name="invisibility"/> after its last heartbeat. The timeout slides:
    /// a running job's holder renews it (every fifth of it), so a job that runs longer than it is not taken twice.
    /// </summary>
    internal static void AddJobStorage(IServiceCollection services, StoreLocation location, TimeSpan invisibility) => services.AddHangfire(h =>
    {
        h.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
        if (location.Provider == StoreProvider.Postgres)
            h.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(location.Target), new PostgreSqlStorageOptions { SchemaName = "kabigate_jobs", InvisibilityTimeout = invisibility, UseSlidingInvisibilityTimeout = true });
        else
            h.UseSQLiteStorage(location.Target + ".jobs", new SQLiteStorageOptions { InvisibilityTimeout = invisibility });
    });

    /// <summary>Only the three options are known: a typo must not start a service with the defaults.</summary>
    private static void CheckArguments(string[] args)
    {
        string[] known = ["--config", "--db", "--listen"];
        for (int i = 0; i < args.Length; i++)
        {
            var name = args[i].Split('=', 2)[0];
            if (!known.Contains(name))
                throw new ModuleFormatException("serve", $"unknown argument '{args[i]}' (known: {string.Join(", ", known)})");
            if (!args[i].Contains('=', StringComparison.Ordinal) && ++i >= args.Length)
                throw new ModuleFormatException("serve", $"{name} needs a value");
        }
    }

    /// <summary><c>ADDRESS:PORT</c>, <c>[v6]:PORT</c> or <c>:PORT</c> (loopback).</summary>
    internal static (IPAddress Address, int Port) ParseListen(string listen)
    {
        int colon = listen.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(listen.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
            throw new ModuleFormatException("listen", $"'{listen}' is not ADDRESS:PORT");
        var host = listen[..colon].Trim('[', ']');
        if (host.Length == 0 || host == "localhost")
            return (IPAddress.Loopback, port);
        return IPAddress.TryParse(host, out var address) ? (address, port) : throw new ModuleFormatException("listen", $"'{host}' is not an IP address");
    }

    private static string? StartupError(Exception e) => e switch
    {
        ModuleFormatException or StoreException or IOException or UnauthorizedAccessException or OperationException => e.Message,
        System.Security.Cryptography.CryptographicException => $"the TLS certificate or key cannot be read: {e.Message}",
        _ => InputFailures.Describe(e),
    };
}

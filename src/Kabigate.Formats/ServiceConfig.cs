namespace Kabigate.Formats;

/// <summary>The configuration of <c>kabigate serve</c> (see <see cref="ServiceConfigReader"/>); paths are absolute.</summary>
/// <param name="Origin">The file it was read from, or null for the defaults.</param>
/// <param name="Db">The store (a path or postgres:// URL), or null for the default store.</param>
/// <param name="Listen">Where to listen (<c>ADDRESS:PORT</c>).</param>
/// <param name="Policy">The policy file, or null for the default policy.</param>
/// <param name="Stablelist">The stablelist, or null.</param>
/// <param name="Kmods">The registered kmods: globs over stored kmod names; every stored kmod when empty.</param>
/// <param name="AnonymousRead">Whether reading (the dashboard, GET requests) needs no token.</param>
/// <param name="RateLimit">Requests a minute per token (per client address without one).</param>
/// <param name="MaxUploadBytes">The largest upload accepted.</param>
/// <param name="Spool">Where uploads wait to be ingested, or null for a folder beside the store.</param>
/// <param name="Tls">The certificate to serve https with, or null for http.</param>
/// <param name="Watches">The watched sources.</param>
/// <param name="Webhooks">Where gate runs are posted.</param>
/// <param name="Publish">The gated repositories re-published after each gate run.</param>
/// <param name="Recipes">The rebuild recipes file (<c>rebuild --recipes</c>), or null: nothing is rebuilt.</param>
/// <param name="Headers">Headers directories the rebuilds build against (<c>rebuild --headers</c>).</param>
public sealed record ServiceConfig(string? Origin, string? Db, string Listen, string? Policy, string? Stablelist, IReadOnlyList<string> Kmods, bool AnonymousRead,
    int RateLimit, long MaxUploadBytes, string? Spool, TlsConfig? Tls, IReadOnlyList<WatchConfig> Watches, IReadOnlyList<WebhookConfig> Webhooks, IReadOnlyList<PublishConfig> Publish,
    string? Recipes = null, IReadOnlyList<string>? Headers = null)
{
    /// <summary>Where <c>serve</c> listens unless told otherwise.</summary>
    public const string DefaultListen = "127.0.0.1:8280";

    /// <summary>The retake delay unless <c>retake_after</c> says otherwise.</summary>
    public static readonly TimeSpan DefaultRetakeAfter = TimeSpan.FromMinutes(5);

    /// <summary>How long after its last sign of life a job a killed instance (or worker) held is retaken by another (Hangfire's invisibility timeout).</summary>
    public TimeSpan RetakeAfter { get; init; } = DefaultRetakeAfter;

    /// <summary>The configuration when no file is given: the default store, nothing watched, anonymous reads.</summary>
    public static ServiceConfig Default { get; } = new(null, null, DefaultListen, null, null, [], true, 600, 512L << 20, null, null, [], [], []);
}

/// <summary>A watched source.</summary>
/// <param name="Name">Its name (unique; the job's and the dashboard's).</param>
/// <param name="Source">What is watched: an RPM repository (folder or http(s) URL), <c>apt:GLOB</c>, a drop folder or a file.</param>
/// <param name="Every">How often it is polled.</param>
/// <param name="Role">What it holds: <c>kernels</c>, <c>kmods</c> or <c>any</c> (found out per package).</param>
public sealed record WatchConfig(string Name, string Source, TimeSpan Every, string Role);

/// <summary>A webhook: gate runs are POSTed to it as JSON, signed with HMAC-SHA256 of the body under the secret.</summary>
/// <param name="Url">Where.</param>
/// <param name="Secret">The shared secret.</param>
/// <param name="OnlyTransitions">Post only runs with a new break or a fix.</param>
public sealed record WebhookConfig(string Url, string Secret, bool OnlyTransitions);

/// <summary>A gated repository to re-publish after each gate run (what <c>kabigate publish-gated FROM --to TO --store</c> does).</summary>
/// <param name="From">The source repository (a folder holding repodata/).</param>
/// <param name="To">The gated repository written.</param>
public sealed record PublishConfig(string From, string To);

/// <summary>The certificate (PEM) and its key for https.</summary>
/// <param name="Certificate">The certificate file.</param>
/// <param name="Key">The key file.</param>
public sealed record TlsConfig(string Certificate, string Key);

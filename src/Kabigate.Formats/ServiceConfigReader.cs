using System.Globalization;
using Tomlyn.Syntax;

namespace Kabigate.Formats;

/// <summary>
/// Reads the service's configuration (TOML); relative paths are relative to the file:
/// <code>
/// db = "kabigate.db"                 # or postgres://…; --db wins
/// listen = "127.0.0.1:8280"          # --listen wins
/// policy = "policy.toml"             # optional, as for 'gate --policy'
/// stablelist = "kabi_stablelist"     # optional
/// kmods = ["zfs", "drbd*"]           # registered kmods (globs over stored names); default: every stored kmod
/// anonymous_read = true              # GET requests and the dashboard without a token (default true)
/// rate_limit = 600                   # requests a minute per token (per address without one)
/// max_upload_mb = 512
/// spool = "spool"                    # where uploads wait (default: beside the store)
/// recipes = "recipes.toml"           # rebuild recipes: a kmod a new kernel breaks is rebuilt by 'kabigate worker'
/// headers = ["/srv/headers"]         # headers directories the rebuilds build against (besides /usr/src)
/// retake_after = "5m"                # a job a killed instance held is retaken after this (seconds, or 30s, 15m, 1h)
///
/// [tls]
/// certificate = "server.pem"
/// key = "server.key"
///
/// [[watch]]
/// name = "debian-6.1"
/// source = "apt:linux-headers-6.1.0-*-amd64"   # or a repository folder or URL, a drop folder, a file
/// every = "1h"                                 # 30s, 15m, 1h, 1d
/// role = "kernels"                             # kernels, kmods or any (default)
///
/// [[webhook]]
/// url = "https://ci.example.com/kabigate"
/// secret_file = "webhook.secret"               # or secret = "…"
/// only_transitions = false
///
/// [[publish]]
/// from = "/srv/repo/el9"
/// to = "/srv/repo/el9-gated"
/// </code>
/// </summary>
public static class ServiceConfigReader
{
    private static readonly string[] TopKeys = ["db", "listen", "policy", "stablelist", "kmods", "anonymous_read", "rate_limit", "max_upload_mb", "spool", "recipes", "headers", "retake_after"];
    private static readonly string[] Roles = ["kernels", "kmods", "any"];

    /// <summary>The shortest and longest retake delays accepted.</summary>
    public static readonly (TimeSpan Min, TimeSpan Max) RetakeBounds = (TimeSpan.FromSeconds(5), TimeSpan.FromDays(1));

    /// <summary>The shortest poll interval accepted.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(5);

    /// <summary>Reads a configuration file.</summary>
    /// <exception cref="ModuleFormatException">The file is malformed; the message is <c>file:line: reason</c>.</exception>
    /// <exception cref="IOException">The file, or a secret file it names, cannot be read.</exception>
    public static ServiceConfig Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new ModuleFormatException(path, "no such configuration file");
        return Parse(InputFiles.ReadAllText(path, InputLimits.MaxPolicyBytes), path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses configuration text; paths are resolved against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ModuleFormatException">The text is malformed or over a limit.</exception>
    public static ServiceConfig Parse(string text, string sourceName, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > InputLimits.MaxPolicyBytes)
            throw new ModuleFormatException(sourceName, Messages.InputExceeds(InputLimits.MaxPolicyBytes));
        var document = TomlText.Parse(text, sourceName, "tables");
        var config = ServiceConfig.Default with { Origin = sourceName };
        var file = new Reader(sourceName, baseDirectory);
        foreach (var item in document.KeyValues)
        {
            var (key, line) = file.Key(item);
            config = key switch
            {
                "db" => config with { Db = file.DbOrPath(item) },
                "listen" => config with { Listen = file.String(item) },
                "policy" => config with { Policy = file.Path(item) },
                "stablelist" => config with { Stablelist = file.Path(item) },
                "kmods" => config with { Kmods = file.Strings(item) },
                "anonymous_read" => config with { AnonymousRead = file.Bool(item) },
                "rate_limit" => config with { RateLimit = (int)file.Integer(item, 1, 1_000_000) },
                "max_upload_mb" => config with { MaxUploadBytes = file.Integer(item, 1, 64 * 1024) << 20 },
                "spool" => config with { Spool = file.Path(item) },
                "recipes" => config with { Recipes = file.Path(item) },
                "headers" => config with { Headers = [.. file.Strings(item).Select(file.Resolve)] },
                "retake_after" => config with { RetakeAfter = file.Duration(item, RetakeBounds.Min, RetakeBounds.Max) },
                _ => throw TomlText.Error(sourceName, line, $"unknown key '{key}' (known: {string.Join(", ", TopKeys)}, and [tls], [[watch]], [[webhook]], [[publish]] tables)"),
            };
        }
        var watches = new List<WatchConfig>();
        var webhooks = new List<WebhookConfig>();
        var publish = new List<PublishConfig>();
        foreach (var table in document.Tables)
        {
            var name = table.Name?.ToString().Trim();
            int line = table.Span.Start.Line;
            switch (name)
            {
                case "watch" when table is TableArraySyntax:
                    var watch = Watch(table, file);
                    if (watches.Any(w => w.Name == watch.Name))
                        throw TomlText.Error(sourceName, line, $"a watched source named '{watch.Name}' is configured twice");
                    watches.Add(watch);
                    break;
                case "webhook" when table is TableArraySyntax:
                    webhooks.Add(Webhook(table, file));
                    break;
                case "publish" when table is TableArraySyntax:
                    var values = file.Table(table, ["from", "to"]);
                    publish.Add(new PublishConfig(file.Resolve(values["from"]), file.Resolve(values["to"])));
                    break;
                case "tls" when table is not TableArraySyntax:
                    var tls = file.Table(table, ["certificate", "key"]);
                    config = config with { Tls = new TlsConfig(file.Resolve(tls["certificate"]), file.Resolve(tls["key"])) };
                    break;
                default:
                    throw TomlText.Error(sourceName, line, $"unknown table '{name}' (known: [tls], [[watch]], [[webhook]], [[publish]])");
            }
        }
        return config with { Watches = watches, Webhooks = webhooks, Publish = publish };
    }

    /// <summary>Parses an interval: a number and a unit (<c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>).</summary>
    public static TimeSpan? ParseInterval(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > 100_000)
            return null;
        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(count),
            'm' => TimeSpan.FromMinutes(count),
            'h' => TimeSpan.FromHours(count),
            'd' => TimeSpan.FromDays(count),
            _ => null,
        };
    }

    private static WatchConfig Watch(TableSyntaxBase table, Reader file)
    {
        var values = file.Table(table, ["name", "source", "every", "role"], optional: ["role"]);
        int line = table.Span.Start.Line;
        var every = ParseInterval(values["every"]) ?? throw TomlText.Error(file.SourceName, line, $"'every' must be a number and a unit (30s, 15m, 1h, 1d), not '{values["every"]}'");
        if (every < MinimumInterval)
            throw TomlText.Error(file.SourceName, line, $"'every' must be at least {MinimumInterval.TotalSeconds} s");
        var role = values.GetValueOrDefault("role", "any");
        if (!Roles.Contains(role))
            throw TomlText.Error(file.SourceName, line, $"'role' must be one of {string.Join(", ", Roles)}, not '{role}'");
        var source = values["source"];
        if (!source.StartsWith("apt:", StringComparison.Ordinal) && !source.Contains("://", StringComparison.Ordinal))
            source = file.Resolve(source);
        return new WatchConfig(values["name"], source, every, role);
    }

    private static WebhookConfig Webhook(TableSyntaxBase table, Reader file)
    {
        var values = file.Table(table, ["url", "secret", "secret_file", "only_transitions"], optional: ["secret", "secret_file", "only_transitions"]);
        int line = table.Span.Start.Line;
        if (!Uri.TryCreate(values["url"], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw TomlText.Error(file.SourceName, line, $"'url' must be an http(s) URL, not '{values["url"]}'");
        string secret = (values.ContainsKey("secret"), values.ContainsKey("secret_file")) switch
        {
            (true, false) => values["secret"],
            (false, true) => InputFiles.ReadAllText(file.Resolve(values["secret_file"]), 64 * 1024).Trim(),
            _ => throw TomlText.Error(file.SourceName, line, "a webhook needs one of 'secret' and 'secret_file'"),
        };
        if (secret.Length < 16)
            throw TomlText.Error(file.SourceName, line, "a webhook's secret must be at least 16 characters");
        bool only = values.GetValueOrDefault("only_transitions", "false") == "true";
        return new WebhookConfig(url.AbsoluteUri, secret, only);
    }

    private sealed class Reader(string sourceName, string baseDirectory)
    {
        public string SourceName => sourceName;

        public (string Key, int Line) Key(KeyValueSyntax item) => (item.Key?.ToString().Trim().Trim('"') ?? "", item.Span.Start.Line);

        public string String(KeyValueSyntax item) =>
            item.Value is StringValueSyntax { Value: { } value }
                ? value
                : throw TomlText.Error(sourceName, item.Span.Start.Line, $"'{Key(item).Key}' must be a string");

        public string Path(KeyValueSyntax item) => Resolve(String(item));

        public string DbOrPath(KeyValueSyntax item)
        {
            var value = String(item);
            return value.Contains("://", StringComparison.Ordinal) ? value : Resolve(value);
        }

        public string Resolve(string path) => System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, path));

        public bool Bool(KeyValueSyntax item) =>
            item.Value is BooleanValueSyntax b ? b.Value : throw TomlText.Error(sourceName, item.Span.Start.Line, $"'{Key(item).Key}' must be true or false");

        public long Integer(KeyValueSyntax item, long min, long max) =>
            item.Value is IntegerValueSyntax { Value: var v } && v >= min && v <= max
                ? v
                : throw TomlText.Error(sourceName, item.Span.Start.Line, $"'{Key(item).Key}' must be a whole number from {min} to {max}");

        /// <summary>A duration: whole seconds, or a number and a unit as for <c>every</c>, within the bounds.</summary>
        public TimeSpan Duration(KeyValueSyntax item, TimeSpan min, TimeSpan max)
        {
            TimeSpan? value = item.Value switch
            {
                IntegerValueSyntax { Value: var v } when v is >= 0 and <= 100_000_000 => TimeSpan.FromSeconds(v),
                StringValueSyntax { Value: { } text } => ParseInterval(text),
                _ => null,
            };
            return value is { } d && d >= min && d <= max
                ? d
                : throw TomlText.Error(sourceName, item.Span.Start.Line, $"'{Key(item).Key}' must be seconds or a number and a unit (30s, 15m, 1h, 1d) from {min.TotalSeconds} s to {max.TotalDays} d");
        }

        public List<string> Strings(KeyValueSyntax item)
        {
            if (item.Value is not ArraySyntax array)
                throw TomlText.Error(sourceName, item.Span.Start.Line, $"'{Key(item).Key}' must be an array of strings");
            var values = new List<string>();
            foreach (var element in array.Items)
            {
                if (element.Value is not StringValueSyntax { Value: { } value })
                    throw TomlText.Error(sourceName, item.Span.Start.Line, $"'{Key(item).Key}' must be an array of strings");
                values.Add(value);
            }
            return values;
        }

        /// <summary>A table's keys as strings (booleans as <c>true</c>/<c>false</c>); unknown and missing keys are errors.</summary>
        public Dictionary<string, string> Table(TableSyntaxBase table, string[] known, string[]? optional = null)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            string name = table.Name?.ToString().Trim() ?? "";
            foreach (var item in table.Items)
            {
                var (key, line) = Key(item);
                if (!known.Contains(key))
                    throw TomlText.Error(sourceName, line, $"unknown key '{key}' in [{name}] (known: {string.Join(", ", known)})");
                if (!values.TryAdd(key, item.Value is BooleanValueSyntax b ? (b.Value ? "true" : "false") : String(item)))
                    throw TomlText.Error(sourceName, line, $"'{key}' is given twice");
            }
            foreach (var key in known.Except(optional ?? []))
            {
                if (!values.TryGetValue(key, out var value) || value.Length == 0)
                    throw TomlText.Error(sourceName, table.Span.Start.Line, $"[{name}] needs '{key}'");
            }
            return values;
        }
    }
}

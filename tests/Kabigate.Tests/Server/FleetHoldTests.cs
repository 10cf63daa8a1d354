using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kabigate.App.Service;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Server;

/// <summary>
/// <c>POST /api/v1/hold</c> for fleets: a machine reports its packages as rpm lists them (the dnf world's install root,
/// read with rpm itself), and the service answers what the CLI's <c>hold</c> answers on that machine.
/// </summary>
[Trait("Category", "RealData")]
[Collection("service")]
public class FleetHoldTests(DnfWorld world) : IClassFixture<DnfWorld>
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public async Task APackagesQuestion_GetsTheClisHoldAnswer_InUseToo()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        string[] repos = ["--repo", world.Repo("base-hold"), "--repo", world.Repo("updates-hold"), "--installroot", root.InstallRoot];
        var installed = Installed(root);
        var candidates = new JsonArray([.. new[] { "base-hold", "updates-hold" }.SelectMany(r => Directory.EnumerateFiles(world.Repo(r), "kernel-core-*.rpm")).Order(StringComparer.Ordinal).Select(Offered)]);
        using var temp = new TempDirectory();
        await using var service = await TestService.Start(temp.Path);

        var cli = CliRunner.Run(["hold", .. repos, "--format", "json"]);
        Assert.Equal(1, cli.Exit);
        var api = await Hold(service, new JsonObject { ["installed"] = installed, ["candidates"] = candidates });
        Assert.Equal(HttpStatusCode.OK, api.Status);
        AssertSameAnswer(JsonNode.Parse(cli.Stdout)!, api.Body);
        Assert.Contains(api.Body["kernels"]!.AsArray(), k => (string?)k!["verdict"] == "held");

        // loaded: what --in-use --proc-modules does with the machine's /proc/modules.
        foreach (var loaded in new[] { new[] { "ext4", "snd" }, ["ext4", "kg_crcchange"] })
        {
            var proc = temp.Combine($"modules-{loaded[^1]}");
            File.WriteAllLines(proc, loaded.Select(m => $"{m} 16384 0 - Live 0x0000000000000000"));
            cli = CliRunner.Run(["hold", .. repos, "--in-use", "--proc-modules", proc, "--format", "json"]);
            api = await Hold(service, new JsonObject { ["installed"] = installed.DeepClone(), ["candidates"] = candidates.DeepClone(), ["loaded"] = new JsonArray([.. loaded.Select(m => JsonValue.Create(m))]) });
            AssertSameAnswer(JsonNode.Parse(cli.Stdout)!, api.Body);
            Assert.Equal(loaded[^1] == "kg_crcchange" ? 1 : 0, cli.Exit);
        }
    }

    [RealDataFact("dnf", "rpm", "rpmbuild", "createrepo_c")]
    public async Task StoredKernels_AreCandidates_JudgedByTheirStoredExports()
    {
        var root = world.NewRoot("base-hold", "updates-hold");
        var installed = Installed(root);
        using var temp = new TempDirectory();
        await using var service = await TestService.Start(temp.Path);
        foreach (var release in new[] { Data.OldRelease, Data.NewRelease })
            Assert.Equal(0, CliRunner.Run("ingest", "--db", service.Db, Data.HeadersDeb(release)).Exit);

        var (status, body) = await Hold(service, new JsonObject { ["installed"] = installed, ["kernels"] = new JsonArray(Data.OldRelease, Data.NewRelease) });
        Assert.Equal(HttpStatusCode.OK, status);
        var kernels = body["kernels"]!.AsArray().ToDictionary(k => (string)k!["release"]!);
        Assert.Equal([Data.OldRelease, Data.NewRelease], kernels.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("allowed", (string?)kernels[Data.OldRelease]!["verdict"]);
        Assert.Equal("held", (string?)kernels[Data.NewRelease]!["verdict"]);
        Assert.Equal("store", (string?)kernels[Data.NewRelease]!["origin"]);
        Assert.Equal(Data.OldRelease, (string?)body["newest"]!["release"]);

        // The CLI judges the same new ABI from its kernel-core package (vmlinux's kernel(sym) provides): every unmet
        // vmlinux requirement it finds, the stored kernel finds with the same CRCs, and no other.
        var cli = JsonNode.Parse(CliRunner.Run("hold", "--repo", world.Repo("updates-hold"), "--installroot", root.InstallRoot, "--format", "json").Stdout)!;
        var cliNew = cli["kernels"]!.AsArray().Single(k => ((string)k!["release"]!).StartsWith(Data.NewRelease.Split('-')[0] + "-" + Data.NewRelease.Split('-')[1] + ".", StringComparison.Ordinal))!;
        static HashSet<string> Vmlinux(IEnumerable<string> unmet) => [.. unmet.Where(u => u.StartsWith("kernel(", StringComparison.Ordinal))];
        var storedUnmet = Unmet(kernels[Data.NewRelease]!);
        Assert.NotEmpty(Vmlinux(storedUnmet));
        Assert.Equal(Vmlinux(Unmet(cliNew)), Vmlinux(storedUnmet));

        // Neither kernels nor candidates: the newest stored release of each line.
        (status, body) = await Hold(service, new JsonObject { ["installed"] = installed.DeepClone() });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([Data.NewRelease], body["kernels"]!.AsArray().Select(k => (string)k!["release"]!));
    }

    [Fact]
    public async Task ABadQuestion_IsAOneLine4xx()
    {
        using var temp = new TempDirectory();
        await using var service = await TestService.Start(temp.Path);
        async Task<(HttpStatusCode, string)> Post(string body, string type = "application/json")
        {
            var response = await service.Client.PostAsync("/api/v1/hold", new StringContent(body, Encoding.UTF8, type));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var kmod = """{"name": "kmod-x", "epoch": null, "version": "1", "release": "1", "arch": "x86_64", "provides": [], "requires": ["kernel(printk) = 0x12345678"], "files": []}""";
        var cases = new (string Body, HttpStatusCode Status, string Error)[]
        {
            ("not json", HttpStatusCode.BadRequest, "the body is not a hold query: "),
            ("{}", HttpStatusCode.BadRequest, "the body is not a hold query: "),
            ("""{"installed": [], "colonel": 1}""", HttpStatusCode.BadRequest, "the body is not a hold query: "),
            ("""{"installed": [{"name": "x"}]}""", HttpStatusCode.BadRequest, "the body is not a hold query: "),
            ($$"""{"installed": [{{kmod}}]}""", HttpStatusCode.BadRequest, "no candidate kernel: "),
            ($$"""{"installed": [{{kmod}}], "kernels": ["9.9.9-1-amd64"]}""", HttpStatusCode.BadRequest, "9.9.9-1-amd64: no such kernel in the store"),
            ($$"""{"installed": [{{kmod}}], "candidates": [{{kmod}}]}""", HttpStatusCode.BadRequest, "candidates: kmod-x-1-1.x86_64 is not a kernel package"),
            ($$"""{"installed": [{{kmod.Replace("\"1\", \"arch\"", "\"1 2\", \"arch\"", StringComparison.Ordinal)}}], "kernels": []}""", HttpStatusCode.BadRequest, "installed[0].release: '1 2' is not a package field"),
            ($$"""{"installed": [{{kmod.Replace("\"epoch\": null", "\"epoch\": -1", StringComparison.Ordinal)}}], "kernels": []}""", HttpStatusCode.BadRequest, "installed[0].epoch: -1 is negative"),
            ($$"""{"installed": [{{kmod}}], "kernels": [""]}""", HttpStatusCode.BadRequest, "kernels[0]: empty"),
            (new string('[', 100) + new string(']', 100), HttpStatusCode.BadRequest, "the body is not a hold query: "),
            ("{\"installed\": []}", HttpStatusCode.UnsupportedMediaType, "the body must be JSON"),
        };
        foreach (var (body, expected, error) in cases)
        {
            var (status, text) = await Post(body, expected == HttpStatusCode.UnsupportedMediaType ? "text/plain" : "application/json");
            Assert.True(expected == status, $"{body}: {status} {text}");
            var line = text.TrimEnd('\n');
            Assert.DoesNotContain('\n', line);
            Assert.StartsWith("{\"error\":\"" + error, line, StringComparison.Ordinal);
        }

        // Without anonymous reads, a machine needs a token.
        await using var closed = await TestService.Start(Directory.CreateDirectory(temp.Combine("closed")).FullName, "anonymous_read = false\n");
        var refused = await closed.Client.PostAsync("/api/v1/hold", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> Hold(TestService service, JsonObject question)
    {
        var response = await service.Client.PostAsync("/api/v1/hold", new StringContent(question.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (response.StatusCode, JsonNode.Parse(text)!);
    }

    /// <summary>The same verdicts, reasons, packages and unmet requirements; only where the packages were found differs.</summary>
    private static void AssertSameAnswer(JsonNode cli, JsonNode api)
    {
        static JsonNode Without(JsonNode node, params string[] keys)
        {
            var copy = node.DeepClone();
            foreach (var item in copy.AsObject().Where(p => keys.Contains(p.Key)).Select(p => p.Key).ToList())
                copy.AsObject().Remove(item);
            return copy;
        }

        Assert.Equal("hold", (string?)api["command"]);
        foreach (var key in new[] { "schema", "judged", "not_judged", "newest" })
            Assert.Equal(cli[key]?.ToJsonString(), api[key]?.ToJsonString());
        Assert.Equal(cli["kernels"]!.AsArray().Select(k => Without(k!, "origin").ToJsonString()), api["kernels"]!.AsArray().Select(k => Without(k!, "origin").ToJsonString()));
        Assert.Equal(cli["excludes"]!.AsArray().Select(e => (string?)e!["package"]!["nevra"] + " " + (string?)e["reason"]),
            api["excludes"]!.AsArray().Select(e => (string?)e!["package"]!["nevra"] + " " + (string?)e["reason"]));
    }

    private static HashSet<string> Unmet(JsonNode kernel) =>
        [.. kernel["broken"]!.AsArray().SelectMany(b => b!["unmet"]!.AsArray()).Select(u => $"{u!["requirement"]} has {u["available"]}")];

    /// <summary>The machine's installed packages, as an agent reads them from rpm.</summary>
    private static JsonArray Installed(DnfRoot root)
    {
        var rows = Tools.RunOk("rpm", "--root", root.InstallRoot, "-qa", "--qf", Fields).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new JsonArray([.. rows.Order(StringComparer.Ordinal).Select(row =>
        {
            var nevra = row.Split('\t')[5];
            return Package(row, Lines("rpm", "--root", root.InstallRoot, "-q", "--provides", nevra), Lines("rpm", "--root", root.InstallRoot, "-q", "--requires", nevra),
                Lines("rpm", "--root", root.InstallRoot, "-ql", nevra).Where(f => f.StartsWith('/')).ToList());
        })]);
    }

    /// <summary>A repository's kernel package, as the agent reads it from the file dnf would install.</summary>
    private static JsonNode Offered(string rpm) =>
        Package(Tools.RunOk("rpm", "-qp", "--qf", Fields, rpm).Trim('\n'), Lines("rpm", "-qp", "--provides", rpm), Lines("rpm", "-qp", "--requires", rpm), []);

    private const string Fields = "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{NEVRA}\\n";

    private static JsonNode Package(string row, List<string> provides, List<string> requires, List<string> files)
    {
        var f = row.Split('\t');
        return new JsonObject
        {
            ["name"] = f[0],
            ["epoch"] = f[1] == "(none)" ? null : int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture),
            ["version"] = f[2],
            ["release"] = f[3],
            ["arch"] = f[4],
            ["provides"] = new JsonArray([.. provides.Select(p => JsonValue.Create(p))]),
            ["requires"] = new JsonArray([.. requires.Select(p => JsonValue.Create(p))]),
            ["files"] = new JsonArray([.. files.Select(p => JsonValue.Create(p))]),
        };
    }

    private static List<string> Lines(string tool, params string[] args) => [.. Tools.RunOk(tool, args).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
}

using System.Text.Json;
using Kabigate.Tests.Cli;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>The CI gate on a real kernel with the real test kmods, its JUnit read by a JUnit parser CI tools use.</summary>
[Trait("Category", "RealData")]
public class GateTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string NewKernel => Data.HeadersDeb(Data.NewRelease);

    private static JsonElement Kmod(JsonElement report, string name) =>
        report.GetProperty("kernels")[0].GetProperty("kmods").EnumerateArray().Single(k => k.GetProperty("name").GetString() == name);

    [RealDataFact("python3")]
    public void TheGate_FailsOnTheKmodsTheLoaderRefuses_AndWritesJUnitACiParserReads()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var junit = Path.Combine(dir, "gate.xml");
        var (exit, _, stderr) = CliRunner.Run("gate", "--kernel", NewKernel, "--kmods", Data.KmodDir(Data.NewRelease), "--format", "junit", "--output", junit);
        Assert.Equal(1, exit);
        Assert.Contains("gate FAILED: report written to", stderr, StringComparison.Ordinal);

        // python3-junitparser is what CI result publishers (e.g. publish-unit-test-result-action) read JUnit with.
        var script = """
            import sys, junitparser
            xml = junitparser.JUnitXml.fromfile(sys.argv[1])
            for suite in xml:
                print("suite", suite.name, suite.tests, suite.failures)
                for case in suite:
                    print("case", case.name, "fail" if not case.is_passed else "pass", ",".join(r.type for r in case.result))
            """;
        var parsed = Tools.RunOk("/usr/bin/python3", "-c", script, junit).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"suite kABI gate {Data.NewRelease} 7 2", parsed[0]);
        Assert.Equal(
            ["case kg_consumer pass ", "case kg_crcchange pass ", "case kg_noversions pass ", "case kg_nsmissing fail namespace-not-imported", "case kg_proprietary fail gpl-only", "case kg_provider pass ", "case kg_stable pass "],
            parsed.Skip(1));
    }

    [RealDataFact]
    public void AKmodBuiltForAnOlderKernel_FailsTheGate_NamingItsSymbols()
    {
        var (exit, stdout, _) = CliRunner.Run("gate", "--kernel", NewKernel, "--kmods", Data.Kmod(Data.OldRelease, "kg_crcchange"), "--format", "json");
        Assert.Equal(1, exit);
        var kmod = Kmod(JsonDocument.Parse(stdout).RootElement, "kg_crcchange");
        Assert.Equal("fails", kmod.GetProperty("outcome").GetString());
        var symbols = kmod.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("problem").GetProperty("symbol").GetString()).ToList();
        Assert.Contains("module_layout", symbols);
        Assert.Contains("misc_register", symbols);
    }

    [RealDataFact]
    public void Waivers_AndRules_LetTheGatePass_AndTheReportNamesThem()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var stablelist = Path.Combine(dir, "kabi_stablelist_x86_64");
        File.WriteAllText(stablelist, "[rhel9_x86_64_stablelist]\n\tkg_provider_ns_answer\n");
        var policy = Path.Combine(dir, "policy.toml");
        File.WriteAllText(policy, """
            stablelist = "kabi_stablelist_x86_64"
            severities = '''
            SYMBOL kg_provider_answer PASS
            SYMBOL never_used_* FAIL
            '''

            [[waiver]]
            kmod = "kg_nsmissing"
            owner = "test-team"
            reason = "imports the namespace in the next release"
            expires = 2099-12-31
            """);
        var (exit, stdout, stderr) = CliRunner.Run("gate", "--kernel", NewKernel, "--kmods", Data.KmodDir(Data.NewRelease), "--policy", policy, "--format", "json");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"{policy}:4: WARNING: Severity rule 'SYMBOL never_used_* FAIL' is unused", stderr, StringComparison.Ordinal);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.True(report.GetProperty("passed").GetBoolean());
        var waived = Kmod(report, "kg_nsmissing");
        Assert.Equal("tolerated", waived.GetProperty("outcome").GetString());
        var problem = waived.GetProperty("problems")[0];
        Assert.True(problem.GetProperty("problem").GetProperty("stablelisted").GetBoolean());
        Assert.Contains("test-team: imports the namespace in the next release", problem.GetProperty("waiver").GetString(), StringComparison.Ordinal);
        Assert.Contains("PASS by rule 'SYMBOL kg_provider_answer PASS'", Kmod(report, "kg_proprietary").GetProperty("problems")[0].GetProperty("policy").GetString(), StringComparison.Ordinal);

        File.WriteAllText(policy, File.ReadAllText(policy).Replace("2099-12-31", "2020-01-01", StringComparison.Ordinal));
        var expired = CliRunner.Run("gate", "--kernel", NewKernel, "--kmods", Data.KmodDir(Data.NewRelease), "--policy", policy, "--format", "text");
        Assert.Equal(1, expired.Exit);
        Assert.Contains("expired and no longer applies", expired.Stdout, StringComparison.Ordinal);
    }

    [RealDataFact]
    public void APolicyThatDoesNotParse_FailsTheGateClosed()
    {
        using var temp = new TempDirectory();
        var policy = temp.Combine("policy.toml");
        File.WriteAllText(policy, "[[waiver]]\nkmod = \"x\"\n");
        var (exit, stdout, stderr) = CliRunner.Run("gate", "--kernel", NewKernel, "--kmods", Data.KmodDir(Data.NewRelease), "--policy", policy, "--format", "junit");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal($"kabigate: ERROR: {policy}:1: a waiver must name its 'owner'\n", stderr);
    }

    [RealDataFact]
    public void TheGate_ReadsRegisteredKmodsFromTheStore_AndTakesTheBuildThatLoads()
    {
        using var store = TestStore.Create(TestStore.Sqlite);
        Assert.Equal(0, CliRunner.Run("ingest", "--db", store.Db, "--kmods", Data.KmodDir(Data.OldRelease), "--kmods", Data.KmodDir(Data.NewRelease)).Exit);
        var fromStore = CliRunner.Run("gate", "--kernel", NewKernel, "--store", "--db", store.Db, "--format", "json");
        var fromFiles = CliRunner.Run("gate", "--kernel", NewKernel, "--kmods", Data.KmodDir(Data.OldRelease), "--kmods", Data.KmodDir(Data.NewRelease), "--format", "json");
        Assert.Equal(fromFiles.Exit, fromStore.Exit);
        string Outcomes(string json) => string.Join(" ", JsonDocument.Parse(json).RootElement.GetProperty("kernels")[0].GetProperty("kmods").EnumerateArray()
            .Select(k => $"{k.GetProperty("name").GetString()}:{k.GetProperty("outcome").GetString()}:{k.GetProperty("build").GetProperty("built_for").GetString()}:{k.GetProperty("builds_tried").GetInt32()}"));
        Assert.Equal(Outcomes(fromFiles.Stdout), Outcomes(fromStore.Stdout));
        Assert.Contains($"kg_stable:loads:{Data.NewRelease}:2", Outcomes(fromStore.Stdout), StringComparison.Ordinal);
    }

    [RealDataFact]
    public void NoKmods_IsAnError()
    {
        var (exit, _, stderr) = CliRunner.Run("gate", "--kernel", NewKernel);
        Assert.Equal(2, exit);
        Assert.Contains("no kmods registered", stderr, StringComparison.Ordinal);
    }
}

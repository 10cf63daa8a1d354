using System.Text.Json;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Cli;

/// <summary>The rebuild verb's formats and errors, in process, on the real test data (plans only: no build runs here).</summary>
[Trait("Category", "RealData")]
public class RebuildCliTests
{
    private static readonly Support.RealData Data = Support.RealData.Instance;

    private static string[] PlanArgs(string format) =>
    [
        "rebuild", "plan", "--recipe", Path.Combine(SourceTree.Root, "tests", "kmods", "kg_stable"),
        "--kmods", Data.Kmod(Data.OldRelease, "kg_stable"),
        "--kernels", Data.HeadersDeb(Data.OldRelease), Data.HeadersDeb(Data.NewRelease), "--format", format,
    ];

    [RealDataFact]
    public void Plan_Json_CiMatrix_AndKmodtool_SayTheSamePlan()
    {
        var (exit, stdout, stderr) = CliRunner.Run(PlanArgs("json"));
        Assert.Equal((0, ""), (exit, stderr));
        using var plan = JsonDocument.Parse(stdout);
        Assert.Equal(2, plan.RootElement.GetProperty("schema").GetInt32());
        Assert.Equal(1, plan.RootElement.GetProperty("builds").GetInt32());
        var items = plan.RootElement.GetProperty("recipes")[0].GetProperty("items");
        Assert.Equal(["reuse", "build"], items.EnumerateArray().Select(i => i.GetProperty("action").GetString()));
        Assert.Equal(Data.NewRelease, items[1].GetProperty("build_on").GetString());

        (exit, stdout, stderr) = CliRunner.Run(PlanArgs("ci-matrix"));
        Assert.Equal((0, ""), (exit, stderr));
        using var matrix = JsonDocument.Parse(stdout);
        var entry = Assert.Single(matrix.RootElement.GetProperty("include").EnumerateArray());
        Assert.Equal(("kg_stable", Data.NewRelease, Data.NewRelease), (entry.GetProperty("kmod").GetString(), entry.GetProperty("kernel").GetString(), entry.GetProperty("covers").GetString()));

        (exit, stdout, stderr) = CliRunner.Run(PlanArgs("kmodtool"));
        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal($"kg_stable\t--define 'kmod_kernel_version {Data.NewRelease}'\t# serves {Data.NewRelease}\nkg_stable\t--for-kernels \"{Data.NewRelease}\"\n", stdout);
    }

    [RealDataFact]
    public void Plan_MalformedRecipesFile_IsOneLineError_Exit2()
    {
        using var temp = new TempDirectory();
        var file = temp.Combine("recipes.toml");
        File.WriteAllText(file, "[[recipe]]\npath = \"x\"\nscript = \"rm -rf /\"\n");
        var (exit, stdout, stderr) = CliRunner.Run("rebuild", "plan", "--recipes", file, "--kernels", Data.HeadersDeb(Data.NewRelease));
        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal($"kabigate: ERROR: {file}:3: unknown recipe key 'script' (known: name, kind, path, modules, make_args)\n", stderr);
    }

    [RealDataFact]
    public void Plan_HostileDkmsConf_IsOneLineError_Exit2_AndNothingRuns()
    {
        using var temp = new TempDirectory();
        var tree = Directory.CreateDirectory(temp.Combine("evil")).FullName;
        var marker = temp.Combine("ran");
        File.WriteAllText(Path.Combine(tree, "dkms.conf"), $"PACKAGE_NAME=evil\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=evil\ntouch {marker}\n");
        var (exit, stdout, stderr) = CliRunner.Run("rebuild", "plan", "--recipe", tree, "--kernels", Data.HeadersDeb(Data.NewRelease));
        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal($"kabigate: ERROR: {tree}/dkms.conf:4: 'touch' is not an assignment: kabigate reads dkms.conf's NAME=value lines and never runs it | touch {marker}\n", stderr);
        Assert.False(File.Exists(marker));
    }
}

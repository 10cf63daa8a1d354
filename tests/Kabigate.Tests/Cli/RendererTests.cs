using System.Collections.Immutable;
using System.Text.Json;
using Kabigate.Abi;
using Kabigate.App.Json;
using Kabigate.App.Operations;
using Kabigate.Cli.Rendering;
using Kabigate.Store;

namespace Kabigate.Tests.Cli;

/// <summary>The renderers on result models built here: exact text, and the JSON contract's shapes.</summary>
public class RendererTests
{
    private const string Magic47 = "6.1.0-47-amd64 SMP preempt mod_unload modversions ";
    private const string Magic56 = "6.1.0-56-amd64 SMP preempt mod_unload modversions ";

    private static readonly KernelExport[] Exports47 =
    [
        new("module_layout", 0x160c03af, "vmlinux", ExportKind.Plain, null),
        new("misc_register", 0xf2c48af4, "vmlinux", ExportKind.Plain, null),
    ];

    private static readonly KernelExport[] Exports56 =
    [
        new("module_layout", 0x160c03af, "vmlinux", ExportKind.Plain, null),
        new("misc_register", 0x844c8938, "vmlinux", ExportKind.Plain, null),
    ];

    private static KernelAbi Kernel(string release, KernelExport[] exports, string vermagic) =>
        new(release, exports, $"/k/{release}", vermagic, "unknown", new LoaderConfig(false, false));

    private static ModuleImage Module(string name) => new()
    {
        Path = $"/m/{name}.ko",
        Name = name,
        Elf = new ElfIdentity(true, false, ElfIdentity.MachineX86_64),
        Modinfo = [new("license", "GPL"), new("name", name), new("vermagic", Magic47)],
        Imports = [new ModuleImport("misc_register", false)],
        Exports = [],
        BasicVersions = [new SymbolVersion("module_layout", 0x160c03af), new SymbolVersion("misc_register", 0xf2c48af4)],
        ExtendedVersions = [],
        VersionTables = ModversionTables.Basic,
        Signed = false,
    };

    private static StoredKernel Stored(long id, string release) =>
        new(id, release, "6.1.0-*-amd64", "hash" + id, id, 2, release == "6.1.0-47-amd64" ? Magic47 : Magic56, "/k/" + release, DateTimeOffset.UnixEpoch, 1);

    private static StoredKmod StoredKmod(long id, string name) => new(id, name, "kh" + id, Magic47, "GPL", "/src", $"/m/{name}.ko", DateTimeOffset.UnixEpoch);

    private static MatrixResult Matrix()
    {
        var kernels = new[] { Kernel("6.1.0-47-amd64", Exports47, Magic47), Kernel("6.1.0-56-amd64", Exports56, Magic56) };
        var verdicts = Gate.CheckBySource(kernels, [Module("kg_crcchange")], ["/src"]);
        return new MatrixResult("test.db", [StoredKmod(7, "kg_crcchange")], [Stored(1, "6.1.0-47-amd64"), Stored(2, "6.1.0-56-amd64")], verdicts, CheckOutcome.SomeFail);
    }

    [Fact]
    public void MatrixText_NamesKernelsByColumn_AndTheFirstProblemInAFailingCell()
    {
        Assert.Equal(
            "K1 = 6.1.0-47-amd64\n" +
            "K2 = 6.1.0-56-amd64\n" +
            "ID  KMOD          BUILT FOR       K1  K2\n" +
            "7   kg_crcchange  6.1.0-47-amd64  ok  crc-mismatch\n" +
            "1 of 2 (kmod, kernel) pairs load; a failing cell shows the first problem's kind\n",
            MatrixReport.Text(Matrix()));
    }

    [Fact]
    public void MatrixJson_IsTheSharedShape_KernelsThenRowsOfVerdicts()
    {
        var writer = new StringWriter();
        MatrixReport.Json(writer, Matrix());
        using var json = JsonDocument.Parse(writer.ToString());
        var root = json.RootElement;
        Assert.Equal(JsonShapes.Schema, root.GetProperty("schema").GetInt32());
        Assert.Equal(["id", "release", "line", "source", "vermagic", "exports", "content_hash", "ingested", "conflicting"],
            root.GetProperty("kernels")[0].EnumerateObject().Select(p => p.Name));
        var row = root.GetProperty("rows")[0];
        Assert.Equal(["id", "name", "path", "built_for", "vermagic", "license", "source", "content_hash", "ingested"], row.GetProperty("kmod").EnumerateObject().Select(p => p.Name));
        var problem = row.GetProperty("verdicts")[1].GetProperty("problems")[0];
        Assert.Equal(["kind", "symbol", "expected", "found", "message", "exporter", "from", "stablelisted"], problem.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("crc-mismatch", "0x844c8938", "0xf2c48af4", "vmlinux"),
            (problem.GetProperty("kind").GetString(), problem.GetProperty("expected").GetString(), problem.GetProperty("found").GetString(), problem.GetProperty("from").GetString()));
        Assert.True(row.GetProperty("verdicts")[0].GetProperty("loads").GetBoolean());
    }

    [Fact]
    public void CompatibleAndKmodsFor_UseTheMatrixShape()
    {
        var matrix = Matrix();
        var compatible = VerdictDocuments.Compatible(new CompatibleResult([Module("kg_crcchange")], [matrix.Kmods[0]], matrix.Kernels, matrix.Verdicts, CheckOutcome.AllLoad));
        var kmodsFor = VerdictDocuments.KmodsFor(new KmodsForResult(Kernel("6.1.0-56-amd64", Exports56, Magic56), matrix.Kernels[1], matrix.Kmods, [matrix.Verdicts[0][1]]));
        Assert.Equal(7, compatible.Rows[0].Kmod.Id);
        Assert.Equal(2, kmodsFor.Kernels[0].Id);
        Assert.False(kmodsFor.Rows[0].Verdicts[0].Loads);
        Assert.Equal(KabigateJson.ToString(compatible.Rows[0].Verdicts[1]), KabigateJson.ToString(kmodsFor.Rows[0].Verdicts[0]));
    }

    [Fact]
    public void HistoryText_MarksChangesWithinALine()
    {
        var rows = new[]
        {
            new HistoryRow(Stored(1, "6.1.0-47-amd64"), Exports47[1], false),
            new HistoryRow(Stored(2, "6.1.0-56-amd64"), Exports56[1], true),
        };
        Assert.Equal(
            "   RELEASE         CRC         KIND           NAMESPACE  MODULE\n" +
            "   6.1.0-47-amd64  0xf2c48af4  EXPORT_SYMBOL             vmlinux\n" +
            "*  6.1.0-56-amd64  0x844c8938  EXPORT_SYMBOL             vmlinux\n" +
            "misc_register: exported by 2 of 2 stored releases; 1 changes between consecutive releases of a line (marked *)\n",
            StoreReports.HistoryText(new HistoryResult("misc_register", rows, HistoryOutcome.Exported)));
    }

    [Fact]
    public void CheckText_TableThenRefusalsInTheKernelsWords()
    {
        var kernels = new[] { Kernel("6.1.0-47-amd64", Exports47, Magic47), Kernel("6.1.0-56-amd64", Exports56, Magic56) };
        var report = CompatibilityEngine.Check(kernels, [Module("kg_crcchange")], new CheckOptions());
        Assert.Equal(
            "MODULE        6.1.0-47-amd64  6.1.0-56-amd64\n" +
            "kg_crcchange  loads           FAILS (1)     \n" +
            "\n" +
            "kg_crcchange does not load on 6.1.0-56-amd64 (/m/kg_crcchange.ko):\n" +
            "  crc-mismatch misc_register (kernel 0x844c8938, module 0xf2c48af4): kg_crcchange: disagrees about version of symbol misc_register\n" +
            "\n" +
            "6.1.0-47-amd64: 1 load, 0 do not\n" +
            "6.1.0-56-amd64: 0 load, 1 do not\n" +
            "1 module(s) x 2 kernel(s): 1 load, 1 do not; 0 with warnings (see 'kabigate why')\n",
            TextReport.Render(report, brief: false));
    }

    [Fact]
    public void CheckJson_CarriesTheKmodShapeInEveryResult_AndTheErrors()
    {
        var kernels = new[] { Kernel("6.1.0-56-amd64", Exports56, Magic56) };
        var report = CompatibilityEngine.Check(kernels, [Module("kg_crcchange")], new CheckOptions());
        var document = VerdictDocuments.Check(new CheckResult(report, [new Kabigate.Formats.Sources.SourceError("bad.ko", "bad.ko: not an ELF file")], CheckOutcome.InputError));
        var text = KabigateJson.ToString(document, indented: false);
        Assert.StartsWith("{\"schema\":2,\"kernels\":[{\"id\":null,\"release\":\"6.1.0-56-amd64\",\"line\":\"6.1.0-*-amd64\"", text, StringComparison.Ordinal);
        Assert.Contains("\"results\":[{\"kmod\":{\"id\":null,\"name\":\"kg_crcchange\",\"path\":\"/m/kg_crcchange.ko\",\"built_for\":\"6.1.0-47-amd64\"", text, StringComparison.Ordinal);
        Assert.EndsWith("\"errors\":[{\"source\":\"bad.ko\",\"message\":\"bad.ko: not an ELF file\"}]}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TerminalText_EscapesControlCharacters_KeepsTabsAndText()
    {
        Assert.Equal("a\\x1b]0;owned\\x07\\x0aline\tb \\x9b", Kabigate.Cli.TerminalText.Escape("a\u001b]0;owned\u0007\nline\tb \u009b"));
        Assert.Equal("plain 'text' é", Kabigate.Cli.TerminalText.Escape("plain 'text' é"));
    }
}

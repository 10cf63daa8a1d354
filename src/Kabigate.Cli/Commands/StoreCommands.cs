using System.CommandLine;
using System.Globalization;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.Cli.Commands;

/// <summary>The verbs that answer from the store: <c>kernels</c>, <c>kmods</c>, <c>history</c>, <c>compatible</c>, <c>kmods-for</c>, <c>greylist</c>.</summary>
internal static class StoreCommands
{
    private const string ReadExit = "Exit status: 0 answered, 2 usage, input or store error.";

    public static Command Kernels(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var format = CommonOptions.Format("text", "json");
        var patterns = new Argument<string[]>("PATTERN") { Description = "Releases, lines or id:N to list (globs); all when none.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("kernels", "List the stored kernel releases, by line and version.\n" + ReadExit) { db, format, patterns };
        command.SetAction(parse =>
        {
            using var store = StoreAccess.OpenForReading(parse.GetValue(db));
            var kernels = StoreAccess.SelectKernels(store.Kernels(), parse.GetValue(patterns) ?? []);
            if (parse.GetValue(format) == "json")
            {
                Rendering.Json.Write(stdout, json =>
                {
                    json.WriteStartObject();
                    json.WriteNumber("schema", 1);
                    json.WriteStartArray("kernels");
                    foreach (var k in kernels)
                    {
                        json.WriteStartObject();
                        json.StoredKernel(k);
                        json.WriteNumber("exports", k.ExportCount);
                        json.WriteString("vermagic", k.Vermagic);
                        json.WriteString("source", k.Source);
                        json.WriteString("ingested", k.IngestedAt.ToString("O", CultureInfo.InvariantCulture));
                        json.WriteString("content_hash", k.ContentHash);
                        json.WriteBoolean("conflicting", k.Conflicting);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                });
                return ExitCodes.Ok;
            }
            var table = new TextTable("ID", "RELEASE", "LINE", "EXPORTS", "INGESTED", "SOURCE");
            foreach (var k in kernels)
                table.Add(k.Id.ToString(CultureInfo.InvariantCulture), k.Release + (k.Conflicting ? " (!)" : ""), k.Line, k.ExportCount.ToString(CultureInfo.InvariantCulture), k.IngestedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), k.Source);
            stdout.Write(table.Render());
            stdout.WriteLine($"{kernels.Count} kernels");
            if (kernels.Any(k => k.Conflicting))
                stdout.WriteLine("(!) the release was ingested with different contents; all are kept; name one with id:N");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Kmods(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var format = CommonOptions.Format("text", "json");
        var patterns = new Argument<string[]>("PATTERN") { Description = "Names or id:N to list (globs); all when none.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("kmods", "List the stored kmods.\n" + ReadExit) { db, format, patterns };
        command.SetAction(parse =>
        {
            using var store = StoreAccess.OpenForReading(parse.GetValue(db));
            var kmods = StoreAccess.SelectKmods(store.Kmods(), parse.GetValue(patterns) ?? []);
            if (parse.GetValue(format) == "json")
            {
                Rendering.Json.Write(stdout, json =>
                {
                    json.WriteStartObject();
                    json.WriteNumber("schema", 1);
                    json.WriteStartArray("kmods");
                    foreach (var k in kmods)
                    {
                        json.WriteStartObject();
                        json.StoredKmod(k);
                        json.WriteString("vermagic", k.Vermagic);
                        json.WriteString("license", k.License);
                        json.WriteString("path", k.Path);
                        json.WriteString("source", k.Source);
                        json.WriteString("ingested", k.IngestedAt.ToString("O", CultureInfo.InvariantCulture));
                        json.WriteString("content_hash", k.ContentHash);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                });
                return ExitCodes.Ok;
            }
            var table = new TextTable("ID", "NAME", "BUILT FOR", "LICENSE", "PATH");
            foreach (var k in kmods)
                table.Add(k.Id.ToString(CultureInfo.InvariantCulture), k.Name, StoreAccess.BuiltFor(k.Vermagic), k.License ?? "-", k.Path);
            stdout.Write(table.Render());
            stdout.WriteLine($"{kmods.Count} kmods");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command History(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var format = CommonOptions.Format("text", "json");
        var line = new Option<string[]>("--line") { Description = "Only these kernel lines or releases (globs), e.g. '6.1.0-*-amd64'.", HelpName = "GLOB" };
        var symbol = new Argument<string>("SYMBOL") { Description = "The exported symbol." };
        var command = new Command("history", "A symbol's CRC, export kind, namespace and exporter across every stored release, line by line; changes are marked.\nExit status: 0 answered, 1 the symbol is in no stored release, 2 usage, input or store error.") { db, format, line, symbol };
        command.SetAction(parse =>
        {
            using var store = StoreAccess.OpenForReading(parse.GetValue(db));
            var name = parse.GetValue(symbol)!;
            var kernels = StoreAccess.SelectKernels(store.Kernels(), parse.GetValue(line) ?? []);
            var only = new HashSet<string>(StringComparer.Ordinal) { name };
            var rows = kernels.Select(k => (Kernel: k, Export: store.LoadKernel(k, only).TryGetExport(name, out var e) ? e : null)).ToList();
            bool Changed(int i) => i > 0 && rows[i - 1].Kernel.Line == rows[i].Kernel.Line && rows[i - 1].Export != rows[i].Export;
            if (parse.GetValue(format) == "json")
            {
                Rendering.Json.Write(stdout, json =>
                {
                    json.WriteStartObject();
                    json.WriteNumber("schema", 1);
                    json.WriteString("symbol", name);
                    json.WriteStartArray("releases");
                    for (int i = 0; i < rows.Count; i++)
                    {
                        var (k, e) = rows[i];
                        json.WriteStartObject();
                        json.StoredKernel(k);
                        json.WriteBoolean("exported", e is not null);
                        json.Crc("crc", e?.Crc);
                        json.WriteString("kind", e?.Kind.ToSymversName());
                        json.WriteString("namespace", e?.Namespace);
                        json.WriteString("module", e?.Module);
                        json.WriteBoolean("changed", Changed(i));
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                });
            }
            else
            {
                var table = new TextTable("", "RELEASE", "CRC", "KIND", "NAMESPACE", "MODULE");
                for (int i = 0; i < rows.Count; i++)
                {
                    var (k, e) = rows[i];
                    table.Add(Changed(i) ? "*" : "", StoreAccess.Label(k), e is null ? "(not exported)" : Hex.Crc(e.Crc) ?? "-", e?.Kind.ToSymversName() ?? "", e?.Namespace ?? "", e?.Module ?? "");
                }
                stdout.Write(table.Render());
                int changes = Enumerable.Range(0, rows.Count).Count(Changed);
                stdout.WriteLine($"{name}: exported by {rows.Count(r => r.Export is not null)} of {rows.Count} stored releases; {changes} changes between consecutive releases of a line (marked *)");
            }
            return rows.Any(r => r.Export is not null) ? ExitCodes.Ok : ExitCodes.Incompatible;
        });
        return command;
    }

    public static Command Compatible(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var format = CommonOptions.Format("text", "json");
        var kernelPatterns = new Option<string[]>("--kernels") { Description = "Only these stored kernels (releases, lines, id:N; globs).", HelpName = "GLOB" };
        var kmod = new Argument<string>("KMOD") { Description = "A stored kmod (name, glob or id:N; every build of that name), or a .ko file or anything 'check' reads as modules." };
        var command = new Command("compatible", "The stored kernel releases a kmod loads on, and why it fails on the others.\nExit status: 0 it loads on some stored release, 1 on none, 2 usage, input or store error.") { db, format, kernelPatterns, kmod };
        command.SetAction(parse =>
        {
            using var arguments = new KernelArguments(parse.GetValue(db), stderr);
            var store = arguments.Store;
            var (modules, sources, errors) = arguments.Kmods([parse.GetValue(kmod)!]);
            foreach (var error in errors)
                stderr.WriteLine($"kabigate: ERROR: {error}");
            if (errors.Count > 0 || modules.Count == 0)
                return ExitCodes.Error;
            var stored = StoreAccess.SelectKernels(store.Kernels(), parse.GetValue(kernelPatterns) ?? []);
            var projection = Gate.SymbolsJudged(modules);
            var kernels = stored.Select(k => store.LoadKernel(k, projection)).ToList();
            var verdicts = MatrixCommand.Compute(kernels, modules, sources);
            RenderPerModule(stdout, parse.GetValue(format)!, verdicts, stored, modules);
            return verdicts.Any(row => row.Any(v => v.Loads)) ? ExitCodes.Ok : ExitCodes.Incompatible;
        });
        return command;
    }

    public static Command KmodsFor(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var format = CommonOptions.Format("text", "json");
        var kmodPatterns = new Option<string[]>("--kmods") { Description = "Only these stored kmods (names, id:N; globs).", HelpName = "GLOB" };
        var kernel = new Argument<string>("KERNEL") { Description = "A stored release (or id:N), or a kernel source ('check --kernel' reads)." };
        var command = new Command("kmods-for", "The stored kmods that load on a kernel, and why the others do not.\nExit status: 0 answered, 2 usage, input or store error.") { db, format, kmodPatterns, kernel };
        command.SetAction(parse =>
        {
            using var store = StoreAccess.OpenForReading(parse.GetValue(db));
            var storedKmods = StoreAccess.SelectKmods(store.Kmods(), parse.GetValue(kmodPatterns) ?? []);
            var modules = storedKmods.Select(store.LoadKmod).ToList();
            var argument = parse.GetValue(kernel)!;
            KernelAbi abi;
            StoredKernel? storedKernel = null;
            if (StoreAccess.IsSource(argument))
            {
                abi = KernelSourceReader.Read(argument, new KernelSourceOptions(null, line => stderr.WriteLine($"kabigate: {line}")));
            }
            else
            {
                storedKernel = StoreAccess.ResolveKernel(store, argument, stderr);
                abi = store.LoadKernel(storedKernel, Gate.SymbolsJudged(modules));
            }
            var verdicts = MatrixCommand.Compute([abi], modules, storedKmods.Select(k => k.Source).ToList()).Select(row => row[0]).ToList();
            if (parse.GetValue(format) == "json")
            {
                Rendering.Json.Write(stdout, json =>
                {
                    json.WriteStartObject();
                    json.WriteNumber("schema", 1);
                    json.WriteString("kernel", abi.Release);
                    json.WriteStartArray("kmods");
                    for (int i = 0; i < modules.Count; i++)
                    {
                        json.WriteStartObject();
                        json.StoredKmod(storedKmods[i]);
                        json.WriteBoolean("loads", verdicts[i].Loads);
                        WriteProblems(json, verdicts[i]);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                });
            }
            else
            {
                var table = new TextTable("ID", "KMOD", "BUILT FOR", "VERDICT", "FIRST PROBLEM");
                for (int i = 0; i < modules.Count; i++)
                    table.Add(storedKmods[i].Id.ToString(CultureInfo.InvariantCulture), storedKmods[i].Name, StoreAccess.BuiltFor(storedKmods[i].Vermagic), verdicts[i].Loads ? "loads" : "FAILS", verdicts[i].Problems.FirstOrDefault()?.Message ?? "");
                stdout.Write(table.Render());
                stdout.WriteLine($"{verdicts.Count(v => v.Loads)} of {modules.Count} stored kmods load on {abi.Release}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command GreylistCommand(TextWriter stdout, TextWriter stderr)
    {
        var db = StoreAccess.Db();
        var format = CommonOptions.Format("text", "json", "csv");
        var stablelist = CommonOptions.Stablelist();
        var policy = StoreAccess.Policy();
        var limit = new Option<int>("--limit") { Description = "Show only the first N symbols (0: all).", DefaultValueFactory = _ => 0, HelpName = "N" };
        var kernelPatterns = new Option<string[]>("--kernels") { Description = "Count CRC changes over these stored kernels only (globs).", HelpName = "GLOB" };
        var command = new Command("greylist", "The symbols stored kmods import that are not on the stablelist, ranked by how many kmods use them and how often their CRC changed across stored releases.\n" + ReadExit)
        {
            db, format, stablelist, policy, limit, kernelPatterns,
        };
        command.SetAction(parse =>
        {
            var (_, list) = StoreAccess.LoadPolicy(parse.GetValue(policy), parse.GetValue(stablelist));
            using var store = StoreAccess.OpenForReading(parse.GetValue(db));
            var kmods = store.Kmods().Select(store.LoadKmod).ToList();
            var projection = Gate.SymbolsJudged(kmods);
            var kernels = StoreAccess.SelectKernels(store.Kernels(), parse.GetValue(kernelPatterns) ?? []).Select(k => store.LoadKernel(k, projection)).ToList();
            var entries = Greylist.Compute(kmods, kernels, list);
            if (parse.GetValue(limit) > 0)
                entries = entries.Take(parse.GetValue(limit)).ToList();
            switch (parse.GetValue(format))
            {
                case "json":
                    Rendering.Json.Write(stdout, json =>
                    {
                        json.WriteStartObject();
                        json.WriteNumber("schema", 1);
                        json.WriteString("stablelist", list?.Source);
                        json.WriteNumber("kernels", kernels.Count);
                        json.WriteNumber("kmods", kmods.Count);
                        json.WriteStartArray("symbols");
                        foreach (var e in entries)
                        {
                            json.WriteStartObject();
                            json.WriteString("symbol", e.Symbol);
                            json.WriteNumber("kmod_count", e.Kmods.Count);
                            json.WriteNumber("crc_changes", e.CrcChanges);
                            json.WriteNumber("removals", e.Removals);
                            json.WriteNumber("releases", e.Releases);
                            json.WriteString("exporter", e.Exporter);
                            json.WriteStartArray("kmods");
                            foreach (var k in e.Kmods)
                                json.WriteStringValue(k);
                            json.WriteEndArray();
                            json.WriteEndObject();
                        }
                        json.WriteEndArray();
                        json.WriteEndObject();
                    });
                    break;
                case "csv":
                    stdout.WriteLine("symbol,kmod_count,crc_changes,removals,releases,exporter,kmods");
                    foreach (var e in entries)
                        stdout.WriteLine(string.Join(",", Csv.Field(e.Symbol), e.Kmods.Count, e.CrcChanges, e.Removals, e.Releases, Csv.Field(e.Exporter ?? ""), Csv.Field(string.Join(" ", e.Kmods))));
                    break;
                default:
                    var table = new TextTable("SYMBOL", "KMODS", "CRC CHANGES", "REMOVED", "RELEASES", "EXPORTER", "USED BY");
                    foreach (var e in entries)
                    {
                        var users = e.Kmods.Count > 4 ? string.Join(" ", e.Kmods.Take(4)) + $" +{e.Kmods.Count - 4}" : string.Join(" ", e.Kmods);
                        table.Add(e.Symbol, e.Kmods.Count.ToString(CultureInfo.InvariantCulture), e.CrcChanges.ToString(CultureInfo.InvariantCulture), e.Removals.ToString(CultureInfo.InvariantCulture), $"{e.Releases}/{kernels.Count}", e.Exporter ?? "(not exported)", users);
                    }
                    stdout.Write(table.Render());
                    stdout.WriteLine($"{entries.Count} symbols used by {kmods.Count} stored kmods are {(list is null ? "listed (no stablelist given)" : $"not on the stablelist {list.Source}")}; CRC changes counted over {kernels.Count} stored releases");
                    break;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void RenderPerModule(TextWriter stdout, string format, Verdict[][] report, IReadOnlyList<StoredKernel> stored, IReadOnlyList<ModuleImage> modules)
    {
        if (format == "json")
        {
            Rendering.Json.Write(stdout, json =>
            {
                json.WriteStartObject();
                json.WriteNumber("schema", 1);
                json.WriteStartArray("kmods");
                for (int m = 0; m < modules.Count; m++)
                {
                    json.WriteStartObject();
                    json.WriteString("name", modules[m].Name);
                    json.WriteString("path", modules[m].Path);
                    json.WriteString("built_for", StoreAccess.BuiltFor(modules[m].Vermagic));
                    json.WriteStartArray("kernels");
                    for (int k = 0; k < stored.Count; k++)
                    {
                        json.WriteStartObject();
                        json.WriteNumber("id", stored[k].Id);
                        json.WriteString("release", stored[k].Release);
                        json.WriteBoolean("loads", report[m][k].Loads);
                        WriteProblems(json, report[m][k]);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            });
            return;
        }
        for (int m = 0; m < modules.Count; m++)
        {
            var loads = Enumerable.Range(0, stored.Count).Where(k => report[m][k].Loads).Select(k => StoreAccess.Label(stored[k])).ToList();
            stdout.WriteLine($"{modules[m].Name} (built for {StoreAccess.BuiltFor(modules[m].Vermagic)}, {modules[m].Path}) loads on {loads.Count} of {stored.Count} stored releases{(loads.Count > 0 ? ":" : "")}");
            foreach (var release in loads)
                stdout.WriteLine($"  {release}");
            var fails = Enumerable.Range(0, stored.Count).Where(k => !report[m][k].Loads).ToList();
            if (fails.Count > 0)
            {
                stdout.WriteLine("  does not load on:");
                foreach (var k in fails)
                {
                    var problems = report[m][k].Problems;
                    stdout.WriteLine($"  {StoreAccess.Label(stored[k])}: {problems[0].Message}{(problems.Count > 1 ? $" (+{problems.Count - 1} more)" : "")}");
                }
            }
        }
    }

    internal static void WriteProblems(System.Text.Json.Utf8JsonWriter json, Verdict verdict)
    {
        json.WriteStartArray("problems");
        foreach (var problem in verdict.Problems)
        {
            json.WriteStartObject();
            json.WriteString("kind", problem.Kind.ToJsonName());
            json.WriteString("symbol", problem.Symbol);
            json.WriteString("message", problem.Message);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}

using System.CommandLine;
using System.Text;
using System.Text.Json;
using Kabigate.Abi;
using Kabigate.Cli.Rendering;
using Kabigate.Formats;
using Kabigate.Formats.Rpm;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate inspect</c>: what kabigate reads from a module or a kernel source.</summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var format = CommonOptions.Format("text", "json");
        var release = CommonOptions.Release();
        var source = new Argument<string>("FILE") { Description = "A module (.ko, .ko.xz, .ko.zst, .ko.gz) or any kernel source that --kernel takes." };
        var command = new Command("inspect", "Show what was read: modinfo, modversions, imports and exports of a module (like modinfo + modprobe --dump-modversions), or each kernel of a kernel source: release, vermagic and exports (JSON: one document per kernel).\nExit status: 0 read, 2 unreadable or malformed.")
        {
            format, release, source,
        };
        command.SetAction(parse => Run(parse.GetValue(source)!, parse.GetValue(format)!, parse.GetValue(release), stdout, stderr));
        return command;
    }

    public static int Run(string source, string format, string? release, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var kind = File.Exists(source) ? SourceSniffer.SniffFile(source) : SourceKind.Unknown;
            if (kind == SourceKind.Module)
            {
                var module = ModuleFileReader.Read(source);
                stdout.Write(format == "json" ? ModuleJson(module) : ModuleText(module));
            }
            else if (kind == SourceKind.Rpm && RpmReader.Read(source) is var package && IsKmodPackage(package))
            {
                var set = ModuleSetReader.Read([source]);
                foreach (var error in set.Errors)
                    stderr.WriteLine($"kabigate: ERROR: {error.Message}");
                stdout.Write(KmodPackageText(package, set));
                return set.Errors.Count > 0 ? ExitCodes.Error : ExitCodes.Ok;
            }
            else
            {
                var kernels = KernelSourceReader.ReadAll(source, new KernelSourceOptions(release, line => stderr.WriteLine($"kabigate: {line}")));
                stdout.Write(format == "json"
                    ? string.Concat(kernels.Select(KernelJson))
                    : string.Join(Environment.NewLine, kernels.Select(KernelText)));
            }
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"kabigate: ERROR: {ModuleSetReader.Describe(source, e)}");
            return ExitCodes.Error;
        }
    }

    /// <summary>A package with kABI requirements or kernel-modules, and no kernel symbol provides of its own.</summary>
    private static bool IsKmodPackage(RpmPackage package)
    {
        static KabiDependency? Parse(RpmDependency d) => KabiDependency.Parse(d.Name, RpmRelations.Of(d.Flags), d.Version);
        var kernelProvides = package.Provides.Select(Parse).Any(d => d?.Kind is KabiDependencyKind.KernelSymbol or KabiDependencyKind.FlavorSymbol);
        return !kernelProvides && (package.Requires.Any(r => Parse(r) is not null) || package.Provides.Any(p => p.Name == "kernel-modules"));
    }

    private static string KmodPackageText(RpmPackage package, ModuleSet set)
    {
        var text = new StringBuilder();
        text.AppendLine($"package:     {package.Nevra}");
        text.AppendLine($"modules ({set.Modules.Count}):");
        foreach (var module in set.Modules)
            text.AppendLine($"  {module.Name,-24} {module.Path[(module.Path.IndexOf('!', StringComparison.Ordinal) + 1)..]}  vermagic '{module.Vermagic}'");
        foreach (var (title, dependencies) in new[] { ("kABI requires", package.Requires), ("kABI provides", package.Provides) })
        {
            var kabi = dependencies.Select(d => KabiDependency.Parse(d.Name, RpmRelations.Of(d.Flags), d.Version)).OfType<KabiDependency>().ToList();
            text.AppendLine($"{title} ({kabi.Count}):");
            foreach (var dependency in kabi)
                text.AppendLine($"  {dependency}");
        }
        text.AppendLine($"findings ({set.Warnings.Count}):");
        foreach (var warning in set.Warnings)
            text.AppendLine($"  {warning.Message}");
        return text.ToString();
    }

    private static string ModuleText(ModuleImage module)
    {
        var text = new StringBuilder();
        text.AppendLine($"filename:    {module.Path}");
        text.AppendLine($"name:        {module.Name}");
        text.AppendLine($"elf:         {module.Elf}");
        text.AppendLine($"signed:      {(module.Signed ? "yes" : "no")}");
        if (module.Signature is { } sig)
            text.AppendLine($"signature:   {sig.Format}, signer '{sig.Signer ?? "?"}', key {sig.KeyId ?? "?"}, hash {sig.HashAlgorithm ?? "?"}{(sig.Malformed is null ? "" : $" (malformed: {sig.Malformed})")}");
        text.AppendLine($"modversions: {ModuleDescription.Versions(module)}");
        foreach (var (key, value) in module.Modinfo)
            text.AppendLine($"{key + ":",-12} {value}");
        text.AppendLine($"modversions ({module.BasicVersions.Length + module.ExtendedVersions.Length}):");
        foreach (var version in module.BasicVersions.Concat(module.ExtendedVersions))
            text.AppendLine($"{Hex.Crc(version.Crc)}\t{version.Symbol}");
        text.AppendLine($"imports ({module.Imports.Length}):");
        foreach (var import in module.Imports.OrderBy(i => i.Symbol, StringComparer.Ordinal))
            text.AppendLine($"  {import.Symbol}{(import.Weak ? " (weak)" : "")}");
        text.AppendLine($"exports ({module.Exports.Length}):");
        foreach (var export in module.Exports)
            text.AppendLine($"{Hex.Crc(export.Crc) ?? "-"}\t{export.Symbol}\t{export.Kind.ToSymversName()}\t{export.Namespace}");
        return text.ToString();
    }

    private static string KernelText(KernelAbi kernel)
    {
        var text = new StringBuilder();
        text.AppendLine($"release:     {kernel.Release}");
        text.AppendLine($"flavour:     {kernel.Flavour ?? "(unknown)"}");
        text.AppendLine($"source:      {kernel.Source}");
        text.AppendLine($"vermagic:    {(kernel.Vermagic is null ? $"unknown ({kernel.VermagicUnknownReason})" : $"'{kernel.Vermagic}'")}");
        text.AppendLine($"modversions: {(kernel.HasModversions ? "yes" : "no")}");
        if (kernel.ExportKindsUnknownReason is not null)
            text.AppendLine($"kinds:       unknown ({kernel.ExportKindsUnknownReason})");
        text.AppendLine($"loader:      {(kernel.Loader is null ? "configuration unknown" : $"force-load {(kernel.Loader.ForceLoad ? "on" : "off")}, missing namespace imports {(kernel.Loader.AllowMissingNamespaceImports ? "allowed" : "refused")}")}");
        var exports = kernel.Exports.Values.ToList();
        text.AppendLine($"exports:     {exports.Count} ({exports.Count(e => e.IsVmlinux)} vmlinux, {exports.Count(e => !e.IsVmlinux)} from {exports.Where(e => !e.IsVmlinux).Select(e => e.Module).Distinct().Count()} modules)");
        foreach (var group in exports.GroupBy(e => e.Kind).OrderBy(g => g.Key))
            text.AppendLine($"  {group.Key.ToSymversName(),-26} {group.Count()}");
        var namespaces = exports.Where(e => e.Namespace is not null).GroupBy(e => e.Namespace!).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        text.AppendLine($"namespaces:  {namespaces.Count}");
        foreach (var group in namespaces)
            text.AppendLine($"  {group.Key,-26} {group.Count()}");
        return text.ToString();
    }

    private static string ModuleJson(ModuleImage module) => Json(json =>
    {
        json.WriteString("path", module.Path);
        json.WriteString("name", module.Name);
        json.WriteBoolean("elf64", module.Elf.Is64Bit);
        json.WriteBoolean("bigEndian", module.Elf.BigEndian);
        json.WriteNumber("machine", module.Elf.Machine);
        json.WriteBoolean("signed", module.Signed);
        json.WriteStartArray("modinfo");
        foreach (var (key, value) in module.Modinfo)
        {
            json.WriteStartObject();
            json.WriteString("key", key);
            json.WriteString("value", value);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        WriteVersions(json, "versions", module.BasicVersions);
        WriteVersions(json, "extendedVersions", module.ExtendedVersions);
        json.WriteStartArray("imports");
        foreach (var import in module.Imports)
        {
            json.WriteStartObject();
            json.WriteString("symbol", import.Symbol);
            json.WriteBoolean("weak", import.Weak);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("exports");
        foreach (var export in module.Exports)
        {
            json.WriteStartObject();
            json.WriteString("symbol", export.Symbol);
            json.WriteString("crc", Hex.Crc(export.Crc));
            json.WriteString("kind", export.Kind.ToSymversName());
            json.WriteString("namespace", export.Namespace);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    private static void WriteVersions(Utf8JsonWriter json, string name, IEnumerable<SymbolVersion> versions)
    {
        json.WriteStartArray(name);
        foreach (var version in versions)
        {
            json.WriteStartObject();
            json.WriteString("symbol", version.Symbol);
            json.WriteString("crc", Hex.Crc(version.Crc));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static string KernelJson(KernelAbi kernel) => Json(json =>
    {
        json.WriteString("release", kernel.Release);
        json.WriteString("source", kernel.Source);
        json.WriteString("vermagic", kernel.Vermagic);
        json.WriteBoolean("modversions", kernel.HasModversions);
        json.WriteNumber("exports", kernel.Exports.Count);
    });

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", JsonReport.Schema);
            body(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}

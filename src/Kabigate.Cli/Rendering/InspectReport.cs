using System.Text;
using Kabigate.Abi;
using Kabigate.App.Json;
using Kabigate.App.Operations;

namespace Kabigate.Cli.Rendering;

/// <summary>What <c>inspect</c> read: a module, a kmod package, or each kernel of a source; text or JSON.</summary>
internal static class InspectReport
{
    public static string Text(InspectResult result) => result.Kind switch
    {
        InspectedKind.Module => ModuleText(result.Module!),
        InspectedKind.KmodPackage => KmodPackageText(result.Package!),
        _ => string.Join(Environment.NewLine, result.Kernels.Select(KernelText)),
    };

    /// <summary>JSON: one document for a module or a kmod package, one per kernel for a kernel source.</summary>
    public static string Json(InspectResult result) => result.Kind switch
    {
        InspectedKind.Module => KabigateJson.ToString(SourceDocuments.Module(result.Module!)),
        InspectedKind.KmodPackage => KabigateJson.ToString(SourceDocuments.Package(result.Package!)),
        _ => string.Concat(result.Kernels.Select(k => KabigateJson.ToString(SourceDocuments.Kernel(k)))),
    };

    private static string KmodPackageText(InspectedPackage package)
    {
        var text = new StringBuilder();
        text.AppendLine($"package:     {package.Nevra}");
        text.AppendLine($"modules ({package.Modules.Count}):");
        foreach (var module in package.Modules)
            text.AppendLine($"  {module.Name,-24} {module.Path[(module.Path.IndexOf('!', StringComparison.Ordinal) + 1)..]}  vermagic '{module.Vermagic}'");
        foreach (var (title, kabi) in new[] { ("kABI requires", package.Requires), ("kABI provides", package.Provides) })
        {
            text.AppendLine($"{title} ({kabi.Count}):");
            foreach (var dependency in kabi)
                text.AppendLine($"  {dependency}");
        }
        text.AppendLine($"findings ({package.Findings.Count}):");
        foreach (var finding in package.Findings)
            text.AppendLine($"  {finding}");
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
}

using Kabigate.Abi;
using Kabigate.App.Operations;

namespace Kabigate.App.Json;

/// <summary>An installed kernel under weak-updates.</summary>
/// <param name="Release">Its release.</param>
/// <param name="Target">Whether it can get weak-updates links (it has a symvers).</param>
/// <param name="NotTarget">Why not, or null.</param>
/// <param name="Flavour">Its flavour.</param>
/// <param name="Vermagic">Its vermagic, or null.</param>
/// <param name="Modules">Its out-of-tree modules.</param>
public sealed record JsonWeakKernel(string Release, bool Target, string? NotTarget, string? Flavour, string? Vermagic, IReadOnlyList<string> Modules);

/// <summary>What depmod's rule says about a module (weak-modules' check).</summary>
/// <param name="Kind"><c>unknown-symbol</c> or <c>crc-mismatch</c>.</param>
/// <param name="Symbol">The symbol.</param>
/// <param name="Expected">The kernel's CRC.</param>
/// <param name="Found">The module's CRC.</param>
/// <param name="Message">depmod's words.</param>
public sealed record JsonDepmodFinding(string Kind, string? Symbol, string? Expected, string? Found, string Message);

/// <summary>One weak-updates decision.</summary>
/// <param name="Kernel">The kernel whose weak-updates/ it is about.</param>
/// <param name="Module">The module.</param>
/// <param name="Action"><c>link</c>, <c>keep</c>, <c>remove</c> or <c>skip</c>.</param>
/// <param name="Reason">Why.</param>
/// <param name="From">The kernel the candidate build is installed for.</param>
/// <param name="BuiltFor">The kernel the candidate was built for.</param>
/// <param name="Link">The link's path below the kernel's directory.</param>
/// <param name="Target">Where it points.</param>
/// <param name="Because">Details.</param>
/// <param name="Group">Modules that link together or not at all.</param>
/// <param name="LoaderCompatible">The loader's rules' verdict, or null.</param>
/// <param name="DepmodCompatible">depmod's rule's verdict, or null.</param>
/// <param name="LoaderOnly">Whether only the loader refuses it.</param>
/// <param name="Problems">The loader's problems.</param>
/// <param name="Warnings">The loader's warnings.</param>
/// <param name="Depmod">depmod's findings.</param>
public sealed record JsonWeakDecision(string Kernel, string Module, string Action, string Reason, string? From, string? BuiltFor, string? Link, string? Target, string? Because,
    IReadOnlyList<string> Group, bool? LoaderCompatible, bool? DepmodCompatible, bool LoaderOnly, IReadOnlyList<JsonProblem> Problems, IReadOnlyList<JsonProblem> Warnings,
    IReadOnlyList<JsonDepmodFinding> Depmod);

/// <summary><c>weak-updates plan|apply --format json</c>.</summary>
/// <param name="Schema">The schema number.</param>
/// <param name="Root">The root.</param>
/// <param name="Rules"><c>loader</c> or <c>depmod</c>.</param>
/// <param name="Apply">Whether it was applied.</param>
/// <param name="Changes">Whether the plan changes anything.</param>
/// <param name="Kernels">The installed kernels.</param>
/// <param name="Decisions">Every decision.</param>
/// <param name="Warnings">Plan warnings.</param>
/// <param name="Errors">Files that could not be read.</param>
public sealed record WeakUpdatesDocument(int Schema, string Root, string Rules, bool Apply, bool Changes, IReadOnlyList<JsonWeakKernel> Kernels, IReadOnlyList<JsonWeakDecision> Decisions,
    IReadOnlyList<string> Warnings, IReadOnlyList<JsonSourceError> Errors);

/// <summary>Maps a weak-updates result to its document.</summary>
public static class WeakUpdatesDocuments
{
    /// <summary><c>weak-updates</c>.</summary>
    public static WeakUpdatesDocument Of(WeakUpdatesResult result, bool apply)
    {
        ArgumentNullException.ThrowIfNull(result);
        var plan = result.Plan;
        var kernels = plan.Kernels.Select(k => new JsonWeakKernel(k.Release, k.IsTarget, k.NotTargetReason, WeakUpdates.Flavour(k.Release), k.Abi?.Vermagic,
            [.. k.Modules.Select(m => m.Path)])).ToList();
        var decisions = plan.Decisions.Select(d => new JsonWeakDecision(d.Kernel, d.Module, d.Action.ToJsonName(), d.Reason.ToJsonName(), d.Candidate?.Release,
            d.Candidate?.BuildRelease, d.LinkPath, d.LinkTarget, d.Because, d.Group, d.LoaderCompatible, d.DepmodCompatible, d.LoaderOnly,
            JsonShapes.Problems(d.Problems), JsonShapes.Problems(d.Warnings),
            [.. d.DepmodFindings.Select(f => new JsonDepmodFinding(f.Kind.ToJsonName(), f.Symbol, JsonShapes.Crc(f.Expected), JsonShapes.Crc(f.Found),
                f.Kind == ProblemKind.UnknownSymbol ? $"needs unknown symbol {f.Symbol}" : $"disagrees about version of symbol {f.Symbol}"))])).ToList();
        return new WeakUpdatesDocument(JsonShapes.Schema, result.Tree.Root, plan.Rules == WeakUpdatesRules.Loader ? "loader" : "depmod", apply, plan.HasChanges, kernels, decisions,
            plan.Warnings, JsonShapes.Errors(result.Tree.Errors));
    }
}

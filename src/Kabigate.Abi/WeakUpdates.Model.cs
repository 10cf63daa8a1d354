namespace Kabigate.Abi;

/// <summary>A module installed for one kernel outside its own tree: below <c>/lib/modules/RELEASE/extra/</c> or <c>updates/</c>.</summary>
/// <param name="Image">The module.</param>
/// <param name="Release">The kernel directory it is installed under (<c>/lib/modules/RELEASE</c>).</param>
/// <param name="Path">Its path below that directory, e.g. <c>extra/kabigate/kg_stable.ko</c>.</param>
public sealed record InstalledModule(ModuleImage Image, string Release, string Path)
{
    /// <summary>The module name the loader knows it by.</summary>
    public string Name => Image.Name;

    /// <summary>The path the system sees, <c>/lib/modules/RELEASE/extra/…</c>: what a weak-updates link points to.</summary>
    public string SystemPath => $"/lib/modules/{Release}/{Path}";

    /// <summary>The kernel it was built for: the first word of its vermagic, else <see cref="Release"/> (weak-modules' krel_of_module).</summary>
    public string BuildRelease
    {
        get
        {
            var magic = Image.Vermagic;
            var space = magic?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
            return magic is null || magic.Length == 0 ? Release : space < 0 ? magic : magic[..space];
        }
    }
}

/// <summary>What an entry of a kernel's <c>weak-updates/</c> directory is.</summary>
public enum WeakLinkState : byte
{
    /// <summary>A symbolic link to an out-of-tree module of some installed kernel.</summary>
    Module,

    /// <summary>A symbolic link to nothing, or to somewhere outside the root.</summary>
    Dangling,

    /// <summary>A symbolic link to a file that is not an out-of-tree module of an installed kernel: not ours to manage.</summary>
    Foreign,

    /// <summary>A regular file, not a link: not ours to manage.</summary>
    NotALink,
}

/// <summary>An entry found in a kernel's <c>weak-updates/</c> directory.</summary>
/// <param name="Path">Its path below <c>/lib/modules/RELEASE</c>, e.g. <c>weak-updates/kg_stable.ko</c>.</param>
/// <param name="Target">The link's text as readlink(1) prints it, or null for a regular file.</param>
/// <param name="State">What it is.</param>
/// <param name="Module">The out-of-tree module it resolves to, when <paramref name="State"/> is <see cref="WeakLinkState.Module"/>.</param>
public sealed record WeakLink(string Path, string? Target, WeakLinkState State, InstalledModule? Module = null)
{
    /// <summary>The name of the module the entry provides, from its file name.</summary>
    public string Name => Module?.Name ?? ModuleNames.Normalize(Path);
}

/// <summary>An installed kernel (<c>/lib/modules/RELEASE</c>) as the weak-updates decision sees it.</summary>
/// <param name="Release">The release, the directory's name.</param>
/// <param name="Abi">
/// What the kernel offers a module linked into its weak-updates: vmlinux from its symvers, the exports of every
/// module of its tree (its own out-of-tree ones included) but none from weak-updates; null when the kernel cannot be
/// a target.
/// </param>
/// <param name="NotTargetReason">Why <paramref name="Abi"/> is null (no symvers), else null.</param>
/// <param name="Modules">Its out-of-tree modules, in <c>extra/</c> and <c>updates/</c>.</param>
/// <param name="Links">The entries of its <c>weak-updates/</c> directory.</param>
public sealed record InstalledKernel(string Release, KernelAbi? Abi, string? NotTargetReason, IReadOnlyList<InstalledModule> Modules, IReadOnlyList<WeakLink> Links)
{
    /// <summary>Whether modules of other kernels can be linked into this one (it has a symvers).</summary>
    public bool IsTarget => Abi is not null;
}

/// <summary>Which rule decides whether a module is compatible with a kernel.</summary>
public enum WeakUpdatesRules : byte
{
    /// <summary>The kernel loader's rules (unknown symbols, CRCs, GPL-only, namespaces, vermagic): kabigate's default.</summary>
    Loader,

    /// <summary>weak-modules' rule: <c>depmod -aeE symvers</c> reports no "needs unknown symbol" and no "disagrees about version of symbol".</summary>
    Depmod,
}

/// <summary>Options of a weak-updates plan.</summary>
/// <param name="Rules">The compatibility rule that decides.</param>
public sealed record WeakUpdatesOptions(WeakUpdatesRules Rules = WeakUpdatesRules.Loader);

/// <summary>What to do with one module on one kernel's <c>weak-updates/</c>.</summary>
public enum WeakAction : byte
{
    /// <summary>Create the link.</summary>
    Link,

    /// <summary>The link exists and stays.</summary>
    Keep,

    /// <summary>Remove the existing link.</summary>
    Remove,

    /// <summary>No link, and none exists.</summary>
    Skip,
}

/// <summary>Why a decision was made. The JSON names (<see cref="WeakUpdates.ToJsonName(WeakReason)"/>) are a public contract.</summary>
public enum WeakReason : byte
{
    /// <summary>The module and every module of its group are compatible, and no newer build or own module takes its name.</summary>
    Compatible,

    /// <summary>The module itself is not compatible with the kernel (see the decision's problems).</summary>
    Incompatible,

    /// <summary>The module is compatible, but a module of its group is not; a group links whole or not at all.</summary>
    GroupIncompatible,

    /// <summary>The kernel has its own module of that name in <c>extra/</c> or <c>updates/</c> (or a file in weak-updates): it wins.</summary>
    OwnModule,

    /// <summary>The build installed for a newer kernel is linked instead.</summary>
    Superseded,

    /// <summary>The module was installed for a kernel of another flavour.</summary>
    OtherFlavour,

    /// <summary>The link points nowhere, or outside the root.</summary>
    Dangling,

    /// <summary>Another link to the same module is kept, or the module is a second copy of a name in its kernel (updates/ and extra/).</summary>
    Duplicate,

    /// <summary>Not a link kabigate manages (a regular file, or a link to something that is not an out-of-tree module): left alone.</summary>
    Foreign,
}

/// <summary>The decision about one module (or one existing link) on one kernel.</summary>
/// <param name="Kernel">The target kernel's release.</param>
/// <param name="Module">The module name.</param>
/// <param name="Action">What to do.</param>
/// <param name="Reason">Why.</param>
/// <param name="Candidate">The out-of-tree module concerned, or null for a dangling or foreign entry.</param>
/// <param name="LinkPath">The link below <c>/lib/modules/KERNEL</c>: the existing one, or the one to create (<c>weak-updates/…</c>).</param>
/// <param name="LinkTarget">Where the link points, as the system sees it (<c>/lib/modules/R/extra/…</c>); the existing text for foreign or dangling ones.</param>
/// <param name="Because">
/// For <see cref="WeakReason.GroupIncompatible"/> the failing module of the group; for <see cref="WeakReason.Superseded"/>
/// and <see cref="WeakReason.OwnModule"/> the release whose module wins; for <see cref="WeakReason.Duplicate"/> the
/// link that is kept, when there is one; else null.
/// </param>
/// <param name="Group">The names of the modules judged together with this one (itself included), when more than one.</param>
/// <param name="LoaderCompatible">Whether the module itself passes the loader's rules; null when it was not judged.</param>
/// <param name="DepmodCompatible">Whether the module itself passes weak-modules' depmod rule; null when it was not judged.</param>
/// <param name="Problems">The loader's refusals (empty when compatible or not judged).</param>
/// <param name="Warnings">The loader's warnings.</param>
/// <param name="DepmodFindings">What <c>depmod -aeE symvers</c> reports for it: unknown symbols and CRC disagreements.</param>
public sealed record WeakDecision(
    string Kernel,
    string Module,
    WeakAction Action,
    WeakReason Reason,
    InstalledModule? Candidate,
    string LinkPath,
    string? LinkTarget,
    string? Because,
    IReadOnlyList<string> Group,
    bool? LoaderCompatible,
    bool? DepmodCompatible,
    IReadOnlyList<Problem> Problems,
    IReadOnlyList<Problem> Warnings,
    IReadOnlyList<Problem> DepmodFindings)
{
    /// <summary>Whether the decision changes the tree.</summary>
    public bool IsChange => Action is WeakAction.Link or WeakAction.Remove;

    /// <summary>
    /// Whether the loader refuses the module for reasons depmod does not check (GPL-only, namespaces, vermagic,
    /// no modversions, duplicate exports) while depmod finds nothing: where kabigate and weak-modules part.
    /// </summary>
    public bool LoaderOnly => LoaderCompatible == false && DepmodCompatible == true;
}

/// <summary>The decisions for every installed kernel.</summary>
/// <param name="Rules">The rule that decided.</param>
/// <param name="Kernels">Every installed kernel, ordered by release.</param>
/// <param name="Decisions">Every decision, by kernel, then module name, then newest build first.</param>
/// <param name="Warnings">Findings about the tree itself (a module installed twice for one kernel, kernels that are no target).</param>
public sealed record WeakUpdatesPlan(WeakUpdatesRules Rules, IReadOnlyList<InstalledKernel> Kernels, IReadOnlyList<WeakDecision> Decisions, IReadOnlyList<string> Warnings)
{
    /// <summary>Whether applying the plan changes anything.</summary>
    public bool HasChanges => Decisions.Any(d => d.IsChange);
}

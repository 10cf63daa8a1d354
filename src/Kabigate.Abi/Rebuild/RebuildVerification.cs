namespace Kabigate.Abi.Rebuild;

/// <summary>How a fresh build fares on one member of its class.</summary>
/// <param name="Kernel">The member.</param>
/// <param name="Refusals">The loader's words for every module it refuses there; empty when every module loads.</param>
public sealed record MemberVerdict(KernelAbi Kernel, IReadOnlyList<string> Refusals)
{
    /// <summary>Whether every module of the build loads on the member.</summary>
    public bool Loads => Refusals.Count == 0;
}

/// <summary>
/// The re-verification after a build: every built module against every kernel of its class, loaded together, by
/// the loader's rules (<see cref="CompatibilityEngine"/>). A member that refuses the build splits the class: the build
/// is kept for the members that load it and reported <c>built-but-refused</c> on the others.
/// </summary>
public static class RebuildVerification
{
    /// <summary>Judges the build on each member.</summary>
    /// <param name="members">The class's kernels.</param>
    /// <param name="built">The modules the build produced.</param>
    public static IReadOnlyList<MemberVerdict> Verify(IReadOnlyList<KernelAbi> members, IReadOnlyList<ModuleImage> built)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(built);
        if (built.Count == 0)
            return [.. members.Select(k => new MemberVerdict(k, ["the build produced no module"]))];
        var report = CompatibilityEngine.Check(members, built);
        var verdicts = new List<MemberVerdict>(members.Count);
        for (int k = 0; k < members.Count; k++)
        {
            var refusals = new List<string>();
            for (int m = 0; m < built.Count; m++)
                refusals.AddRange(report[m, k].Problems.Select(p => p.Message));
            verdicts.Add(new MemberVerdict(members[k], refusals));
        }
        return verdicts;
    }
}

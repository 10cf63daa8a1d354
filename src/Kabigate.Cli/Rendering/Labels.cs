using Kabigate.Abi;
using Kabigate.Store;

namespace Kabigate.Cli.Rendering;

/// <summary>How tables name stored things.</summary>
internal static class Labels
{
    /// <summary>A kernel's short label: its release, with <c>id:N</c> when the release has several contents.</summary>
    public static string Kernel(StoredKernel kernel) => kernel.Conflicting ? $"{kernel.Release} (id:{kernel.Id})" : kernel.Release;

    /// <summary>The kernel a kmod was built for, from its vermagic.</summary>
    public static string BuiltFor(string? vermagic) => KernelReleases.BuiltFor(vermagic);
}

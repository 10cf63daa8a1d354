using System.Text.RegularExpressions;

namespace Kabigate.Formats.Recipes;

/// <summary>One module a DKMS package builds.</summary>
/// <param name="Name">BUILT_MODULE_NAME[i], without <c>.ko</c>.</param>
/// <param name="Location">BUILT_MODULE_LOCATION[i]: where the build leaves it, relative to the build tree; "" for its top.</param>
/// <param name="Destination">DEST_MODULE_LOCATION[i]: where DKMS installs it (e.g. <c>/extra</c>), or null.</param>
public sealed record DkmsModule(string Name, string Location, string? Destination);

/// <summary>A numbered command or patch of dkms.conf with its optional <c>*_MATCH[i]</c> regular expression on the kernel release.</summary>
/// <param name="Index">The array index.</param>
/// <param name="Value">The value, as written (unexpanded).</param>
/// <param name="Match">The <c>MAKE_MATCH[i]</c>/<c>PATCH_MATCH[i]</c> expression, or null (applies to every kernel).</param>
public sealed record DkmsIndexed(int Index, string Value, string? Match);

/// <summary>
/// What kabigate reads of a DKMS package's <c>dkms.conf</c> (see <see cref="DkmsConfReader"/>). Variables in the
/// module names and locations are expanded when read; <c>MAKE[]</c> stays as written, for the shell, as DKMS runs it.
/// </summary>
public sealed record DkmsConf(
    string PackageName,
    string PackageVersion,
    IReadOnlyList<DkmsModule> Modules,
    IReadOnlyList<DkmsIndexed> Make,
    IReadOnlyList<DkmsIndexed> Patches,
    string? BuildExclusiveKernel,
    string? BuildExclusiveArch,
    IReadOnlyList<string> BuildExclusiveConfig,
    string SourceName)
{
    /// <summary>DKMS's default when dkms.conf has no MAKE: kbuild in the build tree.</summary>
    public const string DefaultMake = "make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build";

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The MAKE command DKMS would run for <paramref name="release"/>: the last MAKE[i] whose MAKE_MATCH[i] matches, else MAKE[0].</summary>
    public string MakeFor(string release)
    {
        var chosen = Make.LastOrDefault(m => m.Match is not null && Matches(m.Match, release, "MAKE_MATCH"))
            ?? Make.FirstOrDefault(m => m.Index == 0);
        return chosen?.Value ?? DefaultMake;
    }

    /// <summary>The patches DKMS applies for <paramref name="release"/>, in index order.</summary>
    public IReadOnlyList<string> PatchesFor(string release) =>
        [.. Patches.Where(p => p.Match is null || Matches(p.Match, release, "PATCH_MATCH")).Select(p => p.Value)];

    /// <summary>
    /// Why DKMS would not build for this kernel (BUILD_EXCLUSIVE_KERNEL and _ARCH are regular expressions on the release
    /// and the architecture, as DKMS's <c>[[ =~ ]]</c>; BUILD_EXCLUSIVE_CONFIG lists options the kernel's .config must set,
    /// <c>!CONFIG_X</c> ones it must not), or null when it would.
    /// </summary>
    /// <param name="release">The kernel release.</param>
    /// <param name="arch">The architecture (<c>x86_64</c>).</param>
    /// <param name="config">The kernel's .config options that are set (y or m), or null when unknown (the config check is then not made).</param>
    public string? Excludes(string release, string arch, IReadOnlySet<string>? config)
    {
        ArgumentNullException.ThrowIfNull(release);
        if (BuildExclusiveKernel is string kernel && !Matches(kernel, release, "BUILD_EXCLUSIVE_KERNEL"))
            return $"BUILD_EXCLUSIVE_KERNEL '{kernel}' does not match '{release}'";
        if (BuildExclusiveArch is string wantedArch && !Matches(wantedArch, arch, "BUILD_EXCLUSIVE_ARCH"))
            return $"BUILD_EXCLUSIVE_ARCH '{wantedArch}' does not match '{arch}'";
        if (config is not null)
        {
            foreach (var option in BuildExclusiveConfig)
            {
                bool negated = option.StartsWith('!');
                var name = negated ? option[1..] : option;
                if (config.Contains(name) == negated)
                    return $"BUILD_EXCLUSIVE_CONFIG '{option}' is not met by the kernel's .config";
            }
        }
        return null;
    }

    private bool Matches(string pattern, string text, string key)
    {
        try
        {
            return Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ModuleFormatException(SourceName, $"{key} '{pattern}' is not a regular expression kabigate can read: {e.Message}");
        }
        catch (RegexMatchTimeoutException)
        {
            throw new ModuleFormatException(SourceName, $"{key} '{pattern}' took longer than {MatchTimeout.TotalSeconds:0} s to match");
        }
    }
}

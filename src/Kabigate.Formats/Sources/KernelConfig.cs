using System.Text;

namespace Kabigate.Formats.Sources;

/// <summary>
/// A kernel <c>.config</c>, and the version magic it implies (include/linux/vermagic.h): the release, then
/// <c>SMP </c>, the preemption model, <c>mod_unload </c>, <c>modversions </c> and the architecture's word.
/// </summary>
public sealed class KernelConfig
{
    private readonly Dictionary<string, string> _values;

    private KernelConfig(Dictionary<string, string> values) => _values = values;

    /// <summary>Parses <c>CONFIG_X=value</c> lines; <c># CONFIG_X is not set</c> and comments are skipped.</summary>
    public static KernelConfig Parse(ReadOnlySpan<byte> text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(text).Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                values[line[..eq]] = line[(eq + 1)..].Trim('"');
        }
        return new KernelConfig(values);
    }

    /// <summary>Whether a boolean/tristate option is <c>y</c>.</summary>
    public bool IsSet(string option) => _values.TryGetValue(option, out var v) && v == "y";

    /// <summary>
    /// The version magic modules built against this configuration carry, or null with the reason when it cannot
    /// be derived exactly (an architecture whose word is not known here, or a randstruct seed).
    /// </summary>
    public string? Vermagic(string release, out string? unknownReason)
    {
        unknownReason = null;
        string arch;
        if (IsSet("CONFIG_X86_64"))
            arch = "";
        else if (IsSet("CONFIG_ARM64"))
            arch = "aarch64";
        else
        {
            unknownReason = "the architecture's MODULE_ARCH_VERMAGIC is not known for this configuration";
            return null;
        }
        if (IsSet("CONFIG_RANDSTRUCT") || IsSet("CONFIG_GCC_PLUGIN_RANDSTRUCT"))
        {
            unknownReason = "CONFIG_RANDSTRUCT adds a seed hash the headers do not carry";
            return null;
        }
        var magic = new StringBuilder(release).Append(' ');
        if (IsSet("CONFIG_SMP"))
            magic.Append("SMP ");
        if (IsSet("CONFIG_PREEMPT_BUILD") || (IsSet("CONFIG_PREEMPT") && !_values.ContainsKey("CONFIG_PREEMPT_BUILD")))
            magic.Append("preempt ");
        else if (IsSet("CONFIG_PREEMPT_RT"))
            magic.Append("preempt_rt ");
        if (IsSet("CONFIG_MODULE_UNLOAD"))
            magic.Append("mod_unload ");
        if (IsSet("CONFIG_MODVERSIONS"))
            magic.Append("modversions ");
        if (arch.Length > 0)
            magic.Append(arch).Append(' ');
        return magic.ToString();
    }
}

/// <summary>Loader options read from a configuration.</summary>
public static class KernelConfigLoader
{
    /// <summary>The loader options this configuration sets.</summary>
    public static Kabigate.Abi.LoaderConfig Loader(this KernelConfig config) =>
        new(config.IsSet("CONFIG_MODULE_FORCE_LOAD"), config.IsSet("CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS"), config.IsSet("CONFIG_MODULE_ALLOW_BTF_MISMATCH"));
}

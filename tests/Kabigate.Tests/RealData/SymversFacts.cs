using Kabigate.Tests.Support;

namespace Kabigate.Tests.RealData;

/// <summary>
/// An independent reading of a real Module.symvers (plain string splitting, no kabigate code), so that expected
/// verdicts follow from the data rather than from a list written down today.
/// </summary>
internal sealed class SymversFacts
{
    private readonly Dictionary<string, (uint Crc, string Module, string Kind, string Namespace)> _rows = new(StringComparer.Ordinal);

    private SymversFacts(string text)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            _rows[f[1]] = (Convert.ToUInt32(f[0], 16), f[2], f[3], f.Length > 4 ? f[4] : "");
        }
    }

    public static SymversFacts ForRelease(string release)
    {
        var installed = Path.Combine(Support.RealData.HeadersDir(release), "Module.symvers");
        if (File.Exists(installed))
            return new SymversFacts(File.ReadAllText(installed));
        var deb = Support.RealData.Instance.HeadersDeb(release);
        return new SymversFacts(Tools.RunOk("bash", "-c", $"dpkg-deb --fsys-tarfile '{deb}' | tar -xO --wildcards '*/Module.symvers'"));
    }

    public uint Crc(string symbol) => _rows[symbol].Crc;

    public bool Has(string symbol) => _rows.ContainsKey(symbol);

    public int Count => _rows.Count;
}

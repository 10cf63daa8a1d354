namespace Kabigate.Abi;

/// <summary>A set of symbols a vendor promises to keep stable (RHEL's kABI stablelist, formerly whitelist).</summary>
public sealed class Stablelist
{
    private readonly HashSet<string> _symbols;

    /// <summary>Creates a list.</summary>
    /// <param name="symbols">The listed symbols.</param>
    /// <param name="source">Where the list came from.</param>
    public Stablelist(IEnumerable<string> symbols, string source)
    {
        _symbols = new HashSet<string>(symbols, StringComparer.Ordinal);
        Source = source;
    }

    /// <summary>Where the list came from.</summary>
    public string Source { get; }

    /// <summary>How many symbols are listed.</summary>
    public int Count => _symbols.Count;

    /// <summary>Whether the symbol is listed.</summary>
    public bool Contains(string symbol) => _symbols.Contains(symbol);
}

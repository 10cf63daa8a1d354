namespace Kabigate.Abi;

/// <summary>Interns symbol names to dense integer ids, so that ABIs become arrays indexed by symbol.</summary>
internal sealed class SymbolTable
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];

    public int Count => _names.Count;

    public int Intern(string name)
    {
        if (!_ids.TryGetValue(name, out var id))
        {
            id = _names.Count;
            _ids.Add(name, id);
            _names.Add(name);
        }
        return id;
    }

    public string Name(int id) => _names[id];

    /// <summary>Looks a name up without adding it; safe to call from several threads while nobody interns.</summary>
    public bool TryGetId(string name, out int id) => _ids.TryGetValue(name, out id);
}

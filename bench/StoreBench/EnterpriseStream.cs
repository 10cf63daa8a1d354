using Kabigate.Abi;

namespace Kabigate.Bench;

/// <summary>
/// Synthetic releases of one enterprise kernel line, changed the way such a stream changes: starting from a real ABI,
/// a minor release every 100 z-streams changes a few thousand CRCs and adds and removes a few dozen symbols, and each
/// z-stream changes a few dozen to a few hundred CRCs. Releases are named like RHEL 9's
/// (<c>5.14.0-427.13.1.el9_4.x86_64</c>), so all are one line and their ABIs chain as deltas. Seeded: every run
/// makes the same releases.
/// </summary>
internal sealed class EnterpriseStream
{
    /// <summary>The build number of each minor release's first kernel, as RHEL 9's run.</summary>
    private static readonly int[] s_minorBuilds = [70, 162, 284, 362, 427, 503, 570, 611, 687, 750];

    public const int ZStreamsPerMinor = 100;

    private readonly KernelAbi _origin;
    private readonly Random _random = new(4242);
    private readonly Dictionary<string, KernelExport> _current;
    private readonly List<string> _symbols;
    private readonly string _vermagicTail;

    public EnterpriseStream(KernelAbi origin)
    {
        _origin = origin;
        _current = new Dictionary<string, KernelExport>(origin.Exports, StringComparer.Ordinal);
        _symbols = [.. origin.Exports.Keys.Order(StringComparer.Ordinal)];
        var vermagic = origin.Vermagic ?? throw new InvalidOperationException($"{origin.Release}: no vermagic to derive the releases' from");
        _vermagicTail = vermagic[vermagic.IndexOf(' ', StringComparison.Ordinal)..];
    }

    /// <summary>CRCs changed, symbols added and removed so far.</summary>
    public (long Crcs, long Added, long Removed) Changes { get; private set; }

    public static string Release(int index)
    {
        int minor = index / ZStreamsPerMinor, z = (index % ZStreamsPerMinor) + 1;
        int build = minor < s_minorBuilds.Length ? s_minorBuilds[minor] : s_minorBuilds[^1] + (80 * (minor - s_minorBuilds.Length + 1));
        return $"5.14.0-{build}.{z}.1.el9_{minor}.x86_64";
    }

    public string Vermagic(string release) => release + _vermagicTail;

    /// <summary>The next release: the first is the origin's ABI unchanged, under the stream's first name.</summary>
    public KernelAbi Next(int index)
    {
        if (index > 0 && index % ZStreamsPerMinor == 0)
        {
            ChangeCrcs(_random.Next(2500, 3501));
            Remove(_random.Next(20, 61));
            Add(_random.Next(20, 61), index / ZStreamsPerMinor);
        }
        else if (index > 0)
        {
            ChangeCrcs(_random.Next(24, 301));
        }
        var release = Release(index);
        return new KernelAbi(release, _current.Values, $"synthetic:{release}", Vermagic(release), loader: _origin.Loader);
    }

    private void ChangeCrcs(int count)
    {
        for (int n = 0; n < count; n++)
        {
            var symbol = _symbols[_random.Next(_symbols.Count)];
            _current[symbol] = _current[symbol] with { Crc = NewCrc(_current[symbol].Crc) };
        }
        Changes = Changes with { Crcs = Changes.Crcs + count };
    }

    private void Remove(int count)
    {
        for (int n = 0; n < count; n++)
        {
            int at = _random.Next(_symbols.Count);
            _current.Remove(_symbols[at]);
            _symbols[at] = _symbols[^1];
            _symbols.RemoveAt(_symbols.Count - 1);
        }
        Changes = Changes with { Removed = Changes.Removed + count };
    }

    private void Add(int count, int minor)
    {
        int added = 0;
        for (int n = 0; n < count; n++)
        {
            // A new export lives next to an existing one: same module, kind and namespace.
            var neighbour = _current[_symbols[_random.Next(_symbols.Count)]];
            var symbol = $"{neighbour.Symbol}_el9_{minor}_{n}";
            if (_current.TryAdd(symbol, neighbour with { Symbol = symbol, Crc = NewCrc(neighbour.Crc) }))
            {
                _symbols.Add(symbol);
                added++;
            }
        }
        Changes = Changes with { Added = Changes.Added + added };
    }

    private uint? NewCrc(uint? old)
    {
        uint crc;
        do
            crc = (uint)_random.NextInt64(1, 1L << 32);
        while (crc == old);
        return crc;
    }
}

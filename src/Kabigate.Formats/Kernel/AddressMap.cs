using Kabigate.Formats.Elf;

namespace Kabigate.Formats.Kernel;

/// <summary>
/// Maps virtual addresses of a linked image to its sections: the allocated sections with file contents, sorted by
/// <c>sh_addr</c>, searched by halving. Sections were validated to lie inside the file when the table was read.
/// </summary>
internal sealed class AddressMap
{
    private readonly Section[] _sections;

    public AddressMap(SectionTable sections)
    {
        _sections = [.. sections.All
            .Where(s => (s.Flags & ElfLayout.SectionFlagAlloc) != 0 && s.Type != ElfLayout.SectionTypeNoBits && s.Size > 0)
            .OrderBy(s => s.Address)];
    }

    /// <summary>Finds the section holding <paramref name="address"/>; false when none does.</summary>
    public bool TryFind(ulong address, out Section section)
    {
        int lo = 0, hi = _sections.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_sections[mid].Address <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        if (found >= 0 && address - _sections[found].Address < _sections[found].Size)
        {
            section = _sections[found];
            return true;
        }
        section = default;
        return false;
    }
}

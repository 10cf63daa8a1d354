namespace Kabigate.Abi;

/// <summary>
/// What the BTF rule needs of a <c>.BTF</c> section (kernel/bpf/btf.c, btf_parse_module): a vmlinux's type count and
/// string length, the base a module's split BTF is numbered against; and of a module's split BTF, how far its
/// references reach and which base it was generated on top of.
/// </summary>
/// <param name="TypeCount">Types it defines (ids 1..count for a vmlinux; base count + 1.. for a module).</param>
/// <param name="StringLength">Length of its string section.</param>
/// <param name="MaxNameOffset">The largest name offset any type, member, parameter or enumerator uses (0 when none).</param>
/// <param name="MaxTypeId">The largest type id any type refers to (0 when none).</param>
/// <param name="BuildBaseStringLength">
/// For a module: the base's string length its own strings were numbered from (pahole numbers them from the base's
/// end), known when it has own strings; else null.
/// </param>
public sealed record BtfFacts(int TypeCount, uint StringLength, uint MaxNameOffset, uint MaxTypeId, uint? BuildBaseStringLength);

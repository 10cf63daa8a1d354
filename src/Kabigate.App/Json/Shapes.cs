namespace Kabigate.App.Json;

/// <summary>A kernel, as every JSON document names one: the same fields everywhere, null where the source does not tell.</summary>
/// <param name="Id">The store's id, or null for a kernel read from a source.</param>
/// <param name="Release">The kernel release.</param>
/// <param name="Line">Its line (build numbers as <c>*</c>).</param>
/// <param name="Source">Where it was read from (for a stored kernel: where it was ingested from).</param>
/// <param name="Vermagic">Its vermagic, or null when the source does not carry it.</param>
/// <param name="Exports">How many symbols it exports (for a stored kernel loaded for judging: in its listing).</param>
/// <param name="ContentHash">The store's hash of its content, or null.</param>
/// <param name="Ingested">When it was ingested (ISO 8601), or null.</param>
/// <param name="Conflicting">Whether its release is stored with other content too.</param>
public sealed record JsonKernel(long? Id, string Release, string Line, string? Source, string? Vermagic, int? Exports, string? ContentHash = null, string? Ingested = null, bool Conflicting = false);

/// <summary>A kmod (a module), as every JSON document names one.</summary>
/// <param name="Id">The store's id, or null for a module read from a source.</param>
/// <param name="Name">The module name.</param>
/// <param name="Path">Its file (<c>package!member</c> inside a package).</param>
/// <param name="BuiltFor">The kernel it was built for: the first word of its vermagic, or <c>?</c>.</param>
/// <param name="Vermagic">Its vermagic, or null.</param>
/// <param name="License">Its license, or null.</param>
/// <param name="Source">The source it was ingested from, or null.</param>
/// <param name="ContentHash">The store's hash of its content, or null.</param>
/// <param name="Ingested">When it was ingested (ISO 8601), or null.</param>
public sealed record JsonKmod(long? Id, string Name, string Path, string BuiltFor, string? Vermagic, string? License, string? Source = null, string? ContentHash = null, string? Ingested = null);

/// <summary>One finding of the loader's rules, as every JSON document gives it.</summary>
/// <param name="Kind">The stable kind name, e.g. <c>crc-mismatch</c>.</param>
/// <param name="Symbol">The symbol, or null.</param>
/// <param name="Expected">The exporter's CRC (<c>0x%08x</c>), or null.</param>
/// <param name="Found">The module's CRC, or null.</param>
/// <param name="Message">The kernel's words.</param>
/// <param name="Exporter">Who exports the symbol, or null.</param>
/// <param name="From"><c>vmlinux</c>, <c>kernel-module</c>, <c>module-set</c>, or null.</param>
/// <param name="Stablelisted">Whether the symbol is on the stablelist; null without one.</param>
public sealed record JsonProblem(string Kind, string? Symbol, string? Expected, string? Found, string Message, string? Exporter, string? From, bool? Stablelisted);

/// <summary>A module's verdict on a kernel.</summary>
/// <param name="Loads">Whether it loads.</param>
/// <param name="Problems">Why not.</param>
/// <param name="Warnings">What the loader warns about when it loads.</param>
public sealed record JsonVerdict(bool Loads, IReadOnlyList<JsonProblem> Problems, IReadOnlyList<JsonProblem> Warnings);

/// <summary>An input that could not be read.</summary>
/// <param name="Source">The input as named.</param>
/// <param name="Message">Why, one line.</param>
public sealed record JsonSourceError(string Source, string Message);

/// <summary>An RPM package, as the package gates name one.</summary>
/// <param name="Nevra"><c>name-[epoch:]version-release.arch</c>.</param>
/// <param name="Name">The name.</param>
/// <param name="Epoch">The epoch (0 when none).</param>
/// <param name="Version">The version.</param>
/// <param name="Release">The release.</param>
/// <param name="Arch">The architecture.</param>
/// <param name="Origin">Where it came from: the repository exactly as given with <c>--repo</c> (the dnf plugin
/// excludes the package from that repository only), or the rpm database's path.</param>
public sealed record JsonPackage(string Nevra, string Name, int Epoch, string Version, string Release, string Arch, string Origin);

namespace Kabigate.Abi;

/// <summary>How a symbol is exported (the Module.symvers export-type column).</summary>
public enum ExportKind : byte
{
    /// <summary><c>EXPORT_SYMBOL</c>: usable by any module.</summary>
    Plain,

    /// <summary><c>EXPORT_SYMBOL_GPL</c>: usable only by modules with a GPL-compatible license.</summary>
    Gpl,

    /// <summary><c>EXPORT_SYMBOL_GPL_FUTURE</c> (removed in 5.x): usable by any module.</summary>
    GplFuture,

    /// <summary><c>EXPORT_UNUSED_SYMBOL</c> (removed in 5.x).</summary>
    Unused,

    /// <summary><c>EXPORT_UNUSED_SYMBOL_GPL</c> (removed in 5.x): GPL-only.</summary>
    UnusedGpl,
}

/// <summary>Helpers for <see cref="ExportKind"/>.</summary>
public static class ExportKinds
{
    /// <summary>Whether only GPL-compatible modules may resolve the symbol.</summary>
    public static bool IsGplOnly(this ExportKind kind) => kind is ExportKind.Gpl or ExportKind.UnusedGpl;

    /// <summary>The Module.symvers spelling, e.g. <c>EXPORT_SYMBOL_GPL</c>.</summary>
    public static string ToSymversName(this ExportKind kind) => kind switch
    {
        ExportKind.Plain => "EXPORT_SYMBOL",
        ExportKind.Gpl => "EXPORT_SYMBOL_GPL",
        ExportKind.GplFuture => "EXPORT_SYMBOL_GPL_FUTURE",
        ExportKind.Unused => "EXPORT_UNUSED_SYMBOL",
        _ => "EXPORT_UNUSED_SYMBOL_GPL",
    };

    /// <summary>Parses the Module.symvers spelling; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ExportKind kind)
    {
        switch (text)
        {
            case "EXPORT_SYMBOL": kind = ExportKind.Plain; return true;
            case "EXPORT_SYMBOL_GPL": kind = ExportKind.Gpl; return true;
            case "EXPORT_SYMBOL_GPL_FUTURE": kind = ExportKind.GplFuture; return true;
            case "EXPORT_UNUSED_SYMBOL": kind = ExportKind.Unused; return true;
            case "EXPORT_UNUSED_SYMBOL_GPL": kind = ExportKind.UnusedGpl; return true;
            default: kind = ExportKind.Plain; return false;
        }
    }
}

/// <summary>One exported symbol of a kernel: a Module.symvers row.</summary>
/// <param name="Symbol">The symbol name.</param>
/// <param name="Crc">The modversions CRC, or null when the exporter has none (modversions off, CRC 0).</param>
/// <param name="Module">The exporter: <c>vmlinux</c> or a module path without <c>.ko</c>.</param>
/// <param name="Kind">The export kind.</param>
/// <param name="Namespace">The symbol namespace, or null.</param>
public sealed record KernelExport(string Symbol, uint? Crc, string Module, ExportKind Kind, string? Namespace)
{
    /// <summary>Whether the exporter is the kernel image itself.</summary>
    public bool IsVmlinux => Module == "vmlinux";
}

using System.Globalization;
using Kabigate.Abi;
using Kabigate.App.Json;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.Cli.Rendering;

/// <summary>The reports of <c>kernels</c>, <c>kmods</c>, <c>history</c> and <c>greylist</c>.</summary>
internal static class StoreReports
{
    public static void KernelsJson(TextWriter stdout, IReadOnlyList<StoredKernel> kernels) => Json.Write(stdout, SourceDocuments.Kernels(kernels));

    public static string KernelsText(IReadOnlyList<StoredKernel> kernels)
    {
        var table = new TextTable("ID", "RELEASE", "LINE", "EXPORTS", "INGESTED", "SOURCE");
        foreach (var k in kernels)
            table.Add(k.Id.ToString(CultureInfo.InvariantCulture), k.Release + (k.Conflicting ? " (!)" : ""), k.Line, k.ExportCount.ToString(CultureInfo.InvariantCulture), k.IngestedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), k.Source);
        var text = table.Render() + $"{kernels.Count} kernels\n";
        if (kernels.Any(k => k.Conflicting))
            text += "(!) the release was ingested with different contents; all are kept; name one with id:N\n";
        return text;
    }

    public static void KmodsJson(TextWriter stdout, IReadOnlyList<StoredKmod> kmods) => Json.Write(stdout, SourceDocuments.Kmods(kmods));

    public static string KmodsText(IReadOnlyList<StoredKmod> kmods)
    {
        var table = new TextTable("ID", "NAME", "BUILT FOR", "LICENSE", "PATH");
        foreach (var k in kmods)
            table.Add(k.Id.ToString(CultureInfo.InvariantCulture), k.Name, Labels.BuiltFor(k.Vermagic), k.License ?? "-", k.Path);
        return table.Render() + $"{kmods.Count} kmods\n";
    }

    public static void HistoryJson(TextWriter stdout, HistoryResult result) => Json.Write(stdout, SourceDocuments.History(result));

    public static string HistoryText(HistoryResult result)
    {
        var table = new TextTable("", "RELEASE", "CRC", "KIND", "NAMESPACE", "MODULE");
        foreach (var row in result.Rows)
        {
            var e = row.Export;
            table.Add(row.Changed ? "*" : "", Labels.Kernel(row.Kernel), e is null ? "(not exported)" : Hex.Crc(e.Crc) ?? "-", e?.Kind.ToSymversName() ?? "", e?.Namespace ?? "", e?.Module ?? "");
        }
        return table.Render()
            + $"{result.Symbol}: exported by {result.Rows.Count(r => r.Export is not null)} of {result.Rows.Count} stored releases; {result.Changes} changes between consecutive releases of a line (marked *)\n";
    }

    public static void GreylistJson(TextWriter stdout, GreylistResult result) => Json.Write(stdout, SourceDocuments.Greylist(result));

    public static void GreylistCsv(TextWriter stdout, GreylistResult result)
    {
        stdout.WriteLine("symbol,kmod_count,crc_changes,removals,releases,exporter,kmods");
        foreach (var e in result.Entries)
            stdout.WriteLine(string.Join(",", Csv.Field(e.Symbol), e.Kmods.Count, e.CrcChanges, e.Removals, e.Releases, Csv.Field(e.Exporter ?? ""), Csv.Field(string.Join(" ", e.Kmods))));
    }

    public static string GreylistText(GreylistResult result)
    {
        var table = new TextTable("SYMBOL", "KMODS", "CRC CHANGES", "REMOVED", "RELEASES", "EXPORTER", "USED BY");
        foreach (var e in result.Entries)
        {
            var users = e.Kmods.Count > 4 ? string.Join(" ", e.Kmods.Take(4)) + $" +{e.Kmods.Count - 4}" : string.Join(" ", e.Kmods);
            table.Add(e.Symbol, e.Kmods.Count.ToString(CultureInfo.InvariantCulture), e.CrcChanges.ToString(CultureInfo.InvariantCulture), e.Removals.ToString(CultureInfo.InvariantCulture), $"{e.Releases}/{result.Kernels}", e.Exporter ?? "(not exported)", users);
        }
        var list = result.Stablelist;
        return table.Render()
            + $"{result.Entries.Count} symbols used by {result.Kmods} stored kmods are {(list is null ? "listed (no stablelist given)" : $"not on the stablelist {list.Source}")}; CRC changes counted over {result.Kernels} stored releases\n";
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using Kabigate.Abi;
using Kabigate.App.Json;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.Cli.Rendering;

/// <summary>The kmod × kernel matrix as text, JSON (schema 1), CSV and a self-contained HTML page.</summary>
internal static class MatrixReport
{
    public static string Text(MatrixResult result)
    {
        var (matrix, kmods, kernels) = (result.Verdicts, result.Kmods, result.Kernels);
        var text = new StringBuilder();
        for (int k = 0; k < kernels.Count; k++)
            text.Append(CultureInfo.InvariantCulture, $"K{k + 1} = {Labels.Kernel(kernels[k])}\n");
        var headers = new[] { "ID", "KMOD", "BUILT FOR" }.Concat(kernels.Select((_, k) => $"K{k + 1}")).ToArray();
        var table = new TextTable(headers);
        for (int m = 0; m < kmods.Count; m++)
            table.Add([kmods[m].Id.ToString(CultureInfo.InvariantCulture), kmods[m].Name, Labels.BuiltFor(kmods[m].Vermagic), .. matrix[m].Select(v => v.Loads ? "ok" : Short(v))]);
        text.Append(table.Render());
        int loads = matrix.Sum(row => row.Count(v => v.Loads));
        text.Append(CultureInfo.InvariantCulture, $"{loads} of {kmods.Count * kernels.Count} (kmod, kernel) pairs load; a failing cell shows the first problem's kind\n");
        return text.ToString();
    }

    public static void Json(TextWriter stdout, MatrixResult result) => Rendering.Json.Write(stdout, VerdictDocuments.Matrix(result), indented: false);

    /// <summary>
    /// One line per (kmod, kernel); each kmod's and kernel's fields are formatted once, and lines reach the writer in
    /// 64 KiB pieces (a console writer flushes on every write: one system call a line was most of the time).
    /// </summary>
    public static void Csv(TextWriter stdout, MatrixResult result)
    {
        var (matrix, kmods, kernels) = (result.Verdicts, result.Kmods, result.Kernels);
        var kernelFields = kernels.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Id},{Rendering.Csv.Field(k.Release)},")).ToArray();
        var text = new StringBuilder(80 * 1024);
        text.Append("kmod_id,kmod,built_for,kernel_id,kernel,loads,problems,first_problem\n");
        for (int m = 0; m < kmods.Count; m++)
        {
            var kmodFields = string.Create(CultureInfo.InvariantCulture, $"{kmods[m].Id},{Rendering.Csv.Field(kmods[m].Name)},{Rendering.Csv.Field(Labels.BuiltFor(kmods[m].Vermagic))},");
            for (int k = 0; k < kernels.Count; k++)
            {
                var v = matrix[m][k];
                text.Append(kmodFields).Append(kernelFields[k]).Append(v.Loads ? "true," : "false,").Append(v.Problems.Count).Append(',');
                if (v.Problems.Count > 0)
                    text.Append(Rendering.Csv.Field(v.Problems[0].Message));
                text.Append('\n');
            }
            if (text.Length >= 64 * 1024)
            {
                stdout.Write(text);
                text.Clear();
            }
        }
        stdout.Write(text);
    }

    public static string Html(MatrixResult result)
    {
        var (matrix, kmods, kernels, store) = (result.Verdicts, result.Kmods, result.Kernels, result.Store);
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        int loads = matrix.Sum(row => row.Count(v => v.Loads));
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kabigate matrix</title>\n<style>\n")
            .Append("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;font-size:13px}")
            .Append("th,td{border:1px solid #ccc;padding:3px 6px;text-align:center;white-space:nowrap}th.k{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal}")
            .Append("td.n{text-align:left}td.ok{background:#c8ecc8}td.fail{background:#f5c2c2;cursor:help}td.ok::after{content:'✓'}td.fail::after{content:'✗'}")
            .Append(".legend span{display:inline-block;padding:2px 8px;margin-right:8px}\n</style></head><body>\n")
            .Append(CultureInfo.InvariantCulture, $"<h1>Which kmod loads on which kernel</h1>\n<p>{kmods.Count} kmods × {kernels.Count} kernels from <code>{E(store)}</code>: {loads} of {kmods.Count * kernels.Count} pairs load. Hover a red cell for the kernel's reasons.</p>\n")
            .Append("<p class=\"legend\"><span class=\"ok\" style=\"background:#c8ecc8\">✓ loads</span><span style=\"background:#f5c2c2\">✗ refused by the loader</span></p>\n")
            .Append("<table><thead><tr><th>kmod</th><th>built for</th>");
        foreach (var k in kernels)
            html.Append(CultureInfo.InvariantCulture, $"<th class=\"k\" title=\"id:{k.Id} {E(k.Source)}\">{E(Labels.Kernel(k))}</th>");
        html.Append("</tr></thead><tbody>\n");
        for (int m = 0; m < kmods.Count; m++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"n\" title=\"id:{kmods[m].Id} {E(kmods[m].Path)}\">{E(kmods[m].Name)}</td><td class=\"n\">{E(Labels.BuiltFor(kmods[m].Vermagic))}</td>");
            foreach (var v in matrix[m])
            {
                if (v.Loads)
                    html.Append("<td class=\"ok\"></td>");
                else
                    html.Append(CultureInfo.InvariantCulture, $"<td class=\"fail\" title=\"{E(string.Join("\n", v.Problems.Select(p => p.Message)))}\"></td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody></table>\n</body></html>\n");
        return html.ToString();
    }

    private static string Short(Verdict verdict) => verdict.Problems[0].Kind.ToJsonName();
}

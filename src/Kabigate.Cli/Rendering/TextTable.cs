using System.Text;

namespace Kabigate.Cli.Rendering;

/// <summary>A plain-text table: left-aligned columns two spaces apart, the last column unpadded.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public string Render()
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (int c = 0; c < row.Length && c < widths.Length; c++)
                widths[c] = Math.Max(widths[c], row[c].Length);
        }
        var text = new StringBuilder();
        void Line(string[] cells)
        {
            for (int c = 0; c < cells.Length; c++)
            {
                if (c == cells.Length - 1)
                    text.Append(cells[c]);
                else
                    text.Append(cells[c].PadRight(widths[c] + 2));
            }
            text.Append('\n');
        }
        Line(headers);
        foreach (var row in _rows)
            Line(row);
        return text.ToString();
    }
}

/// <summary>RFC 4180 fields.</summary>
internal static class Csv
{
    public static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

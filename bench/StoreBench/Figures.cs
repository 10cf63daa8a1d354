using System.Diagnostics;
using System.Globalization;

namespace Kabigate.Bench;

/// <summary>Output and timing helpers shared by the modes.</summary>
internal static class Figures
{
    /// <summary>A figure for bench/store to pick up: <c>@name=value</c>, invariant culture.</summary>
    public static void Emit(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"@{name}={value:0.######}"));

    public static void Say(FormattableString line) => Console.WriteLine(FormattableString.Invariant(line));

    public static double Ms(this Stopwatch watch) => watch.Elapsed.TotalMilliseconds;

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Deletes an SQLite store and its journal files.</summary>
    public static void DeleteStore(string db)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
            File.Delete(db + suffix);
    }
}

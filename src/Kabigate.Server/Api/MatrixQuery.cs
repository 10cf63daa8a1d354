using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.App.Service;

namespace Kabigate.Server.Api;

/// <summary>A page of the matrix: the rows chosen by the filters, paged; the dashboard's matrix page reads the same.</summary>
/// <param name="Kmods">Globs over kmod names.</param>
/// <param name="Kernels">Globs over releases and lines.</param>
/// <param name="Failing">Only kmods that fail on some chosen kernel.</param>
/// <param name="Transitions">Only kmods whose verdict changes across the chosen kernels.</param>
/// <param name="Page">The page, from 1.</param>
/// <param name="PerPage">Rows a page.</param>
internal sealed record MatrixQuery(IReadOnlyList<string> Kmods, IReadOnlyList<string> Kernels, bool Failing, bool Transitions, int Page, int PerPage)
{
    public static MatrixQuery From(IQueryCollection query) =>
        new(List(query["kmods"]), List(query["kernels"]), Flag(query["failing"]), Flag(query["transitions"]),
            Math.Max(1, Number(query["page"], 1)), Math.Clamp(Number(query["per_page"], 100), 1, ReadApi.MaxPage));

    public static IReadOnlyList<string> List(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Runs the matrix (or takes it from the answers, while the store's kernels and kmods stay the same) and keeps one
    /// page of the rows that pass the filters.
    /// </summary>
    public (MatrixResult Result, int Total) Run(ServiceContext s, AnswerCache answers, IOperationLog log)
    {
        string key;
        using (var store = s.OpenRead())
            key = StoredAnswers.Key(store, s.Settings, "matrix", string.Join(',', Kmods), string.Join(',', Kernels));
        // A verdict holds its problems: a few hundred bytes each on average.
        var full = answers.GetOrAdd(key, () => StoredVerdicts.Matrix(new MatrixRequest(s.Db, Kmods, Kernels), log),
            m => 1024L * (m.Kmods.Count + m.Kernels.Count) + (256L * m.Kmods.Count * m.Kernels.Count));
        var rows = Enumerable.Range(0, full.Kmods.Count)
            .Where(i => !Failing || full.Verdicts[i].Any(v => !v.Loads))
            .Where(i => !Transitions || full.Verdicts[i].Select(v => v.Loads).Distinct().Count() > 1)
            .ToList();
        var page = rows.Skip((Page - 1) * PerPage).Take(PerPage).ToList();
        var result = full with { Kmods = [.. page.Select(i => full.Kmods[i])], Verdicts = [.. page.Select(i => full.Verdicts[i])] };
        return (result, rows.Count);
    }

    private static bool Flag(string? value) => value is "1" or "true" or "on" or "yes";

    private static int Number(string? value, int fallback) => int.TryParse(value, out var n) ? n : fallback;
}

using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.App.Service;
using Kabigate.Formats;
using Kabigate.Server.Api;
using Kabigate.Store;
using static Kabigate.Server.Dashboard.Html;

namespace Kabigate.Server.Dashboard;

/// <summary>The dashboard: the same App entry points as the API and the CLI, rendered as HTML.</summary>
internal static class DashboardPages
{
    private static readonly string[] TransitionOrder = ["new-break", "fixed", "still-broken"];

    public static void MapDashboard(this WebApplication app)
    {
        var pages = app.MapGroup("").RequireAuthorization("read").ExcludeFromDescription();
        pages.MapGet("/", (ServiceContext s) => Guard(() => Home(s)));
        pages.MapGet("/matrix", (HttpContext http, ServiceContext s, AnswerCache answers) => Guard(() => Matrix(http, s, answers)));
        pages.MapGet("/kernels", (ServiceContext s) => Guard(() => Kernels(s)));
        pages.MapGet("/kernels/{release}", (string release, ServiceContext s) => Guard(() => Kernel(s, release)));
        pages.MapGet("/kmods", (ServiceContext s) => Guard(() => Kmods(s)));
        pages.MapGet("/kmods/{name}", (string name, ServiceContext s) => Guard(() => Kmod(s, name)));
        pages.MapGet("/runs", (ServiceContext s) => Guard(() => Runs(s)));
        pages.MapGet("/runs/{id:long}", (long id, ServiceContext s) => Guard(() => Run(s, id)));
        pages.MapGet("/sources", (ServiceContext s) => Guard(() => Sources(s)));
        pages.MapGet("/symbols/{symbol}", (string symbol, ServiceContext s) => Guard(() => Symbol(s, symbol)));
        pages.MapGet("/greylist", (ServiceContext s) => Guard(() => Greylist(s)));
    }

    private static IResult Home(ServiceContext s)
    {
        var page = new Html();
        using var store = s.OpenRead();
        var runs = store.GateRuns(20);
        if (runs.Count == 0)
            return page.P("No gate run yet: the watched sources have brought no kernel, or no kmod is registered.").Page("Transitions");
        page.P($"The latest {runs.Count} gate runs: new breaks first, then fixes, then what stays broken.");
        foreach (var run in runs)
        {
            // A line's first release has no transitions: what fails on it is shown as still broken would be.
            var cases = store.GateRunCases(run.Id).Where(c => TransitionOrder.Contains(c.Transition) || (c.Transition == "first" && c.Outcome == "fails"))
                .OrderBy(c => c.Transition == "first" ? TransitionOrder.Length : Array.IndexOf(TransitionOrder, c.Transition)).ThenBy(c => c.Kmod, StringComparer.Ordinal).ToList();
            page.Raw($"<h2>{Link($"/kernels/{U(run.Release)}", run.Release)} <small>{Link($"/runs/{run.Id}", $"run {run.Id}")} · {E(run.StartedAt.ToString("u"))} · " +
                $"{N(run.Kmods)} kmods · {N(run.NewBreaks)} new breaks · {N(run.Fixed)} fixed · {N(run.StillBroken)} still broken</small></h2>\n");
            if (cases.Count == 0)
            {
                page.P(run.PreviousRelease is null ? "First release of its line here; every registered kmod passes." : $"Against {run.PreviousRelease}: nothing broke, nothing was fixed, nothing is broken.");
                continue;
            }
            page.Table(["kmod", "transition", "last good", "first bad", "the kernel's words"], cases.Select(c => new[]
            {
                Link($"/kmods/{U(c.Kmod)}", c.Kmod), Badge(c.Transition),
                c.Transition == "new-break" ? E(run.PreviousRelease) : "",
                c.Transition == "new-break" ? E(run.Release) : "",
                Words(c.Reasons),
            }));
        }
        return page.Page("Transitions");
    }

    private static IResult Matrix(HttpContext http, ServiceContext s, AnswerCache answers)
    {
        var query = MatrixQuery.From(http.Request.Query);
        var (result, total) = query.Run(s, answers, SilentLog.Instance);
        var page = new Html();
        page.Raw($"""
            <form method="get" action="/matrix">kmods <input name="kmods" value="{E(string.Join(',', query.Kmods))}" placeholder="glob,…">
            kernels <input name="kernels" value="{E(string.Join(',', query.Kernels))}" placeholder="glob,…">
            <label><input type="checkbox" name="failing" value="true"{(query.Failing ? " checked" : "")}>only failing</label>
            <label><input type="checkbox" name="transitions" value="true"{(query.Transitions ? " checked" : "")}>only changing</label>
            <input type="hidden" name="per_page" value="{query.PerPage}"><button>filter</button></form>
            """);
        int pages = Math.Max(1, (total + query.PerPage - 1) / query.PerPage);
        page.P($"{N(total)} kmods match; page {query.Page} of {pages}; {N(result.Kernels.Count)} kernels.");
        page.Table(["kmod", .. result.Kernels.Select(k => k.Release)], result.Kmods.Select((kmod, i) =>
            new[] { Link($"/kmods/{U(kmod.Name)}", kmod.Name) + $" <small>id:{kmod.Id}</small>" }
                .Concat(result.Verdicts[i].Select(v => v.Loads ? "<span class=\"badge loads\">loads</span>" : $"<span class=\"badge fails\" title=\"{E(v.Problems.FirstOrDefault()?.Message)}\">fails</span>"))), "matrix");
        string Url(int p) => $"/matrix?kmods={U(string.Join(',', query.Kmods))}&kernels={U(string.Join(',', query.Kernels))}" +
            $"{(query.Failing ? "&failing=true" : "")}{(query.Transitions ? "&transitions=true" : "")}&per_page={query.PerPage}&page={p}";
        page.Raw("<p>" + (query.Page > 1 ? Link(Url(query.Page - 1), "« previous") + " " : "") + (query.Page < pages ? Link(Url(query.Page + 1), "next »") : "") + "</p>");
        return page.Page("Matrix");
    }

    private static IResult Kernels(ServiceContext s)
    {
        var kernels = StoreQueries.Kernels(new ListRequest(s.Db, []));
        return new Html().Table(["release", "line", "exports", "source", "ingested"], kernels.Select(k => new[]
            { Link($"/kernels/{U(k.Release)}", k.Release) + (k.Conflicting ? " (!)" : ""), E(k.Line), N(k.ExportCount), E(k.Source), E(k.IngestedAt.ToString("u")) })).Page("Kernels");
    }

    private static IResult Kernel(ServiceContext s, string release)
    {
        var status = KernelStatusOperation.Run(s.Settings, release, SilentLog.Instance);
        var page = new Html();
        page.P($"Line {status.Kernel.Line}; {N(status.Kernel.ExportCount)} exports; from {status.Kernel.Source}.");
        if (status.Diff is { } diff)
        {
            page.H(2, $"What changed since {status.Previous!.Release}");
            var counts = diff.Changes.GroupBy(c => c.Change.Kind.ToString()).Select(g => $"{g.Count()} {g.Key}");
            page.P($"{string.Join(", ", counts)}; {diff.RelevantCount} relevant under the policy.");
            page.Table(["symbol", "change", "relevant", "breaks"], diff.Changes.OrderByDescending(c => c.Relevant).Take(200).Select(c => new[]
                { Link($"/symbols/{U(c.Change.Symbol)}", c.Change.Symbol), E(c.Change.Kind.ToString()), c.Relevant ? "yes" : "", E(string.Join(", ", c.Change.Breaks)) }));
        }
        if (status.Run is { } run)
        {
            page.H(2, $"Gate run {run.Run.Id}: {(run.Run.Passed ? "passed" : "failed")}");
            page.Table(["kmod", "outcome", "transition", "the kernel's words"], run.Cases.OrderBy(c => c.Outcome != "fails").Select(c => new[]
                { Link($"/kmods/{U(c.Kmod)}", c.Kmod), Badge(c.Outcome), Badge(c.Transition), Words(c.Reasons) }));
        }
        return page.Page(status.Kernel.Release);
    }

    private static IResult Kmods(ServiceContext s)
    {
        var kmods = StoreQueries.Kmods(new ListRequest(s.Db, []));
        return new Html().Table(["kmod", "id", "built for", "source"], kmods.Select(k => new[]
            { Link($"/kmods/{U(k.Name)}", k.Name), $"id:{k.Id}", E(Abi.KernelReleases.BuiltFor(k.Vermagic)), E(k.Source) })).Page("Kmods");
    }

    private static IResult Kmod(ServiceContext s, string name)
    {
        var status = KmodStatusOperation.Run(s.Db, name, SilentLog.Instance);
        var page = new Html();
        page.P($"{status.Builds.Count} stored builds: {string.Join(", ", status.Builds.Select(b => $"id:{b.Id} for {Abi.KernelReleases.BuiltFor(b.Vermagic)}"))}.");
        foreach (var line in status.Lines)
        {
            page.H(2, $"Line {line.Line}");
            page.P(line.FirstBad is null ? "Loads on the newest release of this line." : $"Last good: {line.LastGood?.Release ?? "none"}; first bad: {line.FirstBad.Release}.");
            page.Table(["release", "verdict", "build", "the kernel's words"], line.Releases.Select(r => new[]
                { Link($"/kernels/{U(r.Kernel.Release)}", r.Kernel.Release), Badge(r.Loads ? "loads" : "fails"), r.Build is null ? "" : $"id:{r.Build.Id}", Words(r.Reason is null ? [] : [r.Reason]) }));
        }
        return page.Page(name);
    }

    private static IResult Runs(ServiceContext s)
    {
        using var store = s.OpenRead();
        return new Html().Table(["run", "kernel", "previous", "trigger", "passed", "kmods", "new breaks", "fixed", "still broken", "started"], store.GateRuns(200).Select(r => new[]
            { Link($"/runs/{r.Id}", r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), Link($"/kernels/{U(r.Release)}", r.Release), E(r.PreviousRelease), E(r.Trigger),
              r.Passed ? "yes" : "no", N(r.Kmods), N(r.NewBreaks), N(r.Fixed), N(r.StillBroken), E(r.StartedAt.ToString("u")) })).Page("Gate runs");
    }

    private static IResult Run(ServiceContext s, long id)
    {
        using var store = s.OpenRead();
        if (store.GateRun(id) is not { } run)
            return new Html().P($"No gate run {id}.", "error").Page("Gate run", StatusCodes.Status404NotFound);
        return new Html().P($"{run.Release} against {run.PreviousRelease ?? "no previous release"}; policy {run.PolicyDigest[..Math.Min(12, run.PolicyDigest.Length)]}; trigger {run.Trigger}.")
            .Table(["kmod", "outcome", "transition", "the kernel's words"], store.GateRunCases(id).Select(c => new[]
                { Link($"/kmods/{U(c.Kmod)}", c.Kmod), Badge(c.Outcome), Badge(c.Transition), Words(c.Reasons) })).Page($"Gate run {id}");
    }

    private static IResult Sources(ServiceContext s)
    {
        using var store = s.OpenRead();
        var states = store.Watches();
        return new Html().Table(["name", "source", "every", "last poll", "last change", "failures", "last error"], s.Config.Watches.Select(w =>
        {
            var state = states.FirstOrDefault(x => x.Name == w.Name && x.Source == w.Source);
            return new[] { E(w.Name), E(w.Source), E(w.Every.ToString()), E(state?.PolledAt?.ToString("u") ?? "never"), E(state?.ChangedAt?.ToString("u")),
                N(state?.Failures ?? 0), state?.LastError is { } error ? $"<span class=\"error\">{E(error)}</span>" : "" };
        })).Page("Watched sources");
    }

    private static IResult Symbol(ServiceContext s, string symbol)
    {
        var history = StoreQueries.History(new HistoryRequest(s.Db, symbol, []));
        return new Html().Table(["release", "exported", "crc", "kind", "namespace", "module", "changed"], history.Rows.Select(r => new[]
            { Link($"/kernels/{U(r.Kernel.Release)}", r.Kernel.Release), r.Export is null ? "no" : "yes", E(r.Export?.Crc is { } c ? $"0x{c:x8}" : ""), E(r.Export?.Kind.ToString()),
              E(r.Export?.Namespace), E(r.Export?.Module), r.Changed ? "changed" : "" })).Page(symbol);
    }

    private static IResult Greylist(ServiceContext s)
    {
        var result = StoreQueries.Greylist(new GreylistRequest(s.Db, s.Settings.PolicyFile, s.Settings.StablelistFile, [], 500));
        return new Html().P($"{result.Entries.Count} symbols the stored kmods use outside the stablelist, over {result.Kernels} kernels and {result.Kmods} kmods.")
            .Table(["symbol", "kmods"], result.Entries.Select(e => new[] { Link($"/symbols/{U(e.Symbol)}", e.Symbol), E(string.Join(", ", e.Kmods)) })).Page("Greylist");
    }

    private static string Words(IEnumerable<string> reasons) => string.Join("<br>", reasons.Select(r => $"<span class=\"words\">{E(r)}</span>"));

    /// <summary>Bad references and unreadable stores are a page with one line, never a stack trace.</summary>
    private static IResult Guard(Func<IResult> page)
    {
        try
        {
            return page();
        }
        catch (Exception e) when (e is OperationException or StoreException or ModuleFormatException or IOException)
        {
            var message = e is OperationException o ? string.Join("; ", o.Messages) : e.Message;
            return new Html().P(message, "error").Page("Not found", StatusCodes.Status404NotFound);
        }
    }
}

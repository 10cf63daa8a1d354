using Kabigate.App;
using Kabigate.App.Operations;
using Kabigate.Tests.Support;
using Microsoft.Playwright;

namespace Kabigate.Tests.Server;

/// <summary>
/// The dashboard in Debian's chromium, driven by Playwright, with JavaScript off (the pages must work without it):
/// the home page's transitions, the matrix filters kept in the URL, and the way from a kmod to the kernel's words.
/// A screenshot of each page goes under the test results.
/// </summary>
[Collection("service")]
[Trait("Category", "RealData")]
public class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly Support.RealData Data = Support.RealData.Instance;

    [RealDataFact("chromium")]
    public async Task TheDashboard_ShowsTransitions_KeepsFiltersInTheUrl_AndLeadsToTheReasons()
    {
        using var temp = new TempDirectory();
        var db = temp.Combine("kabigate.db");
        IngestOperation.Run(new IngestRequest(db, [], [Data.HeadersDeb(Data.OldRelease), Data.HeadersDeb(Data.NewRelease)], [Data.KmodDir(Data.OldRelease)]), SilentLog.Instance);
        await using var service = await TestService.StartListening(temp.Path);
        // On start the service gates what no run has judged: both kernels, the newer against the older.
        await TestService.Eventually(async () =>
        {
            var text = await service.Client.GetStringAsync("/api/v1/gate-runs");
            return text.Contains(Data.NewRelease, StringComparison.Ordinal) ? text : null;
        }, what: "the gate runs");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        var shots = Screenshots();

        await page.GotoAsync(service.BaseUrl + "/");
        Assert.Equal("Transitions · kabigate", await page.TitleAsync());
        var breaks = page.Locator("span.badge.new-break");
        Assert.True(await breaks.CountAsync() > 0, "no new break on the home page");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "home.png"), FullPage = true });

        await page.ClickAsync("nav >> text=Matrix");
        await page.FillAsync("input[name=kmods]", "kg_*");
        await page.CheckAsync("input[name=failing]");
        await page.ClickAsync("form >> text=filter");
        Assert.Contains("kmods=kg_", page.Url, StringComparison.Ordinal);
        Assert.Contains("failing=true", page.Url, StringComparison.Ordinal);
        var rows = await page.Locator("#matrix tbody tr").CountAsync();
        Assert.True(rows > 0, "the filtered matrix is empty");
        Assert.True(await page.Locator("#matrix span.badge.fails").CountAsync() >= rows, "a failing-only row without a failure");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "matrix.png"), FullPage = true });

        // The same URL, loaded afresh, is the same page: the filters live in it.
        var again = await context.NewPageAsync();
        await again.GotoAsync(page.Url);
        Assert.Equal(rows, await again.Locator("#matrix tbody tr").CountAsync());
        Assert.True(await again.IsCheckedAsync("input[name=failing]"));

        await page.Locator("#matrix tbody tr td a").First.ClickAsync();
        Assert.Contains("/kmods/", page.Url, StringComparison.Ordinal);
        var words = await page.Locator("span.words").AllInnerTextsAsync();
        Assert.Contains(words, w => w.Contains("disagrees about version of symbol", StringComparison.Ordinal) || w.Contains("Unknown symbol", StringComparison.Ordinal));
        Assert.Contains("first bad:", await page.InnerTextAsync("body"), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "kmod.png"), FullPage = true });

        await page.GotoAsync(service.BaseUrl + "/sources");
        await page.GotoAsync(service.BaseUrl + $"/kernels/{Data.NewRelease}");
        Assert.Contains($"What changed since {Data.OldRelease}", await page.InnerTextAsync("body"), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "kernel.png"), FullPage = true });
        var missing = await page.GotoAsync(service.BaseUrl + "/kmods/no_such_kmod");
        Assert.Equal(404, missing!.Status);
    }

    /// <summary>Under ./test's results folder (beside results.trx), else a temporary one.</summary>
    private static string Screenshots()
    {
        var dir = Path.Combine(Support.RealData.DataRoot, "results", "screenshots");
        Directory.CreateDirectory(dir);
        return dir;
    }
}

using System.Text.Json;
using Microsoft.Playwright;
using Workbook.Cli;
using Workbook.Testing;
using Xunit.Abstractions;

namespace Workbook.Book.Tests;

/// <summary>
/// Builds the book (<c>workbook book --no-run</c>) from the executed copies the notebook tests wrote to out/test-notebooks
/// (tests/Workbook.Engine.Tests runs first in ./test; nothing is executed again here), then opens every page in Debian's
/// chromium through Playwright: no console error, no request leaving the machine, no raw TeX left in the text, every chart
/// drawn as an SVG with data points, every relative link resolving, and the static pictures shown with scripts off.
/// Screenshots and the site stay in out/book-test for a look.
/// </summary>
public class BookBrowserTests(ITestOutputHelper log)
{
    private static string Root { get; } = RepositoryRoot();

    /// <summary>The executed copies: WORKBOOK_BOOK_FROM when set (a folder holding some notebooks), else what the notebook tests wrote.</summary>
    private static string ExecutedFolder =>
        Environment.GetEnvironmentVariable("WORKBOOK_BOOK_FROM") is { Length: > 0 } from ? Path.GetFullPath(from) : Path.Combine(Root, "out", "test-notebooks");

    [Fact]
    public async Task Every_page_of_the_book_renders_offline_in_chromium()
    {
        var folder = ExecutedFolder;
        var notebooks = Directory.GetFiles(Path.Combine(Root, "notebooks"), "*.ipynb").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.True(Directory.Exists(folder), $"{folder} does not exist: the notebook tests (tests/Workbook.Engine.Tests, run before this project by ./test) write "
            + "the executed copies this test builds the book from; run them first, or set WORKBOOK_BOOK_FROM to a folder of executed notebooks");
        var present = notebooks.Where(n => File.Exists(Path.Combine(folder, n!))).ToList();
        if (Environment.GetEnvironmentVariable("WORKBOOK_BOOK_FROM") is not { Length: > 0 })
        {
            var missing = notebooks.Except(present).ToList();
            Assert.True(missing.Count == 0, $"no executed copy in {folder} of: {string.Join(", ", missing)} (the notebook tests write them)");
        }
        Assert.NotEmpty(present);

        // Only the copies of notebooks that exist now (a renamed notebook's old copy may linger in out/).
        var executed = Path.Combine(Root, "out", "book-test", "executed");
        if (Directory.Exists(executed))
        {
            Directory.Delete(executed, recursive: true);
        }
        Directory.CreateDirectory(executed);
        present.ForEach(n => File.Copy(Path.Combine(folder, n!), Path.Combine(executed, n!)));
        var site = Path.Combine(Root, "out", "book-test", "site");
        var screenshots = Path.Combine(Root, "out", "book-test", "screenshots");
        if (Directory.Exists(screenshots))
        {
            Directory.Delete(screenshots, recursive: true);
        }
        Directory.CreateDirectory(screenshots);
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await Commands.RunAsync(new[] { "book", "--no-run", "--executed", executed, "--out", site }, output, error);
        log.WriteLine(output.ToString());
        Assert.True(File.Exists(Path.Combine(site, "index.html")), $"the book was not built (exit code {code}):\n{output}\n{error}");
        Assert.True(code is 0 or 1, $"workbook book exit code {code}:\n{error}");

        var pages = new[] { "index.html" }.Concat(present.Select(n => Path.ChangeExtension(n!, ".html"))).ToList();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Executable,
            Headless = true,
            Args = new[] { "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync" },
        });
        var problems = new List<string>();
        await using (var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 900 } }))
        {
            var charts = 0;
            foreach (var name in pages)
            {
                var page = await context.NewPageAsync();
                var consoleErrors = new List<string>();
                var leaving = new List<string>();
                page.Console += (_, m) =>
                {
                    if (m.Type == "error")
                    {
                        consoleErrors.Add(m.Text);
                    }
                };
                page.PageError += (_, e) => consoleErrors.Add("uncaught: " + e);
                await page.RouteAsync("**/*", async route =>
                {
                    var url = route.Request.Url;
                    if (url.StartsWith("file:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal))
                    {
                        await route.ContinueAsync();
                    }
                    else
                    {
                        leaving.Add(url);
                        await route.AbortAsync();
                    }
                });
                await page.GotoAsync(new Uri(Path.Combine(site, name)).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
                var chartCount = await page.Locator("div.workbook-chart").CountAsync();
                if (chartCount > 0)
                {
                    // Plotly draws synchronously once loaded; wait until every chart holds its SVG (or give up and report).
                    try
                    {
                        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('div.workbook-chart')].every(c => c.querySelector('svg.main-svg'))",
                            null, new PageWaitForFunctionOptions { Timeout = 60_000 });
                    }
                    catch (TimeoutException)
                    {
                        problems.Add($"{name}: not every chart was drawn within 60 s");
                    }
                }
                charts += chartCount;
                var report = JsonDocument.Parse(await page.EvaluateAsync<string>(PageReport)).RootElement;
                foreach (var chart in report.GetProperty("charts").EnumerateArray())
                {
                    if (chart.GetProperty("points").GetInt32() == 0)
                    {
                        problems.Add($"{name}: chart {chart.GetProperty("id").GetString()} has no SVG with data points");
                    }
                }
                foreach (var raw in new[] { "$$", "\\frac", "\\(", "\\[" })
                {
                    var text = report.GetProperty("text").GetString()!;
                    var at = text.IndexOf(raw, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        problems.Add($"{name}: raw TeX '{raw}' in the text: ...{text.Substring(Math.Max(0, at - 60), Math.Min(120, text.Length - Math.Max(0, at - 60)))}...");
                    }
                }
                if (report.GetProperty("katexErrors").GetInt32() > 0)
                {
                    problems.Add($"{name}: {report.GetProperty("katexErrors").GetInt32()} KaTeX error(s) shown");
                }
                foreach (var href in report.GetProperty("links").EnumerateArray().Select(l => l.GetString()!))
                {
                    if (href.StartsWith("http:", StringComparison.Ordinal) || href.StartsWith("https:", StringComparison.Ordinal))
                    {
                        problems.Add($"{name}: a link leaves the site: {href}");
                        continue;
                    }
                    var target = Uri.UnescapeDataString(new Uri(href).LocalPath);
                    if (!File.Exists(target))
                    {
                        problems.Add($"{name}: link to {href} does not resolve");
                    }
                }
                if (name != "index.html" && report.GetProperty("navigation").GetInt32() < 2)
                {
                    problems.Add($"{name}: no previous/next links");
                }
                problems.AddRange(consoleErrors.Select(e => $"{name}: console error: {e}"));
                problems.AddRange(leaving.Select(u => $"{name}: request leaving the machine: {u}"));
                if (name == "index.html" || name == pages[1] || (chartCount > 0 && !File.Exists(Path.Combine(screenshots, "chart.png"))))
                {
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, Path.ChangeExtension(name, ".png")) });
                    if (chartCount > 0)
                    {
                        await page.Locator("div.workbook-figure").First.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(screenshots, "chart.png") });
                    }
                }
                await page.CloseAsync();
            }
            log.WriteLine($"{pages.Count} pages, {charts} interactive charts checked");
        }

        // With scripts off a chart is its static SVG picture, and the math (typeset at build time) still reads.
        await using (var noScript = await browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false }))
        {
            var withChart = pages.Skip(1).FirstOrDefault(p => File.ReadAllText(Path.Combine(site, p)).Contains("class=\"workbook-chart\"", StringComparison.Ordinal));
            if (withChart is not null)
            {
                var page = await noScript.NewPageAsync();
                await page.GotoAsync(new Uri(Path.Combine(site, withChart)).AbsoluteUri);
                var visible = await page.Locator("div.workbook-chart-static svg.workbook-svg").First.IsVisibleAsync();
                var katex = await page.Locator(".katex-html").CountAsync();
                if (!visible)
                {
                    problems.Add($"{withChart}: with scripts off the static chart picture is not visible");
                }
                if (katex == 0)
                {
                    problems.Add($"{withChart}: with scripts off no typeset math");
                }
                await page.Locator("div.workbook-figure").First.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(screenshots, "chart-scripts-off.png") });
            }
        }
        log.WriteLine($"screenshots: {screenshots}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    // Text outside code and outside KaTeX's MathML (which keeps the TeX as an annotation for screen readers and copying);
    // each chart's count of drawn data elements; relative links; previous/next links.
    private const string PageReport = """
        () => {
          const clone = document.body.cloneNode(true);
          clone.querySelectorAll('pre, code, script, style, .katex-mathml').forEach(e => e.remove());
          const charts = [...document.querySelectorAll('div.workbook-chart')].map(c => ({
            id: c.id,
            points: c.querySelectorAll('svg.main-svg .plot .trace path, svg.main-svg .plot .trace .point, svg.main-svg .plot image, svg.main-svg .plot .trace rect, svg.main-svg .plot .hm image').length,
          }));
          const links = [...document.querySelectorAll('a[href]')]
            .map(a => a.href.split('#')[0])
            .filter(h => h && !h.startsWith('javascript:'));
          return JSON.stringify({
            text: clone.textContent,
            charts,
            links: [...new Set(links)],
            navigation: document.querySelectorAll('nav.pager a').length,
            katexErrors: document.querySelectorAll('.katex-error').length,
          });
        }
        """;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Workbook.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Workbook.sln not found above {AppContext.BaseDirectory}");
    }
}

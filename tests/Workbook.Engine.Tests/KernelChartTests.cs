using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Engine.Documents;
using Workbook.Testing;

namespace Workbook.Engine.Tests;

/// <summary>
/// Charts drawn by the real .NET Interactive kernel: a chart made with Plotly.NET directly (through
/// Plotly.NET.CSharp, returned by the cell as a <c>GenericChart</c>) and one made with the library's
/// <c>Plot.Line</c> both come out of the kernel as HTML that headless Chromium draws offline: together
/// on one page (as saved), each alone on a page (a notebook reopened after the other output was cleared).
/// </summary>
[Collection(NotebookCollection.Name)]
public partial class KernelChartTests
{
    [Fact]
    public async Task Plotly_and_library_charts_from_the_real_kernel_draw_offline_in_headless_chromium()
    {
        var folder = Path.Combine(Notebooks.RepoRoot, "out", "tests", $"charts-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(folder);
        var library = Path.GetRelativePath(folder, Path.Combine(Notebooks.RepoRoot, "artifacts", "Workbook"));
        var path = Notebooks.Write(Path.Combine(folder, "charts.ipynb"), new[]
        {
            new Cell($"#r \"{library}/Workbook.dll\"\nusing Workbook.Notebooks;\nNotebook.Start(seed: 0)"),
            // Plotly.NET itself needs its FSharp.Core (10.1) beside the kernel's 10.0 at compile time.
            new Cell($"#r \"{library}/FSharp.Core.dll\"\n#r \"{library}/Plotly.NET.dll\"\n#r \"{library}/Plotly.NET.CSharp.dll\"\n" +
                     "Plotly.NET.CSharp.Chart.Line<double, double, string>(x: new double[] { 1, 2, 3, 4 }, y: new double[] { 2, 5, 3, 6 }, Name: \"direct\")"),
            new Cell("Workbook.Charts.Plot.Line(\"library chart\", \"step\", \"value\", Workbook.Charts.Series.Of(\"lib\", new double[] { 3, 1, 2, 5, 4 }))"),
        });
        var kernel = await RealKernel.ExecuteAsync(path, Path.Combine(folder, "executed", "charts.ipynb"), TimeSpan.FromMinutes(3));
        Assert.True(kernel.Problem is null && kernel.Errors == 0, $"{kernel.Problem}; {kernel.Errors} error outputs in {kernel.OutputPath}");

        var executed = NotebookDocument.Load(kernel.OutputPath);
        var direct = ChartHtml(executed.Cells[1]);
        var fromLibrary = ChartHtml(executed.Cells[2]);
        Assert.Contains("plotly.js v", direct);                 // the session's first chart carries plotly.js
        Assert.DoesNotContain("plotly.js v", fromLibrary);      // later charts do not: about one copy per notebook
        Assert.True(fromLibrary.Length < 100_000, $"the second chart's output is {fromLibrary.Length} characters");

        // As saved: both interactive.
        var both = Render(folder, "both", direct + fromLibrary);
        Assert.Equal(2, Regex.Matches(both, "class=\"[^\"]*js-plotly-plot").Count);
        Assert.Equal(2, PlotlyLinePoints(both).Count);
        Assert.Equal(4, PlotlyLinePoints(both)[0]);             // the direct chart's 4 points
        Assert.Equal(5, PlotlyLinePoints(both)[1]);             // the library chart's 5 points

        // Each alone: the first is interactive; the second has no plotly.js on its page and shows its
        // static picture, whose line has the data's 5 points.
        var first = Render(folder, "first", direct);
        Assert.Equal(new[] { 4 }, PlotlyLinePoints(first));
        var second = Render(folder, "second", fromLibrary);
        Assert.DoesNotContain("js-plotly-plot", second);
        Assert.Matches("<polyline[^>]*points=\"([^\" ]+ ){4}[^\" ]+\"", second);
        Assert.Contains(">library chart<", second);
    }

    private static string ChartHtml(NotebookCell cell) =>
        (cell.Json["outputs"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Select(o => o["data"]?["text/html"])
            .Where(h => h is not null)
            .Select(h => NotebookDocument.ReadMultiline(h, "text/html"))
            .Single(h => h.Contains("workbook-chart", StringComparison.Ordinal));

    private static string Render(string folder, string name, string body)
    {
        var page = Path.Combine(folder, name + ".html");
        File.WriteAllText(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>" + body + "</body></html>");
        return Chromium.DumpDom(page, Path.Combine(folder, "profile-" + name));
    }

    // plotly.js draws a line trace as <path class="js-line" d="M x,y L x,y ...">: the points per line.
    private static List<int> PlotlyLinePoints(string dom) =>
        JsLine().Matches(dom).Select(m => Regex.Matches(m.Groups["d"].Value, "[ML]").Count).ToList();

    [GeneratedRegex("class=\"[^\"]*js-line[^\"]*\"[^>]*d=\"(?<d>M[^\"]+)\"")]
    private static partial Regex JsLine();
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using Workbook.Charts;

using Workbook.Testing;

namespace Workbook.Tests.Core;

/// <summary>
/// Draws charts in headless Chromium from a local file with networking off, proving the inlined
/// plotly.js really renders them offline (plotly.js builds the chart's SVG in the page).
/// </summary>
[Collection(GlobalStateCollection.Name)]
public sealed class ChromiumRenderTests
{
    [Fact]
    public void TwoChartsOnOnePageRenderOfflineInHeadlessChromium()
    {
        var line = Plot.Line("Rendered loss", "training step", "cross-entropy", Series.Of("train", new[] { 2.0, 1.0, 0.5, 0.25 }));
        var heatmap = Plot.Heatmap("Rendered attention", new double[,] { { 0.9, 0.1 }, { 0.3, 0.7 } }, new[] { "le", "chat" }, new[] { "the", "cat" });
        var directory = Directory.CreateTempSubdirectory("workbook-render-");
        try
        {
            var page = Path.Combine(directory.FullName, "charts.html");
            // As in a notebook session: the first chart carries plotly.js, the second draws with it.
            ChartHtml.ResetSession();
            var first = ChartHtml.NotebookFragment(line);
            var second = ChartHtml.NotebookFragment(heatmap);
            Assert.Contains("plotly.js v" + ChartHtml.PlotlyVersion, first);
            Assert.DoesNotContain("plotly.js v", second);
            Assert.True(second.Length < 20_000, $"the second chart of a session is {second.Length} characters: plotly.js must not be inlined again");
            File.WriteAllText(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>" + first + second + "</body></html>");

            var dom = Chromium.DumpDom(page, Path.Combine(directory.FullName, "profile"));

            Assert.Equal(2, Regex.Matches(dom, "class=\"[^\"]*js-plotly-plot").Count);
            Assert.Contains("main-svg", dom);
            Assert.Contains(">Rendered loss<", dom);
            Assert.Contains(">cross-entropy<", dom);
            Assert.Contains(">Rendered attention<", dom);
            Assert.Contains(">chat<", dom);                               // a heatmap row label drawn as a tick
            Assert.Matches("class=\"[^\"]*js-line[^\"]*\"[^>]*d=\"M", dom); // the loss curve's SVG path

            // The second chart alone on a page (the first chart's output cleared): no plotly.js, so
            // its static picture stays, with a line saying why.
            var alone = Path.Combine(directory.FullName, "alone.html");
            File.WriteAllText(alone, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>" + second + "</body></html>");
            var aloneDom = Chromium.DumpDom(alone, Path.Combine(directory.FullName, "profile-alone"));
            Assert.DoesNotContain("js-plotly-plot", aloneDom);
            Assert.Contains("class=\"workbook-chart-static\"", aloneDom);
            Assert.Contains(">Rendered attention<", aloneDom);       // the static picture's title
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

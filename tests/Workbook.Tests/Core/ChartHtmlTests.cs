using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Charts;

namespace Workbook.Tests.Core;

public sealed class ChartHtmlTests
{
    private static Figure Sample(string title = "Loss") =>
        Plot.Line(title, "step", "loss", Series.Of("train", new[] { 3.0, 2.0, 1.25 }));

    [Fact]
    public void HtmlHoldsTheDivAndANewPlotCallWithTheFiguresData()
    {
        var html = Sample().ToHtml();

        var id = Regex.Match(html, "<div id=\"(workbook-chart-\\d+)\"").Groups[1].Value;
        Assert.NotEmpty(id);
        var call = Regex.Match(html, @"var figure = (\{.*\});\n", RegexOptions.Singleline);
        Assert.True(call.Success, "the script defines the figure's JSON");
        var figure = JsonNode.Parse(call.Groups[1].Value)!;
        Assert.Equal(new[] { 3.0, 2.0, 1.25 }, figure["data"]![0]!["y"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Contains($"Plotly.newPlot('{id}', figure.data", html);
    }

    [Fact]
    public void HtmlWorksOfflineWithPlotlyJsInlinedAndNoRemoteScript()
    {
        var html = Sample().ToHtml();

        Assert.Contains("plotly.js v2.28.0", html);                     // the bundle's version banner
        Assert.True(html.Length > 3_000_000, $"plotly.js (about 3.5 MB) is inlined; the HTML has {html.Length} characters");
        Assert.DoesNotMatch(new Regex("<script[^>]*\\bsrc\\s*=", RegexOptions.IgnoreCase), html);
        Assert.Contains("if (!window.Plotly)", html);                    // defined once per page
        Assert.Single(Regex.Matches(html, "</script", RegexOptions.IgnoreCase));   // only the fragment's own end tag
    }

    [Fact]
    public void EachRenderingGetsTheNextDeterministicId()
    {
        var figure = Sample();
        var first = IdNumber(figure.ToHtml());
        var second = IdNumber(figure.ToHtml());
        Assert.Equal(first + 1, second);
    }

    [Fact]
    public void TextThatLooksLikeAClosingScriptTagCannotBreakOutOfTheScript()
    {
        var html = Sample("a </script><b>x</b>").ToHtml();
        Assert.DoesNotContain("a </script>", html);
        Assert.Contains("a <\\/script>", html);
    }

    [Fact]
    public void DocumentIsACompletePage()
    {
        var page = Sample().ToHtmlDocument();
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("<title>Loss</title>", page);
        Assert.EndsWith("</html>\n", page);
    }

    private static int IdNumber(string html) => int.Parse(Regex.Match(html, "id=\"workbook-chart-(\\d+)\"").Groups[1].Value);
}

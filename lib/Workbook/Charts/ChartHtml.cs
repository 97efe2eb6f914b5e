using System.Net;
using System.Text;

namespace Workbook.Charts;

/// <summary>
/// Turns a <see cref="Figure"/> into HTML that works offline: plotly.js is inlined from the copy
/// Plotly.NET 6.0.0 embeds as a resource (plotly.js 2.28.0), never loaded from a CDN.
/// </summary>
public static class ChartHtml
{
    /// <summary>Name of the plotly.js resource inside Plotly.NET.dll.</summary>
    public const string PlotlyResourceName = "Plotly.NET.plotly-2.28.0.min.js";

    /// <summary>The plotly.js version inlined in every chart.</summary>
    public const string PlotlyVersion = "2.28.0";

    private static readonly Lazy<string> plotlyJs = new(LoadPlotlyJs);
    private static int nextChartId;
    private static int plotlyInlinedThisSession;

    /// <summary>The minified plotly.js source embedded in Plotly.NET.</summary>
    public static string PlotlyJs => plotlyJs.Value;

    /// <summary>
    /// Ids of chart divs are <c>workbook-chart-1</c>, <c>-2</c>, ... in the order charts are rendered in
    /// this process, so that two executions of a notebook produce the same HTML.
    /// </summary>
    internal static string NextId() => $"workbook-chart-{Interlocked.Increment(ref nextChartId)}";

    /// <summary>
    /// Starts a new notebook session (called by <c>Notebook.Start</c>): the next chart displayed
    /// inlines plotly.js again.
    /// </summary>
    public static void ResetSession() => Interlocked.Exchange(ref plotlyInlinedThisSession, 0);

    /// <summary>
    /// The HTML a notebook shows for a chart. plotly.js (3.5 MB) is inlined in the first chart of a
    /// session only; later charts draw with the copy that the first one defined on the page (outputs
    /// of one notebook share a page in VS Code and Jupyter), so an executed notebook with ten charts
    /// stays near 4 MB instead of 36 MB. It works offline either way.
    /// </summary>
    public static string NotebookFragment(Figure figure) =>
        Fragment(figure, includePlotlyJs: Interlocked.Exchange(ref plotlyInlinedThisSession, 1) == 0);

    /// <summary>
    /// An HTML fragment: the chart's div, a static SVG picture of the same figure (<see cref="ChartSvg"/>),
    /// and a script that draws the interactive chart in its place. With <paramref name="includePlotlyJs"/>
    /// (the default) it is self-contained: it defines Plotly if the page has not. Without, it waits for
    /// an earlier output on the page to define Plotly; if none does (the first chart's output was
    /// cleared, or the viewer runs no scripts), the static picture stays, with a line saying why.
    /// </summary>
    public static string Fragment(Figure figure, bool includePlotlyJs = true)
    {
        var id = NextId();
        var (width, height) = figure.Size;
        var json = figure.ToJson();
        var style = $"width:{(width is { } w ? $"{w}px" : "100%")};height:{height ?? 420}px;";
        var html = new StringBuilder((includePlotlyJs ? PlotlyJs.Length : 0) + json.Length + 8192);
        html.Append($"<div class=\"workbook-figure\"><div id=\"{id}\" class=\"workbook-chart\" style=\"{style}display:none\" title=\"{WebUtility.HtmlEncode(figure.Title)}\"></div>\n");
        html.Append($"<div id=\"{id}-static\" class=\"workbook-chart-static\">");
        html.Append(ChartSvg.Render(json, width ?? 720, height ?? 420));
        html.Append($"<div id=\"{id}-note\" style=\"display:none;font:12px sans-serif;color:#666\">A static picture: plotly.js is not on this page (the notebook's first chart carries it). Run this cell, or the notebook, for the interactive chart.</div></div>\n");
        html.Append("<script type=\"text/javascript\">\n");
        if (includePlotlyJs)
        {
            // plotly.js is defined at most once per page. Inside this function `define`, `module` and
            // `exports` are undefined, so the UMD bundle sets window.Plotly even where RequireJS is loaded.
            html.Append("if (!window.Plotly) { (function (define, module, exports) {\n");
            html.Append(PlotlyJs);
            html.Append("\n}).call(window); }\n");
        }
        html.Append("(function () {\n");
        html.Append("  var figure = ").Append(ScriptSafe(json)).Append(";\n");
        html.Append("  var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});\n");
        html.Append("  var tries = 0;\n");
        html.Append("  function draw() {\n");
        html.Append("    if (window.Plotly) {\n");
        html.Append($"      document.getElementById('{id}-static').style.display = 'none';\n");
        html.Append($"      document.getElementById('{id}').style.display = 'block';\n");
        html.Append($"      window.Plotly.newPlot('{id}', figure.data, figure.layout || {{}}, config);\n");
        html.Append("      return;\n");
        html.Append("    }\n");
        html.Append("    if (++tries < 100) { setTimeout(draw, 50); return; }\n");
        html.Append($"    document.getElementById('{id}-note').style.display = 'block';\n");
        html.Append("  }\n");
        html.Append("  draw();\n");
        html.Append("})();\n</script></div>");
        return html.ToString();
    }

    /// <summary>A complete HTML page holding <see cref="Fragment"/>.</summary>
    public static string Document(Figure figure) =>
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + WebUtility.HtmlEncode(figure.Title) +
        "</title></head><body>\n" + Fragment(figure) + "\n</body></html>\n";

    // JSON inside <script>: "</" would end the script element early, so write it as "<\/" (same string in JavaScript).
    private static string ScriptSafe(string json) => json.Replace("</", "<\\/", StringComparison.Ordinal);

    private static string LoadPlotlyJs()
    {
        var assembly = typeof(Plotly.NET.GenericChart).Assembly;
        using var stream = assembly.GetManifestResourceStream(PlotlyResourceName)
            ?? throw new InvalidOperationException(
                $"Plotly.NET ({assembly.GetName().Version}) has no embedded resource '{PlotlyResourceName}'; " +
                $"it has: {string.Join(", ", assembly.GetManifestResourceNames())}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var source = reader.ReadToEnd();
        if (source.Contains("</script", StringComparison.OrdinalIgnoreCase))
        {
            source = source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
        }
        return source;
    }
}

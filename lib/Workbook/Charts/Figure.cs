using System.Text.Json.Nodes;
using Plotly.NET;
using Plotly.NET.CSharp;

namespace Workbook.Charts;

/// <summary>
/// A finished chart: a Plotly.NET <see cref="GenericChart"/> with the workbook's conventions.
/// In a notebook it displays as an interactive plotly.js chart (after <c>Notebook.Start()</c>);
/// <see cref="ToHtml"/> gives the same self-contained HTML for files and tests.
/// Make figures with <see cref="Plot"/>.
/// </summary>
public sealed class Figure
{
    internal Figure(GenericChart chart, string title, int traces, StyleParam.BarMode? barMode = null)
    {
        Chart = chart;
        Title = title;
        TraceCount = traces;
        BarMode = barMode;
    }

    /// <summary>
    /// Wraps a chart made with Plotly.NET directly (for example with Plotly.NET.CSharp's
    /// <c>Chart.Line</c>), so that it draws offline like the workbook's own figures.
    /// </summary>
    public static Figure From(GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var figure = JsonNode.Parse(GenericChart.toJson(chart));
        var title = figure?["layout"]?["title"] switch
        {
            JsonValue text when text.TryGetValue<string>(out var t) => t,
            JsonObject o => o["text"]?.GetValue<string>(),
            _ => null,
        };
        return new Figure(chart, title ?? "Plotly.NET chart", (figure?["data"] as JsonArray)?.Count ?? 0);
    }

    /// <summary>How this figure's bars share an x position (one setting per plot in plotly.js; a grid must choose one).</summary>
    internal StyleParam.BarMode? BarMode { get; }

    /// <summary>The chart's title.</summary>
    public string Title { get; }

    /// <summary>How many traces (lines, bars, heatmaps, ...) the figure draws.</summary>
    public int TraceCount { get; }

    /// <summary>The underlying Plotly.NET chart, for styling this facade does not offer.</summary>
    public GenericChart Chart { get; }

    /// <summary>The plotly.js figure as JSON: <c>{"data": [...traces], "layout": {...}, "config": {...}}</c>.</summary>
    public string ToJson() => GenericChart.toJson(Chart);

    /// <summary>
    /// A self-contained HTML fragment that draws the chart with no network access: a div with a
    /// unique, deterministic id and a script holding plotly.js 2.28.0 (the copy embedded in
    /// Plotly.NET; it is defined only if the page has no Plotly yet) and the figure's data.
    /// </summary>
    public string ToHtml() => ChartHtml.Fragment(this);

    /// <summary>A complete HTML page showing the chart (for saving to a file and opening in a browser).</summary>
    public string ToHtmlDocument() => ChartHtml.Document(this);

    /// <summary>Writes <see cref="ToHtmlDocument"/> to <paramref name="path"/>.</summary>
    public void SaveHtml(string path) => File.WriteAllText(path, ToHtmlDocument());

    /// <summary>The same figure drawn <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public Figure WithSize(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"a figure's size must be positive, got {width} x {height}");
        }
        return With(Chart.WithSize(Width: width, Height: height));
    }

    /// <summary>The same figure with a logarithmic y axis (for losses spanning orders of magnitude).</summary>
    public Figure WithLogY() => With(Chart.WithYAxisStyle<double, double, string>(AxisType: StyleParam.AxisType.Log));

    /// <summary>The layout size set on the chart (pixels), if any.</summary>
    internal (int? Width, int? Height) Size
    {
        get
        {
            var layout = JsonNode.Parse(ToJson())?["layout"];
            return (layout?["width"]?.GetValue<int>(), layout?["height"]?.GetValue<int>());
        }
    }

    private Figure With(GenericChart styled) => new(styled, Title, TraceCount, BarMode);

    /// <inheritdoc />
    public override string ToString() => $"Figure \"{Title}\" ({TraceCount} trace{(TraceCount == 1 ? "" : "s")})";
}

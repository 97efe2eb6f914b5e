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

    /// <summary>The same figure drawn <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public Figure WithSize(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"a figure's size must be positive, got {width} x {height}");
        }
        return With(Chart.WithSize(Width: width, Height: height));
    }

    /// <summary>
    /// The same figure with a logarithmic y axis (for losses spanning orders of magnitude), ticks at powers of ten
    /// labelled plainly (1e-4, 0.001, 1, 1000). Line and scatter plots choose this themselves when their y values are
    /// positive and span more than two decades.
    /// </summary>
    public Figure WithLogY() => WithLog("y");

    /// <summary>The same figure with a logarithmic x axis (widths 4 ... 1024, environment steps over decades).</summary>
    public Figure WithLogX() => WithLog("x");

    /// <summary>The same figure with a linear y axis (undoes the automatic log axis).</summary>
    public Figure WithLinearY() => With(HouseStyle.LinearAxis(Chart, "yaxis"));

    /// <summary>The same figure with a linear x axis.</summary>
    public Figure WithLinearX() => With(HouseStyle.LinearAxis(Chart, "xaxis"));

    private Figure WithLog(string letter)
    {
        var range = HouseStyle.DataRange(ToJson(), letter, positiveOnly: true) ?? (1, 10);
        return With(HouseStyle.LogAxis(Chart, letter + "axis", range.Min, range.Max));
    }

    /// <summary>
    /// The same figure with a horizontal reference line at <paramref name="y"/> across the data's x range: a threshold,
    /// chance level, floor or bound the text talks about, drawn dashed in grey and named in the legend by
    /// <paramref name="label"/> (for example <c>"chance 0.25"</c>, <c>"δ = 0.01"</c>).
    /// </summary>
    public Figure WithReference(string label, double y)
    {
        var (x0, x1) = HouseStyle.DataRange(ToJson(), "x", positiveOnly: false) ?? (0, 1);
        return WithReferenceTrace(label, new[] { x0, x1 }, new[] { y, y });
    }

    /// <summary>A vertical reference line at <paramref name="x"/> across the data's y range (see <see cref="WithReference"/>).</summary>
    public Figure WithReferenceX(string label, double x)
    {
        var (y0, y1) = HouseStyle.DataRange(ToJson(), "y", positiveOnly: false) ?? (0, 1);
        return WithReferenceTrace(label, new[] { x, x }, new[] { y0, y1 });
    }

    private Figure WithReferenceTrace(string label, double[] x, double[] y)
    {
        if (!x.All(double.IsFinite) || !y.All(double.IsFinite))
        {
            throw new ArgumentException($"reference line '{label}' needs finite coordinates, got x {string.Join(", ", x)} and y {string.Join(", ", y)}");
        }
        var line = Plotly.NET.CSharp.Chart.Line<double, double, string>(x: x, y: y, Name: label, ShowLegend: true);
        line = HouseStyle.MapTraces(line, trace =>
        {
            HouseStyle.Paint(trace, SeriesColours.Reference, "dash");
            trace.SetProperty("meta", HouseStyle.ReferenceMeta);
            trace.SetProperty("mode", "lines");
            trace.SetProperty("hovertemplate", $"{label}<extra></extra>");
        });
        // The reference line is drawn last, over the data; the figure keeps its own layout.
        var layout = GenericChart.getLayout(Chart);
        var combined = Plotly.NET.Chart.combine(new[] { Chart, line });
        combined = HouseStyle.MapTraces(combined, trace =>
        {
            if (trace.TryGetPropertyValue("type") is { Value: "scatter" or "bar" or "histogram" })
            {
                trace.SetProperty("showlegend", true);
            }
        });
        return new Figure(GenericChart.setLayout(layout, combined), Title, TraceCount + 1, BarMode) { CellRange = CellRange, ScaleGroup = ScaleGroup };
    }

    /// <summary>The layout size set on the chart (pixels), if any.</summary>
    internal (int? Width, int? Height) Size
    {
        get
        {
            var layout = JsonNode.Parse(ToJson())?["layout"];
            return (layout?["width"]?.GetValue<int>(), layout?["height"]?.GetValue<int>());
        }
    }

    private Figure With(GenericChart styled) => new(styled, Title, TraceCount, BarMode) { CellRange = CellRange, ScaleGroup = ScaleGroup };

    /// <summary>A heatmap's value range (min, max of its finite cells), which a grid of heatmaps shares.</summary>
    internal (double Min, double Max)? CellRange { get; init; }

    /// <summary>Heatmaps of a grid with the same group (null: the default group) share one colour range and one colour bar.</summary>
    internal string? ScaleGroup { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"Figure \"{Title}\" ({TraceCount} trace{(TraceCount == 1 ? "" : "s")})";
}

using System.Globalization;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using Plotly.NET.LayoutObjects;
using TorchSharp;
using Chart = Plotly.NET.CSharp.Chart;
using Workbook.Tensors;

namespace Workbook.Charts;

/// <summary>
/// Charts for the workbook, in one call each: a title and axis labels are always given, so every
/// chart in a notebook says what it shows. Built on Plotly.NET; the result is a <see cref="Figure"/>
/// that displays as an interactive chart in a notebook.
/// <code>
/// Plot.Line("Training loss", "step", "loss", Series.Of("train", trainLoss), Series.Of("validation", valLoss))
/// </code>
/// </summary>
public static class Plot
{
    /// <summary>Lines through each series' points (loss curves, functions).</summary>
    public static Figure Line(string title, string xLabel, string yLabel, params Series[] series) =>
        XY(title, xLabel, yLabel, series, showMarkers: false, linesOnly: true);

    /// <summary>Each series' points as markers, without lines.</summary>
    public static Figure Scatter(string title, string xLabel, string yLabel, params Series[] series) =>
        XY(title, xLabel, yLabel, series, showMarkers: true, linesOnly: false);

    /// <summary>
    /// A data set as markers with curves drawn over it as lines, on one set of axes (for example noisy
    /// samples and the models fitted to them). The legend names the points and every curve.
    /// </summary>
    public static Figure PointsAndCurves(string title, string xLabel, string yLabel, Series points, params Series[] curves)
    {
        RequireSome(curves.Length, "curve");
        points.Validate();
        var lines = Line(title, xLabel, yLabel, curves);
        var markers = Chart.Point<double, double, string>(x: points.X.ToArray(), y: points.Y.ToArray(), Name: points.Name, ShowLegend: true);
        // The markers' own chart carries Plotly.NET's default 600 x 600 layout: combine it first so that
        // the line chart's layout (title, axis labels, size) wins, and show every curve in the legend.
        var combined = Plotly.NET.Chart.combine(new[] { markers, lines.Chart });
        combined = WithTrace(combined, trace => trace.SetProperty("showlegend", true));
        combined = PaintByName(combined, shareLegend: false);
        return new Figure(Sized(combined, 720, 420), title, curves.Length + 1);
    }

    /// <summary>Grouped bars: one bar per category for each group (for example one group per model).</summary>
    public static Figure Bar(string title, string xLabel, string yLabel, IReadOnlyList<string> categories,
        params (string Name, IReadOnlyList<double> Values)[] groups)
    {
        RequireSome(groups.Length, "bar group");
        foreach (var (name, values) in groups)
        {
            if (values.Count != categories.Count)
            {
                throw new ArgumentException($"bar group '{name}' has {values.Count} values but there are {categories.Count} categories");
            }
        }
        var traces = groups.Select(g => Chart.Column<double, string, string>(
            values: g.Values.ToArray(), Keys: categories.ToArray(), Name: g.Name, ShowLegend: groups.Length > 1));
        var chart = WithBarMode(Layout(PaintByName(Chart.Combine(traces), shareLegend: false), title, xLabel, yLabel), StyleParam.BarMode.Group);
        chart = HouseStyle.PlainNumbers(chart, "yaxis");
        return new Figure(Sized(chart, 720, 420), title, groups.Length, StyleParam.BarMode.Group);
    }

    /// <summary>Histograms of samples, overlaid (translucent) when there are several.</summary>
    public static Figure Histogram(string title, string xLabel, params (string Name, IReadOnlyList<double> Values)[] samples) =>
        Histogram(title, xLabel, bins: null, samples);

    /// <summary>Histograms of samples with about <paramref name="bins"/> bins each.</summary>
    public static Figure Histogram(string title, string xLabel, int? bins, params (string Name, IReadOnlyList<double> Values)[] samples)
    {
        RequireSome(samples.Length, "sample");
        if (bins is <= 0)
        {
            throw new ArgumentException($"a histogram needs a positive number of bins, got {bins}", nameof(bins));
        }
        var traces = samples.Select(s => Chart.Histogram<double, double, string>(
            X: s.Values.ToArray(), Orientation: StyleParam.Orientation.Vertical, Name: s.Name,
            ShowLegend: samples.Length > 1, Opacity: samples.Length > 1 ? 0.6 : 1.0, NBinsX: new Optional<int>(bins ?? 0, bins.HasValue)));
        var chart = WithBarMode(Layout(PaintByName(Chart.Combine(traces), shareLegend: false), title, xLabel, "count"), StyleParam.BarMode.Overlay);
        chart = HouseStyle.PlainNumbers(HouseStyle.PlainNumbers(chart, "xaxis"), "yaxis");
        return new Figure(Sized(chart, 720, 420), title, samples.Length, StyleParam.BarMode.Overlay);
    }

    /// <summary>
    /// A matrix as coloured cells with a colour bar, row 0 at the top (as attention weights are read:
    /// one row per query, one column per key). Labels may repeat (the same token twice).
    /// </summary>
    /// <param name="title">the chart's title.</param>
    /// <param name="z">the values, z[row, column].</param>
    /// <param name="rowLabels">one label per row.</param>
    /// <param name="columnLabels">one label per column.</param>
    /// <param name="xLabel">the horizontal axis' title.</param>
    /// <param name="yLabel">the vertical axis' title.</param>
    /// <param name="scaleGroup">in a <see cref="Grid"/>, heatmaps of the same group (null is a group too) share one colour
    /// range and one colour bar, so that equal colours mean equal values; give different groups to panels that hold
    /// different quantities (an image and its class map).</param>
    public static Figure Heatmap(string title, double[,] z, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels,
        string xLabel = "key", string yLabel = "query", string? scaleGroup = null)
    {
        int rows = z.GetLength(0), columns = z.GetLength(1);
        if (rowLabels.Count != rows || columnLabels.Count != columns)
        {
            throw new ArgumentException(
                $"the heatmap has {rows} rows and {columns} columns but {rowLabels.Count} row labels and {columnLabels.Count} column labels");
        }
        var cells = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, columns).Select(c => z[r, c]).ToArray()).ToArray();
        // Cells sit at integer positions and the axes show the labels there, so repeated labels stay apart.
        var rowIndex = Enumerable.Range(0, rows).Select(i => (double)i).ToArray();
        var columnIndex = Enumerable.Range(0, columns).Select(i => (double)i).ToArray();
        var hover = Enumerable.Range(0, rows)
            .Select(r => Enumerable.Range(0, columns).Select(c => $"{yLabel} {r}: {rowLabels[r]}<br>{xLabel} {c}: {columnLabels[c]}").ToArray())
            .ToArray();
        var heatmap = Chart.Heatmap<double, double, double, string>(
            zData: cells, X: columnIndex, Y: rowIndex, Name: title, ShowScale: true, ReverseYAxis: true);
        heatmap = WithTrace(heatmap, trace =>
        {
            trace.SetProperty("text", hover);
            trace.SetProperty("hovertemplate", "%{text}<br>value %{z:.4g}<extra></extra>");
        });
        heatmap = Style(heatmap, Plotly.NET.Chart.withTitle(title, null));
        heatmap = Style(heatmap, Plotly.NET.Chart.withXAxis(LabelledAxis(xLabel, columnLabels, reversed: false), null));
        heatmap = Style(heatmap, Plotly.NET.Chart.withYAxis(LabelledAxis(yLabel, rowLabels, reversed: true), null));
        var width = Math.Clamp(260 + 60 * columns, 480, 1000);
        var height = Math.Clamp(200 + 45 * rows, 340, 900);
        var finite = cells.SelectMany(r => r).Where(double.IsFinite).ToArray();
        return new Figure(Sized(heatmap, width, height), title, 1)
        {
            CellRange = finite.Length == 0 ? null : (finite.Min(), finite.Max()),
            ScaleGroup = scaleGroup,
        };
    }

    /// <summary>A 2-D tensor (leading dimensions of size 1 are dropped) as a heatmap; labels default to indices.</summary>
    public static Figure Heatmap(string title, torch.Tensor z2d, IReadOnlyList<string>? rowLabels = null,
        IReadOnlyList<string>? columnLabels = null, string xLabel = "key", string yLabel = "query", string? scaleGroup = null)
    {
        var z = ToMatrix(z2d);
        return Heatmap(title, z, rowLabels ?? Indices(z.GetLength(0)), columnLabels ?? Indices(z.GetLength(1)), xLabel, yLabel, scaleGroup);
    }

    /// <summary>
    /// Contour lines of f(x, y) over a rectangle, with <paramref name="paths"/> (for example the points
    /// an optimizer visited) drawn on top as lines with markers.
    /// </summary>
    public static Figure Contour(string title, Func<double, double, double> f, (double Min, double Max) x, (double Min, double Max) y,
        string xLabel = "x", string yLabel = "y", params Series[] paths) =>
        Contour(title, f, x, y, xLabel, yLabel, resolution: 80, paths);

    /// <summary>As the other overload, sampling f on a <paramref name="resolution"/> x <paramref name="resolution"/> grid.</summary>
    public static Figure Contour(string title, Func<double, double, double> f, (double Min, double Max) x, (double Min, double Max) y,
        string xLabel, string yLabel, int resolution, params Series[] paths)
    {
        if (!(x.Max > x.Min) || !(y.Max > y.Min))
        {
            throw new ArgumentException($"a contour needs Min < Max on both axes, got x [{x.Min}, {x.Max}] and y [{y.Min}, {y.Max}]");
        }
        if (resolution < 2)
        {
            throw new ArgumentException($"a contour needs a resolution of at least 2, got {resolution}", nameof(resolution));
        }
        var xs = Linspace(x.Min, x.Max, resolution);
        var ys = Linspace(y.Min, y.Max, resolution);
        // z[row][column] = f(xs[column], ys[row]): rows run along y, as plotly.js expects.
        var z = ys.Select(yv => xs.Select(xv => f(xv, yv)).ToArray()).ToArray();
        var contour = Chart.Contour<double, double, double, string>(
            zData: z, X: xs, Y: ys, Name: title, ShowScale: true, NContours: 20, ShowLegend: false);
        var traces = new List<GenericChart> { contour };
        foreach (var path in paths)
        {
            path.Validate();
            traces.Add(Chart.Line<double, double, string>(
                x: path.X.ToArray(), y: path.Y.ToArray(), ShowMarkers: true, Name: path.Name, ShowLegend: true));
        }
        // The legend goes under the plot so it does not cover the colour bar.
        var chart = Layout(PaintByName(Chart.Combine(traces), shareLegend: false), title, xLabel, yLabel).WithLegendStyle(
            Orientation: StyleParam.Orientation.Horizontal, X: 0.0, Y: -0.18, YAnchor: StyleParam.YAnchorPosition.Top);
        return new Figure(Sized(chart, 650, 560), title, traces.Count);
    }

    /// <summary>Small multiples: <paramref name="panels"/> in a grid <paramref name="columns"/> wide, each with its own title and axes.</summary>
    public static Figure Grid(string title, int columns, params Figure[] panels)
    {
        RequireSome(panels.Length, "panel");
        if (columns <= 0)
        {
            throw new ArgumentException($"a grid needs at least one column, got {columns}", nameof(columns));
        }
        columns = Math.Min(columns, panels.Length);
        var rows = (panels.Length + columns - 1) / columns;
        // Panels with a colour bar beside them need a wider gap, so the bar stays clear of the next panel's axis title.
        var xGap = panels.Any(p => p.CellRange is not null) ? 0.4 : 0.25;
        var grid = Chart.Grid(panels.Select(p => p.Chart).ToArray(), rows, columns,
            SubPlotTitles: panels.Select(p => p.Title).ToArray(), XGap: xGap, YGap: 0.35);
        var chart = SharedScales(SharedSeriesStyle(grid), panels, rows, columns, xGap);
        chart = Style(chart, Plotly.NET.Chart.withTitle(title, null));
        // plotly.js has one bar mode per figure: grouped bars must not be drawn on top of each other.
        var barMode = panels.Any(p => Equals(p.BarMode, StyleParam.BarMode.Group)) ? StyleParam.BarMode.Group
            : panels.Any(p => Equals(p.BarMode, StyleParam.BarMode.Overlay)) ? StyleParam.BarMode.Overlay : null;
        if (barMode is not null)
        {
            chart = WithBarMode(chart, barMode);
        }
        return new Figure(Sized(chart, Math.Min(1100, 380 * columns + 40), 300 * rows + 100), title, panels.Sum(p => p.TraceCount));
    }

    // Heatmaps of a grid in the same scale group share one colour range (equal colours mean equal values across
    // panels) and one colour bar, beside the group's last panel; every colour bar sits beside its own panel (by
    // default plotly.js puts all of them at the figure's right edge, on top of each other and of the legend).
    private static GenericChart SharedScales(GenericChart chart, Figure[] panels, int rows, int columns, double xGap)
    {
        var heatmapPanels = Enumerable.Range(0, panels.Length).Where(i => panels[i].CellRange is not null).ToArray();
        if (heatmapPanels.Length == 0)
        {
            return chart;
        }
        var groups = heatmapPanels.GroupBy(i => panels[i].ScaleGroup ?? "").ToDictionary(g => g.Key, g => g.ToArray());
        var k = 0;
        return HouseStyle.MapTraces(chart, trace =>
        {
            if (trace.TryGetPropertyValue("type") is not { Value: "heatmap" } || k >= heatmapPanels.Length)
            {
                return;
            }
            var panel = heatmapPanels[k++];
            var group = groups[panels[panel].ScaleGroup ?? ""];
            var min = group.Min(i => panels[i].CellRange!.Value.Min);
            var max = group.Max(i => panels[i].CellRange!.Value.Max);
            trace.SetProperty("zmin", min);
            trace.SetProperty("zmax", max > min ? max : min + 1);
            trace.SetProperty("zauto", false);
            var shown = panel == group[^1];
            trace.SetProperty("showscale", shown);
            if (shown)
            {
                // The panel's cell of layout.grid, as plotly.js computes it (the gaps Grid sets).
                var (c, r) = (panel % columns, panel / columns);
                var xStep = 1 / (columns - xGap);
                var yStep = 1 / (rows - 0.35);
                var x1 = c * xStep + xStep * (1 - xGap);
                var y0 = (rows - 1 - r) * yStep;
                var bar = new DynamicObj.DynamicObj();
                bar.SetProperty("x", x1 + 0.01);
                bar.SetProperty("xanchor", "left");
                bar.SetProperty("y", y0 + yStep * 0.65 / 2);
                bar.SetProperty("yanchor", "middle");
                bar.SetProperty("len", yStep * 0.65);
                bar.SetProperty("thickness", 10);
                bar.SetProperty("exponentformat", "none");
                trace.SetProperty("colorbar", bar);
            }
        });
    }

    /// <summary>plotly.js's default colour sequence (the workbook colours series by name instead: <see cref="SeriesColours"/>).</summary>
    internal static readonly string[] Palette =
        { "#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52" };

    // In a grid, plotly.js colours traces by their index in the whole figure and lists every trace in
    // the legend. Here a series name keeps its one colour (SeriesColours) in every panel, is listed once,
    // and toggles in all panels; reference lines keep their grey.
    private static GenericChart SharedSeriesStyle(GenericChart chart) => PaintByName(chart, shareLegend: true);

    /// <summary>Colours every line, marker, bar and histogram trace by its name (<see cref="SeriesColours.For"/>), keeping dashes.</summary>
    private static GenericChart PaintByName(GenericChart chart, bool shareLegend)
    {
        var names = new List<string>();
        HouseStyle.MapTraces(chart, trace =>
        {
            if (Coloured(trace, out var name))
            {
                names.Add(name);
            }
        });
        var colours = SeriesColours.For(names);
        var colourOf = names.Select((n, i) => (n, c: colours[i])).GroupBy(p => p.n).ToDictionary(g => g.Key, g => g.First().c, StringComparer.Ordinal);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        return HouseStyle.MapTraces(chart, trace =>
        {
            if (!Coloured(trace, out var name))
            {
                return;
            }
            if (shareLegend)
            {
                var wantsLegend = trace.TryGetPropertyValue("showlegend") is not { Value: false };
                trace.SetProperty("legendgroup", name);
                trace.SetProperty("showlegend", wantsLegend && listed.Add(name));
            }
            HouseStyle.Paint(trace, colourOf[name], null);
        });
    }

    // Heatmaps and contours keep their own colour scale and stay out of the legend; reference lines keep their grey.
    private static bool Coloured(Trace trace, out string name)
    {
        name = "";
        if (trace.TryGetPropertyValue("name") is not { Value: string n } ||
            trace.TryGetPropertyValue("type") is not { Value: string type } || type is not ("scatter" or "bar" or "histogram") ||
            trace.TryGetPropertyValue("meta") is { Value: HouseStyle.ReferenceMeta })
        {
            return false;
        }
        name = n;
        return true;
    }

    private static Figure XY(string title, string xLabel, string yLabel, Series[] series, bool showMarkers, bool linesOnly)
    {
        RequireSome(series.Length, "series");
        foreach (var s in series)
        {
            s.Validate();
        }
        // House style (Charts/README.md): colours by name, markers on short series, dashes where lines overlap.
        var colours = SeriesColours.For(series.Select(s => s.Name).ToArray());
        var dashes = linesOnly ? HouseStyle.DashesFor(series) : new string?[series.Length];
        var traces = series.Select((s, i) => HouseStyle.Paint(linesOnly
            ? Chart.Line<double, double, string>(
                x: s.X.ToArray(), y: s.Y.ToArray(), ShowMarkers: showMarkers || s.X.Count < HouseStyle.MarkerThreshold,
                Name: s.Name, ShowLegend: series.Length > 1)
            : Chart.Point<double, double, string>(x: s.X.ToArray(), y: s.Y.ToArray(), Name: s.Name, ShowLegend: series.Length > 1),
            colours[i], dashes[i]));
        var chart = Layout(Chart.Combine(traces), title, xLabel, yLabel);
        chart = AutoAxes(chart, series.SelectMany(s => s.X), HouseStyle.WantsLogX(series), series.SelectMany(s => s.Y));
        return new Figure(Sized(chart, 720, 420), title, series.Length);
    }

    // Log axes where the data are positive and span more than two decades (x only when spaced geometrically);
    // plain tick numbers on linear axes.
    private static GenericChart AutoAxes(GenericChart chart, IEnumerable<double> xs, bool logX, IEnumerable<double> ys)
    {
        var xValues = xs.Where(double.IsFinite).ToArray();
        var yValues = ys.Where(double.IsFinite).ToArray();
        chart = logX ? HouseStyle.LogAxis(chart, "xaxis", xValues.Min(), xValues.Max()) : HouseStyle.PlainNumbers(chart, "xaxis");
        chart = HouseStyle.SpansDecades(yValues)
            ? HouseStyle.LogAxis(chart, "yaxis", yValues.Min(), yValues.Max())
            : HouseStyle.PlainNumbers(chart, "yaxis");
        return chart;
    }

    private static GenericChart Layout(GenericChart chart, string title, string xLabel, string yLabel) =>
        Style(chart, Plotly.NET.Chart.withTitle(title, null))
            .WithXAxisStyle<double, double, string>(TitleText: xLabel)
            .WithYAxisStyle<double, double, string>(TitleText: yLabel);

    // Plotly.NET.CSharp has no layout or LinearAxis styling, so the next two call Plotly.NET's F# API, whose
    // optional parameters C# sees as mandatory FSharpOption parameters: every one is named, null meaning None.

    private static GenericChart WithBarMode(GenericChart chart, StyleParam.BarMode mode) =>
        Style(chart, Plotly.NET.Chart.withLayoutStyle<string>(
            Title: null, ShowLegend: null, Margin: null, AutoSize: null, Width: null, Height: null, Font: null,
            UniformText: null, Separators: null, PaperBGColor: null, PlotBGColor: null, AutoTypeNumbers: null, Colorscale: null,
            Colorway: null, ModeBar: null, HoverMode: null, ClickMode: null, DragMode: null, SelectDirection: null,
            ActiveSelection: null, NewSelection: null, HoverDistance: null, SpikeDistance: null, Hoverlabel: null,
            Transition: null, DataRevision: null, UIRevision: null, EditRevision: null, SelectRevision: null, Template: null,
            Meta: null, Computed: null, Grid: null, Calendar: null, MinReducedHeight: null, MinReducedWidth: null,
            NewShape: null, ActiveShape: null, HideSources: null, ScatterGap: null, ScatterMode: null, BarGap: null,
            BarGroupGap: null, BarMode: Some(mode), BarNorm: null, ExtendPieColors: null, HiddenLabels: null, PieColorWay: null,
            BoxGap: null, BoxGroupGap: null, BoxMode: null, ViolinGap: null, ViolinGroupGap: null, ViolinMode: null,
            WaterfallGap: null, WaterfallGroupGap: null, WaterfallMode: null, FunnelGap: null, FunnelGroupGap: null,
            FunnelMode: null, ExtendFunnelAreaColors: null, FunnelAreaColorWay: null, ExtendSunBurstColors: null,
            SunBurstColorWay: null, ExtendTreeMapColors: null, TreeMapColorWay: null, ExtendIcicleColors: null,
            IcicleColorWay: null, Annotations: null, Shapes: null, Selections: null, Images: null, Sliders: null,
            UpdateMenus: null));

    private static LinearAxis LabelledAxis(string title, IReadOnlyList<string> labels, bool reversed) =>
        LinearAxis.init<double, double, double, double, double, string, string, string>(
            Visible: null, Color: null,
            Title: Some(Title.init(Some(title), null, null, null, null, null, null, null, null, null, null, null)),
            AxisType: null, AutoTypeNumbers: null, AutoRange: reversed ? Some(StyleParam.AutoRange.Reversed) : null,
            AutoRangeOptions: null, AutoShift: null, RangeMode: null, Range: null, FixedRange: null, ScaleAnchor: null,
            ScaleRatio: null, Constrain: null, ConstrainToward: null, Matches: null, MaxAllowed: null, MinAllowed: null,
            Rangebreaks: null, TickMode: Some(StyleParam.TickMode.Array), NTicks: null, Tick0: null, DTick: null,
            TickVals: Some<IEnumerable<double>>(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray()),
            TickText: Some<IEnumerable<string>>(labels.ToArray()), Ticks: null, TicksOn: null, TickLabelMode: null,
            TickLabelPosition: null, TickLabelStep: null, TickLabelOverflow: null, Mirror: null, TickLen: null, TickWidth: null,
            TickColor: null, ShowTickLabels: null, AutoMargin: null, ShowSpikes: null, SpikeColor: null, SpikeThickness: null,
            SpikeDash: null, SpikeMode: null, SpikeSnap: null, TickFont: null, TickAngle: null, ShowTickPrefix: null,
            TickPrefix: null, ShowTickSuffix: null, TickSuffix: null, ShowExponent: null, ExponentFormat: null,
            MinExponent: null, Minor: null, SeparateThousands: null, TickFormat: null, TickFormatStops: null, HoverFormat: null,
            InsideRange: null, ShowLine: null, LineColor: null, LineWidth: null, ShowGrid: Some(false), GridColor: null,
            GridDash: null, GridWidth: null, ZeroLine: Some(false), ZeroLineColor: null, ZeroLineWidth: null, Shift: null,
            ShowDividers: null, DividerColor: null, DividerWidth: null, Anchor: null, Side: null, Overlaying: null,
            LabelAlias: null, Layer: null, Domain: null, Position: null, CategoryOrder: null, CategoryArray: null,
            UIRevision: null, RangeSlider: null, RangeSelector: null, Calendar: null, BackgroundColor: null,
            ShowBackground: null);

    private static FSharpOption<T> Some<T>(T value) => FSharpOption<T>.Some(value);

    private static GenericChart Sized(GenericChart chart, int width, int height) => chart.WithSize(Width: width, Height: height);

    private static GenericChart Style(GenericChart chart, FSharpFunc<GenericChart, GenericChart> style) => style.Invoke(chart);

    private static GenericChart WithTrace(GenericChart chart, Action<Trace> edit) =>
        GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(trace =>
        {
            edit(trace);
            return trace;
        }), chart);

    private static double[,] ToMatrix(torch.Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        var t = tensor.detach().cpu().to_type(torch.ScalarType.Float64);
        while (t.dim() > 2 && t.shape[0] == 1)
        {
            t = t.squeeze(0);
        }
        if (t.dim() != 2)
        {
            throw new ArgumentException(
                $"a heatmap needs a 2-D tensor (leading dimensions of size 1 are dropped), got shape {Shapes.Of(tensor.shape)}");
        }
        var (rows, columns) = ((int)t.shape[0], (int)t.shape[1]);
        var values = t.contiguous().data<double>().ToArray();
        var z = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                z[r, c] = values[r * columns + c];
            }
        }
        return z;
    }

    private static string[] Indices(int count) =>
        Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    private static double[] Linspace(double min, double max, int count) =>
        Enumerable.Range(0, count).Select(i => min + (max - min) * i / (count - 1)).ToArray();

    private static void RequireSome(int count, string what)
    {
        if (count == 0)
        {
            throw new ArgumentException($"a chart needs at least one {what}");
        }
    }
}

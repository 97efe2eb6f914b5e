using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workbook.Charts;

/// <summary>
/// Draws a plotly.js figure (the JSON of <see cref="Figure.ToJson"/>) as a static SVG picture, with
/// no browser and no script: what a chart shows where plotly.js cannot run (a static viewer such as
/// GitHub, or a reopened notebook whose first chart, the one carrying plotly.js, was cleared).
/// </summary>
/// <remarks>
/// <para>
/// Drawn from the JSON alone, for the traces and layout features <see cref="Plot"/> produces: scatter
/// traces (lines, markers or both, with the colour, width and dash a trace sets), bars (grouped or
/// overlaid), histograms (binned here, much as plotly.js bins), heatmaps (row order as the axis says,
/// so a reversed y axis puts row 0 at the top), contours, subplots placed by <c>layout.grid</c> or by
/// axis domains, the title, axis titles, ticks and grid lines, linear, log and category axes, colour
/// bars, paper-positioned annotations (subplot titles) and a legend listing each name once.
/// </para>
/// <para>
/// Approximations, to keep the picture small and the code short: a line keeps at most 400 points a
/// trace (the lowest and highest point of each run of points), markers at most 1000 a trace (after
/// dropping markers that land on the same pixel); a heatmap keeps at most 80 x 80 cells (averaging
/// blocks beyond) and 64 colour levels; a contour is drawn as its filled bands on the sampled grid
/// (cells coloured by the band of their value, no contour lines). Text widths are estimated from the
/// character count. Same-named traces share a colour, so that the one legend entry of a name is
/// true of every panel (plotly.js gives every trace the next colour). Stacked bars are drawn
/// overlaid; horizontal bars, error bars, fills and other trace types are not drawn.
/// </para>
/// <para>
/// Structure, for tests and styling: the root <c>svg</c> holds a <c>text.title</c>; per subplot a
/// <c>g.subplot</c> with its <c>rect.plot-area</c>, a nested <c>svg.data</c> (which clips the traces)
/// holding <c>g.line</c> (polylines, one per unbroken run of points), <c>g.markers</c> (circles),
/// <c>g.bars</c> (rects) and <c>g.heatmap</c> (one path per colour level, one rectangle subpath per
/// run of equal cells in a row), then <c>g.xaxis</c> and <c>g.yaxis</c> (tick labels and a
/// <c>text.axis-title</c>); then <c>g.colorbar</c>, <c>g.legend</c> and <c>text.annotation</c>.
/// </para>
/// </remarks>
public static class ChartSvg
{
    private const int MaxLinePoints = 400;
    private const int MaxMarkers = 1000;
    private const int MaxCellsPerSide = 80;
    private const int ColourLevels = 64;
    private const double FontSize = 12;
    private const double TitleFontSize = 17;
    private const double CharWidth = 0.58;

    private static readonly string[] PlotlyColourway =
    {
        "#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52",
    };

    // plotly's "Plasma", the sequential colour scale of its default template.
    private static readonly (double Stop, string Colour)[] PlotlyColourScale =
    {
        (0, "#0d0887"), (1 / 9.0, "#46039f"), (2 / 9.0, "#7201a8"), (3 / 9.0, "#9c179e"), (4 / 9.0, "#bd3786"),
        (5 / 9.0, "#d8576b"), (6 / 9.0, "#ed7953"), (7 / 9.0, "#fb9f3a"), (8 / 9.0, "#fdca26"), (1, "#f0f921"),
    };

    private static readonly HashSet<string> DrawnTypes = new(StringComparer.Ordinal) { "scatter", "scattergl", "bar", "histogram", "heatmap", "contour" };
    private static readonly Regex LineBreak = new("<br\\s*/?>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex Tag = new("<[^>]*>", RegexOptions.CultureInvariant);
    private static readonly Regex AxisId = new("^[xy][0-9]*$", RegexOptions.CultureInvariant);

    /// <summary>
    /// The figure as one self-contained <c>&lt;svg&gt;</c> element <paramref name="width"/> x
    /// <paramref name="height"/> pixels: no script, no external resource, and the same text for the
    /// same input on every machine and culture.
    /// </summary>
    /// <param name="figureJson">a plotly.js figure, <c>{"data": [traces], "layout": {...}}</c>, as <see cref="Figure.ToJson"/> gives.</param>
    /// <param name="width">width of the picture in pixels.</param>
    /// <param name="height">height of the picture in pixels.</param>
    /// <exception cref="ArgumentException">the JSON does not parse, or is not a figure, or the size is not positive.</exception>
    public static string Render(string figureJson, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(figureJson);
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"an SVG's size must be positive, got {width} x {height}");
        }
        var (data, layout) = ParseFigure(figureJson);
        var theme = Theme.Read(layout);
        var traces = ReadTraces(data, theme);
        var axes = BuildAxes(traces, layout);
        foreach (var trace in traces)
        {
            PrepareTrace(trace);
        }
        BinHistograms(traces);
        foreach (var axis in axes.Values)
        {
            axis.ResolveRange();
        }
        var subplots = Subplots(traces, axes);
        var legend = LegendEntries(traces, layout);
        var frame = Frame.Place(width, height, layout, subplots, legend);
        return Draw(frame, theme, layout, subplots, legend);
    }

    // ---- parsing ---------------------------------------------------------------------------------

    private static (JsonArray Data, JsonObject Layout) ParseFigure(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the figure JSON does not parse: {e.Message}", "figureJson", e);
        }
        if (root is not JsonObject figure)
        {
            throw new ArgumentException(
                $"the figure JSON must be an object {{\"data\": [...], \"layout\": {{...}}}}, got {KindOf(root)}", "figureJson");
        }
        if (figure["data"] is not JsonArray data)
        {
            throw new ArgumentException($"the figure JSON has no \"data\" array of traces (\"data\" is {KindOf(figure["data"])})", "figureJson");
        }
        return figure["layout"] switch
        {
            null => (data, new JsonObject()),
            JsonObject layout => (data, layout),
            var other => throw new ArgumentException($"the figure JSON's \"layout\" must be an object, got {KindOf(other)}", "figureJson"),
        };
    }

    private static string KindOf(JsonNode? node) => node switch
    {
        null => "null or missing",
        JsonArray => "an array",
        JsonObject => "an object",
        _ => $"the value {node.ToJsonString()}",
    };

    private static JsonNode? At(JsonNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is JsonObject o ? o[key] : null;
        }
        return node;
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static double? Num(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static bool? Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    /// <summary>A number of a data array: JSON numbers, and strings such as "NaN" (how Plotly.NET writes NaN); anything else is NaN.</summary>
    private static double Number(JsonNode? node)
    {
        if (Num(node) is { } d)
        {
            return d;
        }
        return Str(node) is { } s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN;
    }

    /// <summary>A value of a data array as a category name.</summary>
    private static string? CategoryName(JsonNode? node) =>
        Str(node) ?? (Num(node) is { } d ? d.ToString("R", CultureInfo.InvariantCulture) : null);

    private static bool IsCategoryValue(JsonNode? node) =>
        Str(node) is { } s && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>Plain text of a plotly label: line breaks become spaces, other tags are dropped.</summary>
    private static string PlainText(string? text) =>
        text is null ? "" : Tag.Replace(LineBreak.Replace(text, " "), "").Trim();

    private static string TitleOf(JsonNode? owner) => PlainText(Str(At(owner, "title", "text")) ?? Str(At(owner, "title")));

    // ---- traces ----------------------------------------------------------------------------------

    private static List<Trace> ReadTraces(JsonArray data, Theme theme)
    {
        var traces = new List<Trace>();
        var colourOfName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < data.Count; i++)
        {
            if (data[i] is not JsonObject node)
            {
                throw new ArgumentException($"trace {i} of the figure JSON is {KindOf(data[i])}, not an object", "figureJson");
            }
            var type = Str(node["type"]) ?? "scatter";
            if (Bool(node["visible"]) == false || !DrawnTypes.Contains(type))
            {
                continue;
            }
            var name = PlainText(Str(node["name"]));
            var colourIndex = i;
            if (name.Length > 0 && !colourOfName.TryAdd(name, i))
            {
                colourIndex = colourOfName[name];
            }
            traces.Add(ReadTrace(node, type is "scattergl" ? "scatter" : type, name, colourIndex, theme));
        }
        return traces;
    }

    private static Trace ReadTrace(JsonObject node, string type, string name, int colourIndex, Theme theme)
    {
        var explicitColour = type == "scatter"
            ? Str(At(node, "line", "color")) ?? Str(At(node, "marker", "color"))
            : Str(At(node, "marker", "color"));
        var paint = Paint.Parse(explicitColour ?? theme.Colourway[colourIndex % theme.Colourway.Length]);
        var count = node["y"] is JsonArray y ? y.Count : 0;
        var mode = Str(node["mode"]) ?? (count < 20 ? "lines+markers" : "lines");
        return new Trace(node, type, name)
        {
            XAxis = AxisRef(Str(node["xaxis"]), 'x'),
            YAxis = AxisRef(Str(node["yaxis"]), 'y'),
            Colour = paint.Hex,
            Opacity = Math.Clamp((Num(node["opacity"]) ?? 1) * paint.Alpha, 0, 1),
            Lines = type == "scatter" && mode.Contains("lines", StringComparison.Ordinal),
            Markers = type == "scatter" && mode.Contains("markers", StringComparison.Ordinal),
        };
    }

    private static string AxisRef(string? id, char letter) =>
        id is null || !AxisId.IsMatch(id) || id[0] != letter || id == $"{letter}1" ? letter.ToString() : id;

    // ---- axes ------------------------------------------------------------------------------------

    private static Dictionary<string, Axis> BuildAxes(List<Trace> traces, JsonObject layout)
    {
        var axes = new Dictionary<string, Axis>(StringComparer.Ordinal);
        Axis Ensure(string id)
        {
            if (!axes.TryGetValue(id, out var axis))
            {
                var key = $"{id[0]}axis{id[1..]}";
                axis = new Axis(id, layout[key] as JsonObject ?? new JsonObject());
                axes[id] = axis;
            }
            return axis;
        }
        foreach (var trace in traces)
        {
            trace.X = Ensure(trace.XAxis);
            trace.Y = Ensure(trace.YAxis);
        }
        if (axes.Count == 0)
        {
            Ensure("x");
            Ensure("y");
        }
        foreach (var axis in axes.Values)
        {
            ChooseKind(axis, traces);
        }
        return axes;
    }

    private static void ChooseKind(Axis axis, List<Trace> traces)
    {
        var values = traces.Where(t => t.X == axis || t.Y == axis).Select(t => RawValues(t, axis)).OfType<JsonArray>().ToList();
        axis.Kind = Str(axis.Settings["type"]) switch
        {
            "log" => AxisKind.Log,
            "category" => AxisKind.Category,
            "linear" => AxisKind.Linear,
            _ => values.Any(a => a.Any(IsCategoryValue)) ? AxisKind.Category : AxisKind.Linear,
        };
        if (axis.Kind == AxisKind.Category)
        {
            foreach (var name in values.SelectMany(a => a).Select(CategoryName).OfType<string>())
            {
                axis.AddCategory(name);
            }
        }
    }

    /// <summary>The data array of a trace that is read along <paramref name="axis"/> (a histogram's y axis reads counts).</summary>
    private static JsonArray? RawValues(Trace trace, Axis axis)
    {
        if (trace.Type == "histogram" && !axis.IsX)
        {
            return null;
        }
        return (axis.IsX ? trace.Node["x"] : trace.Node["y"]) as JsonArray;
    }

    /// <summary>A trace's coordinates along an axis, in the axis's data units (a category's index on a category axis).</summary>
    private static double[] Coordinates(JsonNode? values, Axis axis, int count)
    {
        if (values is not JsonArray array)
        {
            return Enumerable.Range(0, count).Select(i => (double)i).ToArray();
        }
        return array.Select(v => axis.Kind == AxisKind.Category ? axis.CategoryIndex(CategoryName(v)) : Number(v)).ToArray();
    }

    private static void PrepareTrace(Trace trace)
    {
        switch (trace.Type)
        {
            case "scatter":
                PrepareScatter(trace);
                break;
            case "bar":
                PrepareBar(trace);
                break;
            case "heatmap":
            case "contour":
                PrepareCells(trace);
                break;
        }
    }

    private static void PrepareScatter(Trace trace)
    {
        var yCount = trace.Node["y"] is JsonArray y ? y.Count : 0;
        var xs = Coordinates(trace.Node["x"], trace.X, yCount);
        var ys = Coordinates(trace.Node["y"], trace.Y, xs.Length);
        var n = Math.Min(xs.Length, ys.Length);
        trace.Points = Enumerable.Range(0, n).Select(i => (trace.X.Transform(xs[i]), trace.Y.Transform(ys[i]))).ToArray();
        var valid = trace.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        // As plotly.js: a line without markers is not padded along x; y always is.
        trace.X.Include(Extent.Of(valid.Select(p => p.X), trace.Markers, trace.Markers));
        trace.Y.Include(Extent.Of(valid.Select(p => p.Y), true, true));
    }

    private static void PrepareBar(Trace trace)
    {
        var values = trace.Node["y"] is JsonArray y ? y.Select(Number).ToArray() : Array.Empty<double>();
        var positions = Coordinates(trace.Node["x"], trace.X, values.Length);
        var n = Math.Min(values.Length, positions.Length);
        trace.Bars = Enumerable.Range(0, n).Select(i => (positions[i], values[i]))
            .Where(b => double.IsFinite(b.Item1) && double.IsFinite(b.Item2)).ToList();
        trace.Slot = trace.X.Kind == AxisKind.Category ? 1 : SmallestGap(trace.Bars.Select(b => b.Position));
        IncludeBars(trace);
    }

    private static double SmallestGap(IEnumerable<double> positions)
    {
        var sorted = positions.Distinct().Order().ToArray();
        var gap = double.PositiveInfinity;
        for (var i = 1; i < sorted.Length; i++)
        {
            gap = Math.Min(gap, sorted[i] - sorted[i - 1]);
        }
        return double.IsFinite(gap) && gap > 0 ? gap : 1;
    }

    private static void IncludeBars(Trace trace)
    {
        var half = trace.Slot / 2;
        trace.X.Include(Extent.Of(trace.Bars.SelectMany(b => new[] { b.Position - half, b.Position + half }), false, false));
        if (trace.Y.Kind == AxisKind.Log)
        {
            trace.Y.Include(Extent.Of(trace.Bars.Select(b => trace.Y.Transform(b.Value)), true, true));
            return;
        }
        // Bars grow from zero: the zero end is not padded.
        var low = Math.Min(0, trace.Bars.Count == 0 ? 0 : trace.Bars.Min(b => b.Value));
        var high = Math.Max(0, trace.Bars.Count == 0 ? 0 : trace.Bars.Max(b => b.Value));
        trace.Y.Include(new Extent(low, high, low < 0, high > 0));
    }

    // ---- histograms ------------------------------------------------------------------------------

    /// <summary>
    /// Bins the histograms of each x axis together (one set of bins for the traces that share an axis,
    /// so overlaid histograms line up), then draws them as bars.
    /// </summary>
    private static void BinHistograms(List<Trace> traces)
    {
        foreach (var group in traces.Where(t => t.Type == "histogram").GroupBy(t => t.XAxis))
        {
            var members = group.ToList();
            var axis = members[0].X;
            if (axis.Kind == AxisKind.Category)
            {
                members.ForEach(CountCategories);
            }
            else
            {
                var samples = members.Select(t => Coordinates(t.Node["x"], axis, 0).Where(double.IsFinite).ToArray()).ToList();
                var bins = Bins(samples.SelectMany(s => s).ToArray(), members[0].Node);
                for (var i = 0; i < members.Count; i++)
                {
                    members[i].Bars = Count(samples[i], bins);
                    members[i].Slot = bins.Size;
                }
            }
            members.ForEach(IncludeBars);
        }
    }

    private static void CountCategories(Trace trace)
    {
        var positions = Coordinates(trace.Node["x"], trace.X, 0).Where(double.IsFinite);
        trace.Bars = positions.GroupBy(p => p).OrderBy(g => g.Key).Select(g => (g.Key, (double)g.Count())).ToList();
        trace.Slot = 1;
    }

    private readonly record struct HistogramBins(double Start, double Size, int Count);

    /// <summary>
    /// Bins as plotly.js chooses them, roughly: an explicit <c>xbins</c>; else a bin size near
    /// span / <c>nbinsx</c>, or near 2 standard deviations / n^0.4 without it, rounded up to 1, 2 or 5
    /// times a power of ten; integer data get bins centred on the integers.
    /// </summary>
    private static HistogramBins Bins(double[] values, JsonObject node)
    {
        if (values.Length == 0)
        {
            return new HistogramBins(0, 1, 1);
        }
        double min = values.Min(), max = values.Max();
        if (Num(At(node, "xbins", "size")) is double given && given > 0)
        {
            var first = Num(At(node, "xbins", "start")) ?? Math.Floor(min / given) * given;
            return new HistogramBins(first, given, Math.Clamp((int)Math.Floor((max - first) / given) + 1, 1, 1000));
        }
        var rough = Num(node["nbinsx"]) is double bins && bins > 0
            ? (max - min) / bins
            : 2 * StandardDeviation(values) / Math.Pow(values.Length, 0.4);
        var size = rough > 0 && double.IsFinite(rough) ? NiceStep(rough) : 1;
        var integers = values.All(v => v == Math.Floor(v));
        if (integers)
        {
            size = Math.Max(1, Math.Round(size));
        }
        var start = Math.Floor(min / size) * size - (integers ? 0.5 : 0);
        if (start + size <= min)
        {
            start += size;
        }
        var count = Math.Clamp((int)Math.Floor((max - start) / size) + 1, 1, 1000);
        return new HistogramBins(start, size, count);
    }

    private static List<(double Position, double Value)> Count(double[] values, HistogramBins bins)
    {
        var counts = new int[bins.Count];
        foreach (var v in values)
        {
            counts[Math.Clamp((int)Math.Floor((v - bins.Start) / bins.Size), 0, bins.Count - 1)]++;
        }
        return Enumerable.Range(0, bins.Count).Select(i => (bins.Start + (i + 0.5) * bins.Size, (double)counts[i])).ToList();
    }

    private static double StandardDeviation(double[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }

    // ---- heatmaps and contours -------------------------------------------------------------------

    private static void PrepareCells(Trace trace)
    {
        var rows = ReadMatrix(trace);
        var rowCount = rows.Length;
        var columnCount = rows.Length == 0 ? 0 : rows.Max(r => r.Length);
        var contour = trace.Type == "contour";
        var xEdges = Edges(Centres(trace, trace.X, "x", columnCount), contour).Select(trace.X.Transform).ToArray();
        var yEdges = Edges(Centres(trace, trace.Y, "y", rowCount), contour).Select(trace.Y.Transform).ToArray();
        var z = new double[rowCount, columnCount];
        for (var r = 0; r < rowCount; r++)
        {
            for (var c = 0; c < columnCount; c++)
            {
                z[r, c] = c < rows[r].Length ? rows[r][c] : double.NaN;
            }
        }
        var finite = rows.SelectMany(r => r).Where(double.IsFinite).ToArray();
        double zMin = Num(trace.Node["zmin"]) ?? (finite.Length > 0 ? finite.Min() : 0);
        double zMax = Num(trace.Node["zmax"]) ?? (finite.Length > 0 ? finite.Max() : 1);
        if (!(zMax > zMin))
        {
            (zMin, zMax) = (zMin - 0.5, zMax + 0.5);
        }
        trace.Cells = Pool(new CellGrid(xEdges, yEdges, z, zMin, zMax));
        trace.X.Include(Extent.Of(xEdges, false, false));
        trace.Y.Include(Extent.Of(yEdges, false, false));
    }

    private static double[][] ReadMatrix(Trace trace)
    {
        if (trace.Node["z"] is not JsonArray z)
        {
            return Array.Empty<double[]>();
        }
        return z.Select((row, r) => row is JsonArray cells
                ? cells.Select(Number).ToArray()
                : throw new ArgumentException($"row {r} of the {trace.Type} \"{trace.Name}\"'s z is {KindOf(row)}, not an array", "figureJson"))
            .ToArray();
    }

    private static double[] Centres(Trace trace, Axis axis, string letter, int count)
    {
        if (trace.Node[letter] is JsonArray given && given.Count >= count)
        {
            return Coordinates(given, axis, count).Take(count).ToArray();
        }
        var start = Num(trace.Node[letter + "0"]) ?? 0;
        var step = Num(trace.Node["d" + letter]) ?? 1;
        return Enumerable.Range(0, count).Select(i => start + i * step).ToArray();
    }

    /// <summary>
    /// Cell edges around cell centres (midway between neighbours). A contour's samples are grid points,
    /// so its outer edges are the outer samples themselves, as plotly.js draws a contour to its last samples.
    /// </summary>
    private static double[] Edges(double[] centres, bool clipToCentres)
    {
        var n = centres.Length;
        if (n == 0)
        {
            return Array.Empty<double>();
        }
        if (n == 1)
        {
            return new[] { centres[0] - 0.5, centres[0] + 0.5 };
        }
        var edges = new double[n + 1];
        for (var i = 1; i < n; i++)
        {
            edges[i] = (centres[i - 1] + centres[i]) / 2;
        }
        edges[0] = clipToCentres ? centres[0] : centres[0] - (centres[1] - centres[0]) / 2;
        edges[n] = clipToCentres ? centres[n - 1] : centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2;
        return edges;
    }

    /// <summary>At most <see cref="MaxCellsPerSide"/> cells a side: blocks of cells are averaged (NaN cells left out).</summary>
    private static CellGrid Pool(CellGrid grid)
    {
        var (rows, columns) = (grid.Z.GetLength(0), grid.Z.GetLength(1));
        int fr = (rows + MaxCellsPerSide - 1) / MaxCellsPerSide, fc = (columns + MaxCellsPerSide - 1) / MaxCellsPerSide;
        if (fr <= 1 && fc <= 1)
        {
            return grid;
        }
        fr = Math.Max(fr, 1);
        fc = Math.Max(fc, 1);
        int pooledRows = (rows + fr - 1) / fr, pooledColumns = (columns + fc - 1) / fc;
        var z = new double[pooledRows, pooledColumns];
        for (var r = 0; r < pooledRows; r++)
        {
            for (var c = 0; c < pooledColumns; c++)
            {
                z[r, c] = BlockMean(grid.Z, r * fr, Math.Min(rows, (r + 1) * fr), c * fc, Math.Min(columns, (c + 1) * fc));
            }
        }
        return grid with { XEdges = PooledEdges(grid.XEdges, fc), YEdges = PooledEdges(grid.YEdges, fr), Z = z };
    }

    private static double BlockMean(double[,] z, int r0, int r1, int c0, int c1)
    {
        double sum = 0;
        var count = 0;
        for (var r = r0; r < r1; r++)
        {
            for (var c = c0; c < c1; c++)
            {
                if (double.IsFinite(z[r, c]))
                {
                    sum += z[r, c];
                    count++;
                }
            }
        }
        return count == 0 ? double.NaN : sum / count;
    }

    private static double[] PooledEdges(double[] edges, int factor)
    {
        var cells = edges.Length - 1;
        return Enumerable.Range(0, (cells + factor - 1) / factor).Select(i => edges[i * factor]).Append(edges[cells]).ToArray();
    }

    /// <summary>Colour levels of a heatmap (<see cref="ColourLevels"/> even steps) or a contour's bands.</summary>
    private static Shading ShadingOf(Trace trace, Theme theme)
    {
        var grid = trace.Cells!;
        var scale = ColourScale(trace.Node, theme);
        if (trace.Type != "contour")
        {
            var colours = Enumerable.Range(0, ColourLevels).Select(i => ScaleAt(scale, i / (ColourLevels - 1.0))).ToArray();
            var span = grid.ZMax - grid.ZMin;
            var bounds = Enumerable.Range(0, ColourLevels + 1).Select(i => grid.ZMin + span * i / ColourLevels).ToArray();
            return new Shading(z => (int)Math.Round(Math.Clamp((z - grid.ZMin) / span, 0, 1) * (ColourLevels - 1)), colours, bounds);
        }
        var (start, size, count) = ContourLevels(trace.Node, grid.ZMin, grid.ZMax);
        // Band 0 lies below the first level, band b between levels b - 1 and b; each is coloured at its middle.
        var bandColours = Enumerable.Range(0, count + 1).Select(b =>
            ScaleAt(scale, Math.Clamp((start + (b - 0.5) * size - grid.ZMin) / (grid.ZMax - grid.ZMin), 0, 1))).ToArray();
        var levels = Enumerable.Range(0, count).Select(i => start + i * size);
        var bandBounds = levels.Prepend(grid.ZMin).Append(grid.ZMax).ToArray();
        return new Shading(z => Math.Clamp(z < start ? 0 : (int)Math.Floor((z - start) / size) + 1, 0, count), bandColours, bandBounds);
    }

    /// <summary>Contour levels: <c>contours.start/size</c> when given, else about <c>ncontours</c> (15) evenly spaced nice values inside the z range.</summary>
    private static (double Start, double Size, int Count) ContourLevels(JsonObject node, double zMin, double zMax)
    {
        var wanted = Num(node["ncontours"]) is double n && n > 0 ? n : 15;
        var size = Num(At(node, "contours", "size")) is double s && s > 0 ? s : NiceStep((zMax - zMin) / wanted);
        var start = Num(At(node, "contours", "start")) ?? Math.Floor(zMin / size) * size + size;
        // Levels up to contours.end, or strictly below the largest z (the top band is never empty).
        var count = Num(At(node, "contours", "end")) is { } end
            ? (int)Math.Floor((end - start) / size + 1e-9) + 1
            : (int)Math.Ceiling((zMax - start) / size - 1e-9);
        count = Math.Clamp(count, 1, 200);
        return (start, size, count);
    }

    private static (double Stop, Rgb Colour)[] ColourScale(JsonObject node, Theme theme)
    {
        var scale = node["colorscale"] is JsonArray given ? ReadScale(given) : null;
        scale ??= theme.ColourScale;
        return Bool(node["reversescale"]) == true ? scale.Select(s => (1 - s.Stop, s.Colour)).Reverse().ToArray() : scale;
    }

    private static (double Stop, Rgb Colour)[]? ReadScale(JsonArray array)
    {
        var stops = array.OfType<JsonArray>()
            .Where(pair => pair.Count == 2 && Num(pair[0]) is not null && Str(pair[1]) is not null)
            .Select(pair => (Num(pair[0])!.Value, Paint.Parse(Str(pair[1])!).Rgb))
            .OrderBy(s => s.Value).ToArray();
        return stops.Length >= 2 ? stops : null;
    }

    private static string ScaleAt((double Stop, Rgb Colour)[] scale, double t)
    {
        for (var i = 1; i < scale.Length; i++)
        {
            if (t <= scale[i].Stop || i == scale.Length - 1)
            {
                var (a, b) = (scale[i - 1], scale[i]);
                var f = b.Stop > a.Stop ? Math.Clamp((t - a.Stop) / (b.Stop - a.Stop), 0, 1) : 0;
                return Rgb.Mix(a.Colour, b.Colour, f).Hex;
            }
        }
        return scale[0].Colour.Hex;
    }

    // ---- subplots and legend ---------------------------------------------------------------------

    private static List<Subplot> Subplots(List<Trace> traces, Dictionary<string, Axis> axes)
    {
        var subplots = new List<Subplot>();
        foreach (var trace in traces)
        {
            var subplot = subplots.Find(s => s.X == trace.X && s.Y == trace.Y);
            if (subplot is null)
            {
                subplot = new Subplot(trace.X, trace.Y);
                subplots.Add(subplot);
            }
            subplot.Traces.Add(trace);
        }
        if (subplots.Count == 0)
        {
            subplots.Add(new Subplot(axes["x"], axes["y"]));
        }
        return subplots;
    }

    private enum Symbol { Line, Marker, LineAndMarker, Square }

    private sealed record LegendEntry(string Name, string Colour, double Opacity, Symbol Symbol, string? Dash);

    /// <summary>
    /// Named traces that plotly.js would list (scatter, bar and histogram traces unless <c>showlegend</c> is
    /// false; heatmaps and contours only when it is true), each name once. As in plotly.js the legend is
    /// shown when <c>layout.showlegend</c> says so, else when two traces are listed or one asks explicitly.
    /// </summary>
    private static List<LegendEntry> LegendEntries(List<Trace> traces, JsonObject layout)
    {
        var listed = traces.Where(t => t.Name.Length > 0 && (Bool(t.Node["showlegend"]) ?? t.Type is "scatter" or "bar" or "histogram")).ToList();
        var show = Bool(layout["showlegend"]) ?? (listed.Count > 1 || listed.Any(t => Bool(t.Node["showlegend"]) == true));
        if (!show)
        {
            return new List<LegendEntry>();
        }
        return listed.DistinctBy(t => t.Name).Select(t => new LegendEntry(t.Name, t.Colour, t.Opacity, SymbolOf(t), DashOf(t))).ToList();
    }

    private static Symbol SymbolOf(Trace trace) => trace.Type switch
    {
        "scatter" when trace.Lines && trace.Markers => Symbol.LineAndMarker,
        "scatter" when trace.Markers => Symbol.Marker,
        "scatter" => Symbol.Line,
        _ => Symbol.Square,
    };

    private static double LineWidth(Trace trace) => Num(At(trace.Node, "line", "width")) ?? 2;

    /// <summary>An SVG dash array for plotly's <c>line.dash</c> (named, or a list of lengths such as "5px,10px").</summary>
    private static string? DashOf(Trace trace)
    {
        var dash = Str(At(trace.Node, "line", "dash"));
        var w = Math.Max(LineWidth(trace), 3);
        string Lengths(params double[] multiples) => string.Join(",", multiples.Select(m => F(m * w)));
        return dash switch
        {
            null or "" or "solid" => null,
            "dot" => Lengths(1, 1),
            "dash" => Lengths(3, 3),
            "longdash" => Lengths(5, 5),
            "dashdot" => Lengths(3, 1, 1, 1),
            "longdashdot" => Lengths(5, 2, 1, 2),
            _ => Regex.IsMatch(dash, "^[0-9., %px]+$", RegexOptions.CultureInvariant) ? dash.Replace("px", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal) : null,
        };
    }

    // ---- page layout -----------------------------------------------------------------------------

    private readonly record struct Box(double Left, double Top, double Right, double Bottom)
    {
        public double Width => Right - Left;
        public double Height => Bottom - Top;
    }

    /// <summary>Where things go: the plot area (inside the margins), each subplot's box, the legend and the colour bars.</summary>
    private sealed class Frame
    {
        private Frame(int width, int height, Box plotArea, bool horizontalLegend, double legendX, double legendY)
        {
            Width = width;
            Height = height;
            PlotArea = plotArea;
            HorizontalLegend = horizontalLegend;
            LegendX = legendX;
            LegendY = legendY;
        }

        public int Width { get; }
        public int Height { get; }
        public Box PlotArea { get; }
        public bool HorizontalLegend { get; }
        public double LegendX { get; }
        public double LegendY { get; }

        /// <summary>Colour bars sit beside their own subplot; a lone subplot's sits in the right margin, thicker.</summary>
        public bool WideColourBar { get; private init; }

        public static Frame Place(int width, int height, JsonObject layout, List<Subplot> subplots, List<LegendEntry> legend)
        {
            var margin = layout["margin"];
            double left = Num(At(margin, "l")) ?? 80, right = Num(At(margin, "r")) ?? 80;
            double top = Num(At(margin, "t")) ?? 100, bottom = Num(At(margin, "b")) ?? 80;
            var horizontal = legend.Count > 0 && Str(At(layout, "legend", "orientation")) == "h";
            var wideBar = subplots.Count == 1 && subplots[0].Traces.Any(HasColourBar);
            var legendWidth = legend.Count == 0 ? 0 : legend.Max(e => TextWidth(e.Name, FontSize)) + 50;
            var barWidth = wideBar ? 16 + 4 + ColourBarLabelWidth(subplots[0]) + 12 : 0;
            right = Math.Max(right, 12 + barWidth + (legend.Count > 0 && !horizontal ? legendWidth + 8 : 0));
            if (horizontal)
            {
                bottom += 12 + 20 * LegendRows(legend, width - 20);
            }
            (left, right) = Fit(left, right, width);
            (top, bottom) = Fit(top, bottom, height);
            var area = new Box(left, top, width - right, height - bottom);
            var legendX = horizontal ? area.Left : area.Right + 12 + barWidth;
            var legendY = horizontal ? area.Bottom + Math.Max(62, -(Num(At(layout, "legend", "y")) ?? -0.1) * area.Height) : area.Top + 8;
            var frame = new Frame(width, height, area, horizontal, legendX, Math.Min(legendY, height - 20 * LegendRows(legend, width - 20)))
            {
                WideColourBar = wideBar,
            };
            foreach (var subplot in subplots)
            {
                frame.PlaceSubplot(subplot, layout);
            }
            return frame;
        }

        private static (double, double) Fit(double a, double b, double size)
        {
            var room = size - 20;
            return a + b <= room ? (a, b) : (a * room / (a + b), b * room / (a + b));
        }

        public static int LegendRows(List<LegendEntry> legend, double width)
        {
            var (rows, x) = (legend.Count == 0 ? 0 : 1, 0.0);
            foreach (var entry in legend)
            {
                var w = LegendItemWidth(entry);
                if (x > 0 && x + w > width)
                {
                    rows++;
                    x = 0;
                }
                x += w;
            }
            return rows;
        }

        public static double LegendItemWidth(LegendEntry entry) => 40 + TextWidth(entry.Name, FontSize) + 16;

        private void PlaceSubplot(Subplot subplot, JsonObject layout)
        {
            var (x0, x1) = Domain(subplot.X, layout);
            var (y0, y1) = Domain(subplot.Y, layout);
            var a = PlotArea;
            var box = new Box(a.Left + x0 * a.Width, a.Top + (1 - y1) * a.Height, a.Left + x1 * a.Width, a.Top + (1 - y0) * a.Height);
            if (!WideColourBar && subplot.Traces.Any(HasColourBar) && box.Width > 120)
            {
                box = box with { Right = box.Right - 48 };
            }
            subplot.Box = box;
            subplot.X.Place(box.Left, box.Right);
            subplot.Y.Place(box.Bottom, box.Top);
        }

        /// <summary>An axis's share of the plot area: its <c>domain</c>, else its cell of <c>layout.grid</c> (as plotly.js computes it), else all.</summary>
        private static (double, double) Domain(Axis axis, JsonObject layout)
        {
            if (axis.Settings["domain"] is JsonArray { Count: 2 } d && Num(d[0]) is { } d0 && Num(d[1]) is { } d1 && d1 > d0)
            {
                return (d0, d1);
            }
            if (layout["grid"] is not JsonObject grid || Num(grid["rows"]) is not { } rows || Num(grid["columns"]) is not { } columns)
            {
                return (0, 1);
            }
            var independent = Str(grid["pattern"]) != "coupled";
            var index = axis.Number - 1;
            var (cell, count) = axis.IsX
                ? (independent ? index % (int)columns : index, (int)columns)
                : (independent ? index / (int)columns : index, (int)rows);
            if (cell >= count || count < 1)
            {
                return (0, 1);
            }
            var gap = Num(grid[axis.IsX ? "xgap" : "ygap"]) ?? (independent ? (axis.IsX ? 0.2 : 0.3) : 0.1);
            var step = 1 / (count - gap);
            if (!axis.IsX && Str(grid["roworder"]) != "bottom to top")
            {
                cell = count - 1 - cell;
            }
            return (cell * step, cell * step + step * (1 - gap));
        }
    }

    private static bool HasColourBar(Trace trace) => trace.Cells is not null && Bool(trace.Node["showscale"]) != false;

    private static double ColourBarLabelWidth(Subplot subplot)
    {
        var grids = subplot.Traces.Where(HasColourBar).Select(t => t.Cells!).ToList();
        return grids.Count == 0 ? 0 : grids.Max(g => LinearTicks(g.ZMin, g.ZMax, 5).Select(t => TextWidth(t.Label, FontSize)).DefaultIfEmpty(0).Max());
    }

    // ---- drawing ---------------------------------------------------------------------------------

    private static string Draw(Frame frame, Theme theme, JsonObject layout, List<Subplot> subplots, List<LegendEntry> legend)
    {
        var title = TitleOf(layout);
        var svg = new StringBuilder(4096);
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"workbook-svg\" width=\"{frame.Width}\" height=\"{frame.Height}\" viewBox=\"0 0 {frame.Width} {frame.Height}\""));
        svg.Append(" role=\"img\" aria-label=\"").Append(Escape(title)).Append("\" font-family=\"'Open Sans', verdana, arial, sans-serif\"");
        svg.Append(Inv($" font-size=\"{F(FontSize)}\">"));
        svg.Append(Inv($"<rect width=\"{frame.Width}\" height=\"{frame.Height}\" fill=\"{theme.Paper}\"/>"));
        DrawTitle(svg, frame, theme, layout, title);
        foreach (var subplot in subplots)
        {
            DrawSubplot(svg, subplot, theme, layout);
        }
        foreach (var subplot in subplots)
        {
            DrawColourBars(svg, subplot, theme, frame);
        }
        DrawLegend(svg, frame, theme, legend);
        DrawAnnotations(svg, frame, theme, layout);
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void DrawTitle(StringBuilder svg, Frame frame, Theme theme, JsonObject layout, string title)
    {
        if (title.Length == 0)
        {
            return;
        }
        var x = Num(At(layout, "title", "x")) ?? theme.TitleX;
        var anchor = Str(At(layout, "title", "xanchor")) switch
        {
            "left" => "start",
            "right" => "end",
            "center" => "middle",
            _ => x < 1 / 3.0 ? "start" : x > 2 / 3.0 ? "end" : "middle",
        };
        var y = Math.Max(TitleFontSize + 2, frame.PlotArea.Top / 2 + TitleFontSize / 3);
        Text(svg, x * frame.Width, y, title, theme.Font, anchor, TitleFontSize, "title");
    }

    private static void DrawSubplot(StringBuilder svg, Subplot subplot, Theme theme, JsonObject layout)
    {
        var box = subplot.Box;
        var xTicks = Ticks(subplot.X, box.Width);
        var yTicks = Ticks(subplot.Y, box.Height);
        svg.Append("<g class=\"subplot\">");
        svg.Append(Inv($"<rect class=\"plot-area\" x=\"{F(box.Left)}\" y=\"{F(box.Top)}\" width=\"{F(box.Width)}\" height=\"{F(box.Height)}\" fill=\"{theme.PlotBackground}\"/>"));
        DrawGrid(svg, subplot, xTicks, yTicks, theme);
        svg.Append(Inv($"<svg class=\"data\" x=\"{F(box.Left)}\" y=\"{F(box.Top)}\" width=\"{F(box.Width)}\" height=\"{F(box.Height)}\" viewBox=\"{F(box.Left)} {F(box.Top)} {F(box.Width)} {F(box.Height)}\" overflow=\"hidden\">"));
        DrawTraces(svg, subplot, theme, layout);
        svg.Append("</svg>");
        DrawXAxis(svg, subplot, xTicks, theme);
        DrawYAxis(svg, subplot, yTicks, theme);
        svg.Append("</g>");
    }

    private static void DrawGrid(StringBuilder svg, Subplot subplot, List<Tick> xTicks, List<Tick> yTicks, Theme theme)
    {
        var box = subplot.Box;
        var lines = new StringBuilder();
        if (Bool(subplot.X.Settings["showgrid"]) != false)
        {
            foreach (var tick in xTicks)
            {
                lines.Append(Inv($"M{F(subplot.X.PixelAt(tick.At))} {F(box.Top)}V{F(box.Bottom)}"));
            }
        }
        if (Bool(subplot.Y.Settings["showgrid"]) != false)
        {
            foreach (var tick in yTicks)
            {
                lines.Append(Inv($"M{F(box.Left)} {F(subplot.Y.PixelAt(tick.At))}H{F(box.Right)}"));
            }
        }
        if (lines.Length > 0)
        {
            svg.Append(Inv($"<path class=\"grid\" fill=\"none\" stroke=\"{theme.Grid}\" stroke-width=\"1\" d=\"{lines}\"/>"));
        }
        var zero = new StringBuilder();
        if (subplot.X.ShowsZeroLine)
        {
            zero.Append(Inv($"M{F(subplot.X.PixelAt(0))} {F(box.Top)}V{F(box.Bottom)}"));
        }
        if (subplot.Y.ShowsZeroLine)
        {
            zero.Append(Inv($"M{F(box.Left)} {F(subplot.Y.PixelAt(0))}H{F(box.Right)}"));
        }
        if (zero.Length > 0)
        {
            svg.Append(Inv($"<path class=\"zeroline\" fill=\"none\" stroke=\"{theme.Grid}\" stroke-width=\"2\" d=\"{zero}\"/>"));
        }
    }

    private static void DrawXAxis(StringBuilder svg, Subplot subplot, List<Tick> ticks, Theme theme)
    {
        var box = subplot.Box;
        svg.Append(Inv($"<g class=\"xaxis\" fill=\"{theme.Font}\" text-anchor=\"middle\">"));
        foreach (var tick in ticks)
        {
            Text(svg, subplot.X.PixelAt(tick.At), box.Bottom + 16, tick.Label);
        }
        var title = TitleOf(subplot.X.Settings);
        if (title.Length > 0)
        {
            Text(svg, (box.Left + box.Right) / 2, box.Bottom + 40, title, cssClass: "axis-title", size: 14);
        }
        svg.Append("</g>");
    }

    private static void DrawYAxis(StringBuilder svg, Subplot subplot, List<Tick> ticks, Theme theme)
    {
        var box = subplot.Box;
        svg.Append(Inv($"<g class=\"yaxis\" fill=\"{theme.Font}\" text-anchor=\"end\">"));
        foreach (var tick in ticks)
        {
            Text(svg, box.Left - 6, subplot.Y.PixelAt(tick.At) + 4, tick.Label);
        }
        var title = TitleOf(subplot.Y.Settings);
        if (title.Length > 0)
        {
            var labels = ticks.Count == 0 ? 0 : ticks.Max(t => TextWidth(t.Label, FontSize));
            var x = Math.Max(16, box.Left - labels - 14);
            var y = (box.Top + box.Bottom) / 2;
            svg.Append(Inv($"<text class=\"axis-title\" x=\"{F(x)}\" y=\"{F(y)}\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 {F(x)} {F(y)})\">"));
            svg.Append(Escape(title)).Append("</text>");
        }
        svg.Append("</g>");
    }

    private static void DrawTraces(StringBuilder svg, Subplot subplot, Theme theme, JsonObject layout)
    {
        foreach (var trace in subplot.Traces.Where(t => t.Cells is not null))
        {
            DrawCells(svg, trace, ShadingOf(trace, theme));
        }
        DrawBars(svg, subplot, theme, layout);
        foreach (var trace in subplot.Traces.Where(t => t.Type == "scatter"))
        {
            if (trace.Lines)
            {
                DrawLine(svg, trace);
            }
            if (trace.Markers)
            {
                DrawMarkers(svg, trace);
            }
        }
    }

    private static void DrawCells(StringBuilder svg, Trace trace, Shading shading)
    {
        var grid = trace.Cells!;
        var xPixels = grid.XEdges.Select(e => Round(trace.X.PixelAt(e))).ToArray();
        var yPixels = grid.YEdges.Select(e => Round(trace.Y.PixelAt(e))).ToArray();
        var paths = new SortedDictionary<int, StringBuilder>();
        for (var r = 0; r < grid.Z.GetLength(0); r++)
        {
            var (top, bottom) = Ordered(yPixels[r], yPixels[r + 1]);
            var c = 0;
            while (c < grid.Z.GetLength(1))
            {
                if (!double.IsFinite(grid.Z[r, c]))
                {
                    c++;
                    continue;
                }
                var level = shading.LevelOf(grid.Z[r, c]);
                var end = c + 1;
                while (end < grid.Z.GetLength(1) && double.IsFinite(grid.Z[r, end]) && shading.LevelOf(grid.Z[r, end]) == level)
                {
                    end++;
                }
                var (left, right) = Ordered(xPixels[c], xPixels[end]);
                if (right > left && bottom > top)
                {
                    if (!paths.TryGetValue(level, out var path))
                    {
                        paths[level] = path = new StringBuilder();
                    }
                    path.Append(Inv($"M{F(left)} {F(top)}h{F(right - left)}v{F(bottom - top)}h{F(left - right)}z"));
                }
                c = end;
            }
        }
        svg.Append("<g class=\"heatmap\" shape-rendering=\"crispEdges\"").Append(OpacityAttribute(trace.Opacity)).Append('>');
        foreach (var (level, path) in paths)
        {
            svg.Append(Inv($"<path fill=\"{shading.Colours[level]}\" d=\"{path}\"/>"));
        }
        svg.Append("</g>");
    }

    private static (double, double) Ordered(double a, double b) => a <= b ? (a, b) : (b, a);

    /// <summary>Bars and histograms of a subplot: side by side in <c>barmode</c> "group" (the default), else on top of each other.</summary>
    private static void DrawBars(StringBuilder svg, Subplot subplot, Theme theme, JsonObject layout)
    {
        var bars = subplot.Traces.Where(t => t.Type is "bar" or "histogram").ToList();
        if (bars.Count == 0)
        {
            return;
        }
        var grouped = (Str(layout["barmode"]) ?? "group") == "group";
        var gap = Num(layout["bargap"]) ?? (bars.All(t => t.Type == "histogram") ? 0 : 0.2);
        for (var i = 0; i < bars.Count; i++)
        {
            var trace = bars[i];
            var (slots, slot) = grouped ? (bars.Count, i) : (1, 0);
            var width = trace.Slot * (1 - gap) / slots;
            var offset = -trace.Slot * (1 - gap) / 2 + slot * width;
            var stroke = trace.Type == "bar" ? Inv($" stroke=\"{theme.PlotBackground}\" stroke-width=\"0.5\"") : "";
            svg.Append(Inv($"<g class=\"bars\" fill=\"{trace.Colour}\"{stroke}{OpacityAttribute(trace.Opacity)}>"));
            var baseline = trace.Y.Kind == AxisKind.Log ? subplot.Box.Bottom : trace.Y.PixelAt(0);
            foreach (var (position, value) in trace.Bars)
            {
                var end = trace.Y.PixelAt(trace.Y.Transform(value));
                if (value == 0 || !double.IsFinite(end))
                {
                    continue;
                }
                var (x0, x1) = Ordered(Round(trace.X.PixelAt(position + offset)), Round(trace.X.PixelAt(position + offset + width)));
                var (y0, y1) = Ordered(Round(baseline), Round(end));
                svg.Append(Inv($"<rect x=\"{F(x0)}\" y=\"{F(y0)}\" width=\"{F(x1 - x0)}\" height=\"{F(y1 - y0)}\"/>"));
            }
            svg.Append("</g>");
        }
    }

    private static void DrawLine(StringBuilder svg, Trace trace)
    {
        var segments = Segments(trace).Where(s => s.Count > 1).ToList();
        if (segments.Count == 0)
        {
            return;
        }
        var total = segments.Sum(s => s.Count);
        var dash = DashOf(trace) is { } d ? $" stroke-dasharray=\"{d}\"" : "";
        svg.Append(Inv($"<g class=\"line\" fill=\"none\" stroke=\"{trace.Colour}\" stroke-width=\"{F(LineWidth(trace))}\" stroke-linejoin=\"round\"{dash}{OpacityAttribute(trace.Opacity)}>"));
        foreach (var segment in segments)
        {
            var budget = Math.Max(2, (int)((long)MaxLinePoints * segment.Count / total));
            var points = Deduplicate(Downsample(segment, budget));
            svg.Append("<polyline points=\"").AppendJoin(' ', points.Select(p => Inv($"{F(p.X)},{F(p.Y)}"))).Append("\"/>");
        }
        svg.Append("</g>");
    }

    private static void DrawMarkers(StringBuilder svg, Trace trace)
    {
        var points = Segments(trace).SelectMany(s => s)
            .DistinctBy(p => (Math.Round(p.X), Math.Round(p.Y))).ToList();
        var stride = (points.Count + MaxMarkers - 1) / MaxMarkers;
        if (stride > 1)
        {
            points = points.Where((_, i) => i % stride == 0).ToList();
        }
        if (points.Count == 0)
        {
            return;
        }
        var radius = F((Num(At(trace.Node, "marker", "size")) ?? 6) / 2);
        var markerColour = Str(At(trace.Node, "marker", "color")) is { } c ? Paint.Parse(c).Hex : trace.Colour;
        var opacity = trace.Opacity * (Num(At(trace.Node, "marker", "opacity")) ?? 1);
        svg.Append(Inv($"<g class=\"markers\" fill=\"{markerColour}\"{OpacityAttribute(opacity)}>"));
        foreach (var p in points)
        {
            svg.Append(Inv($"<circle cx=\"{F(p.X)}\" cy=\"{F(p.Y)}\" r=\"{radius}\"/>"));
        }
        svg.Append("</g>");
    }

    /// <summary>The trace's points in pixels, split where a value is missing (NaN, null, or not positive on a log axis).</summary>
    private static List<List<(double X, double Y)>> Segments(Trace trace)
    {
        var segments = new List<List<(double X, double Y)>>();
        var current = new List<(double X, double Y)>();
        foreach (var (x, y) in trace.Points)
        {
            if (double.IsFinite(x) && double.IsFinite(y))
            {
                current.Add((trace.X.PixelAt(x), trace.Y.PixelAt(y)));
            }
            else if (current.Count > 0)
            {
                segments.Add(current);
                current = new List<(double X, double Y)>();
            }
        }
        if (current.Count > 0)
        {
            segments.Add(current);
        }
        return segments;
    }

    /// <summary>
    /// At most about <paramref name="budget"/> points: the points are cut into budget / 2 runs and each run
    /// keeps its lowest and highest point (in order), so spikes survive; the first and last points stay.
    /// </summary>
    private static List<(double X, double Y)> Downsample(List<(double X, double Y)> points, int budget)
    {
        if (points.Count <= budget)
        {
            return points;
        }
        var buckets = Math.Max(1, (budget - 2) / 2);
        var kept = new List<(double X, double Y)> { points[0] };
        for (var b = 0; b < buckets; b++)
        {
            int from = 1 + (int)((long)b * (points.Count - 2) / buckets), to = 1 + (int)((long)(b + 1) * (points.Count - 2) / buckets);
            if (to <= from)
            {
                continue;
            }
            int low = from, high = from;
            for (var i = from; i < to; i++)
            {
                // SVG y grows downwards: the lowest value has the largest pixel y.
                if (points[i].Y > points[low].Y)
                {
                    low = i;
                }
                if (points[i].Y < points[high].Y)
                {
                    high = i;
                }
            }
            kept.Add(points[Math.Min(low, high)]);
            if (low != high)
            {
                kept.Add(points[Math.Max(low, high)]);
            }
        }
        kept.Add(points[^1]);
        return kept;
    }

    private static List<(double X, double Y)> Deduplicate(List<(double X, double Y)> points)
    {
        var kept = new List<(double X, double Y)>(points.Count);
        foreach (var p in points)
        {
            var rounded = (Round(p.X), Round(p.Y));
            if (kept.Count == 0 || kept[^1] != rounded)
            {
                kept.Add(rounded);
            }
        }
        return kept;
    }

    private static void DrawColourBars(StringBuilder svg, Subplot subplot, Theme theme, Frame frame)
    {
        foreach (var trace in subplot.Traces.Where(HasColourBar).Take(1))
        {
            var grid = trace.Cells!;
            var shading = ShadingOf(trace, theme);
            var box = subplot.Box;
            var (x, thickness) = frame.WideColourBar ? (box.Right + 12, 16.0) : (box.Right + 6, 10.0);
            double Pixel(double z) => box.Bottom - (z - grid.ZMin) / (grid.ZMax - grid.ZMin) * box.Height;
            svg.Append("<g class=\"colorbar\" shape-rendering=\"crispEdges\">");
            var count = Math.Min(shading.Colours.Length, shading.Bounds.Length - 1);
            for (var i = 0; i < count; i++)
            {
                var (y0, y1) = Ordered(Round(Pixel(shading.Bounds[i])), Round(Pixel(shading.Bounds[i + 1])));
                if (y1 > y0)
                {
                    svg.Append(Inv($"<rect x=\"{F(x)}\" y=\"{F(y0)}\" width=\"{F(thickness)}\" height=\"{F(y1 - y0)}\" fill=\"{shading.Colours[i]}\"/>"));
                }
            }
            svg.Append(Inv($"<g fill=\"{theme.Font}\" font-size=\"{F(frame.WideColourBar ? FontSize : 10)}\">"));
            foreach (var tick in LinearTicks(grid.ZMin, grid.ZMax, Math.Max(2, box.Height / 50)))
            {
                Text(svg, x + thickness + 4, Pixel(tick.At) + 4, tick.Label);
            }
            svg.Append("</g></g>");
        }
    }

    private static void DrawLegend(StringBuilder svg, Frame frame, Theme theme, List<LegendEntry> legend)
    {
        if (legend.Count == 0)
        {
            return;
        }
        svg.Append(Inv($"<g class=\"legend\" fill=\"{theme.Font}\">"));
        var (x, y) = (frame.LegendX, frame.LegendY);
        foreach (var entry in legend)
        {
            if (frame.HorizontalLegend && x > frame.LegendX && x + Frame.LegendItemWidth(entry) > frame.Width - 10)
            {
                (x, y) = (frame.LegendX, y + 20);
            }
            DrawLegendSymbol(svg, entry, x, y);
            Text(svg, x + 40, y + 4, entry.Name);
            if (frame.HorizontalLegend)
            {
                x += Frame.LegendItemWidth(entry);
            }
            else
            {
                y += 20;
            }
        }
        svg.Append("</g>");
    }

    private static void DrawLegendSymbol(StringBuilder svg, LegendEntry entry, double x, double y)
    {
        var opacity = OpacityAttribute(entry.Opacity);
        if (entry.Symbol == Symbol.Square)
        {
            svg.Append(Inv($"<rect x=\"{F(x + 8)}\" y=\"{F(y - 6)}\" width=\"20\" height=\"12\" fill=\"{entry.Colour}\"{opacity}/>"));
            return;
        }
        if (entry.Symbol != Symbol.Marker)
        {
            var dash = entry.Dash is { } d ? $" stroke-dasharray=\"{d}\"" : "";
            svg.Append(Inv($"<path d=\"M{F(x + 3)} {F(y)}h30\" stroke=\"{entry.Colour}\" stroke-width=\"2\"{dash}{opacity}/>"));
        }
        if (entry.Symbol != Symbol.Line)
        {
            svg.Append(Inv($"<circle cx=\"{F(x + 18)}\" cy=\"{F(y)}\" r=\"3\" fill=\"{entry.Colour}\"{opacity}/>"));
        }
    }

    /// <summary>Annotations placed on the paper (subplot titles); those tied to data coordinates are left out.</summary>
    private static void DrawAnnotations(StringBuilder svg, Frame frame, Theme theme, JsonObject layout)
    {
        if (layout["annotations"] is not JsonArray annotations)
        {
            return;
        }
        var area = frame.PlotArea;
        foreach (var annotation in annotations.OfType<JsonObject>())
        {
            var text = PlainText(Str(annotation["text"]));
            if (text.Length == 0 || Str(annotation["xref"]) != "paper" || Str(annotation["yref"]) != "paper"
                || Num(annotation["x"]) is not { } ax || Num(annotation["y"]) is not { } ay)
            {
                continue;
            }
            var size = Num(At(annotation, "font", "size")) ?? FontSize;
            var anchor = Str(annotation["xanchor"]) switch { "left" => "start", "right" => "end", _ => "middle" };
            var shift = Str(annotation["yanchor"]) switch { "bottom" => -4, "top" => size, _ => size / 3 };
            Text(svg, area.Left + ax * area.Width, area.Bottom - ay * area.Height + shift, text, theme.Font, anchor, size, "annotation");
        }
    }

    // ---- ticks -----------------------------------------------------------------------------------

    private readonly record struct Tick(double At, string Label);

    /// <summary>Ticks of an axis (positions in its transformed units), thinned so that labels do not overlap.</summary>
    private static List<Tick> Ticks(Axis axis, double pixels)
    {
        var (lo, hi) = (Math.Min(axis.Lo, axis.Hi), Math.Max(axis.Lo, axis.Hi));
        var target = Math.Max(2, pixels / (axis.IsX ? 80 : 50));
        var ticks = axis.Settings["tickvals"] is JsonArray values ? ArrayTicks(axis, values, lo, hi)
            : axis.Kind == AxisKind.Category ? CategoryTicks(axis, lo, hi)
            : axis.Kind == AxisKind.Log ? LogTicks(lo, hi, target)
            : LinearTicks(lo, hi, target);
        if (ticks.Count < 2)
        {
            return ticks;
        }
        var room = axis.IsX ? ticks.Max(t => TextWidth(t.Label, FontSize)) + 8 : FontSize + 4;
        var fit = Math.Max(1, (int)(pixels / room));
        var stride = (ticks.Count + fit - 1) / fit;
        return stride <= 1 ? ticks : ticks.Where((_, i) => i % stride == 0).ToList();
    }

    private static List<Tick> ArrayTicks(Axis axis, JsonArray values, double lo, double hi)
    {
        var labels = axis.Settings["ticktext"] as JsonArray;
        var ticks = new List<Tick>();
        for (var i = 0; i < values.Count; i++)
        {
            var at = axis.Transform(axis.Kind == AxisKind.Category ? axis.CategoryIndex(CategoryName(values[i])) : Number(values[i]));
            if (Inside(at, lo, hi))
            {
                var label = labels is not null && i < labels.Count ? PlainText(CategoryName(labels[i])) : FormatNumber(Number(values[i]), 6);
                ticks.Add(new Tick(at, label));
            }
        }
        return ticks;
    }

    private static List<Tick> CategoryTicks(Axis axis, double lo, double hi) =>
        Enumerable.Range(0, axis.Categories.Count).Where(i => Inside(i, lo, hi)).Select(i => new Tick(i, PlainText(axis.Categories[i]))).ToList();

    private static List<Tick> LinearTicks(double lo, double hi, double target)
    {
        var step = NiceStep((hi - lo) / target);
        if (!(step > 0) || !double.IsFinite(step))
        {
            return new List<Tick>();
        }
        var ticks = new List<Tick>();
        var first = Math.Ceiling(lo / step - 1e-9);
        for (var k = first; ticks.Count < 50; k++)
        {
            var v = k * step;
            if (v > hi + step * 1e-9)
            {
                break;
            }
            ticks.Add(new Tick(v, TickLabel(v, step)));
        }
        return ticks;
    }

    /// <summary>Log-axis ticks: powers of ten (every few when the range is wide; with 2 and 5 when it is narrow), or linear ticks within a decade.</summary>
    private static List<Tick> LogTicks(double lo, double hi, double target)
    {
        if (hi - lo < 1)
        {
            return LinearTicks(Math.Pow(10, lo), Math.Pow(10, hi), target)
                .Where(t => t.At > 0).Select(t => t with { At = Math.Log10(t.At) }).ToList();
        }
        var every = Math.Max(1, (int)Math.Ceiling((hi - lo) / target));
        var multiples = every == 1 && hi - lo <= 2 ? new[] { 1.0, 2.0, 5.0 } : new[] { 1.0 };
        var ticks = new List<Tick>();
        for (var k = Math.Floor(lo); k <= hi; k++)
        {
            if (((long)k % every + every) % every != 0)
            {
                continue;
            }
            foreach (var m in multiples)
            {
                var at = k + Math.Log10(m);
                if (Inside(at, lo, hi))
                {
                    ticks.Add(new Tick(at, FormatNumber(m * Math.Pow(10, k), Math.Max(0, (int)-k))));
                }
            }
        }
        return ticks.OrderBy(t => t.At).ToList();
    }

    private static bool Inside(double v, double lo, double hi)
    {
        var eps = (hi - lo) * 1e-9;
        return double.IsFinite(v) && v >= lo - eps && v <= hi + eps;
    }

    /// <summary>The smallest of 1, 2, 5 (times a power of ten) at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        if (!(rough > 0) || !double.IsFinite(rough))
        {
            return 1;
        }
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var f = rough / magnitude;
        return (f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10) * magnitude;
    }

    private static string TickLabel(double value, double step)
    {
        if (Math.Abs(value) < step * 1e-6)
        {
            value = 0;
        }
        var decimals = step >= 1 ? 0 : (int)Math.Ceiling(-Math.Log10(step) - 1e-9);
        return FormatNumber(value, decimals, step);
    }

    /// <summary>A tick label: fixed decimals, plain numbers (12000, never 12k: the workbook's axes set plotly.js's
    /// <c>exponentformat</c> to none), very small values in exponent form.</summary>
    private static string FormatNumber(double value, int decimals, double? step = null)
    {
        var abs = Math.Abs(value);
        if (abs > 0 && (abs < 1e-4 || decimals > 8))
        {
            return value.ToString("0.##e+0", CultureInfo.InvariantCulture);
        }
        return TrimZeros(value.ToString("F" + Math.Clamp(decimals, 0, 8), CultureInfo.InvariantCulture));
    }

    /// <summary>"1.50" is written "1.5" and "2.0" is "2", as plotly.js writes tick labels.</summary>
    private static string TrimZeros(string number) =>
        number.Contains('.', StringComparison.Ordinal) ? number.TrimEnd('0').TrimEnd('.') : number;

    // ---- text and numbers ------------------------------------------------------------------------

    private static void Text(StringBuilder svg, double x, double y, string text, string? fill = null, string? anchor = null,
        double? size = null, string? cssClass = null)
    {
        svg.Append("<text");
        if (cssClass is not null)
        {
            svg.Append(" class=\"").Append(cssClass).Append('"');
        }
        svg.Append(Inv($" x=\"{F(x)}\" y=\"{F(y)}\""));
        if (fill is not null)
        {
            svg.Append(" fill=\"").Append(fill).Append('"');
        }
        if (anchor is not null)
        {
            svg.Append(" text-anchor=\"").Append(anchor).Append('"');
        }
        if (size is { } s)
        {
            svg.Append(" font-size=\"").Append(F(s)).Append('"');
        }
        svg.Append('>').Append(Escape(text)).Append("</text>");
    }

    private static double TextWidth(string text, double size) => text.Length * size * CharWidth;

    private static string OpacityAttribute(double opacity) => opacity >= 0.999 ? "" : $" opacity=\"{F2(opacity)}\"";

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            escaped.Append(ch switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                < ' ' => " ",
                '\uFFFE' or '\uFFFF' => " ",
                _ => ch.ToString(),
            });
        }
        return escaped.ToString();
    }

    private static double Round(double v) => Math.Round(v, 1, MidpointRounding.AwayFromZero);

    /// <summary>A coordinate: one decimal, invariant culture, no "-0".</summary>
    private static string F(double v)
    {
        var r = Round(v);
        return (r == 0 ? 0 : r).ToString("0.#", CultureInfo.InvariantCulture);
    }

    private static string F2(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);

    // ---- model -----------------------------------------------------------------------------------

    private enum AxisKind { Linear, Log, Category }

    private readonly record struct Extent(double Min, double Max, bool PadMin, bool PadMax)
    {
        public static Extent Empty => new(double.PositiveInfinity, double.NegativeInfinity, false, false);

        public bool IsEmpty => Min > Max;

        public static Extent Of(IEnumerable<double> values, bool padMin, bool padMax)
        {
            var (min, max) = (double.PositiveInfinity, double.NegativeInfinity);
            foreach (var v in values.Where(double.IsFinite))
            {
                (min, max) = (Math.Min(min, v), Math.Max(max, v));
            }
            return new Extent(min, max, padMin, padMax);
        }

        public Extent Union(Extent other)
        {
            if (other.IsEmpty)
            {
                return this;
            }
            if (IsEmpty)
            {
                return other;
            }
            var padMin = other.Min < Min ? other.PadMin : other.Min > Min ? PadMin : PadMin || other.PadMin;
            var padMax = other.Max > Max ? other.PadMax : other.Max < Max ? PadMax : PadMax || other.PadMax;
            return new Extent(Math.Min(Min, other.Min), Math.Max(Max, other.Max), padMin, padMax);
        }
    }

    /// <summary>One axis: its kind, categories, range (in transformed units: log10 of values on a log axis) and pixel placement.</summary>
    private sealed class Axis
    {
        private readonly Dictionary<string, int> categoryIndex = new(StringComparer.Ordinal);
        private double pixelOfLo, pixelOfHi;
        private Extent data = Extent.Empty;

        public Axis(string id, JsonObject settings)
        {
            Id = id;
            Settings = settings;
        }

        public string Id { get; }

        public JsonObject Settings { get; }

        public bool IsX => Id[0] == 'x';

        public int Number => Id.Length > 1 && int.TryParse(Id[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1;

        public AxisKind Kind { get; set; }

        public List<string> Categories { get; } = new();

        public double Lo { get; private set; }

        public double Hi { get; private set; }

        public bool Reversed { get; private set; }

        public bool ShowsZeroLine => Kind == AxisKind.Linear && Bool(Settings["zeroline"]) != false && Lo < 0 && Hi > 0;

        public void AddCategory(string name)
        {
            if (categoryIndex.TryAdd(name, Categories.Count))
            {
                Categories.Add(name);
            }
        }

        public double CategoryIndex(string? name) => name is not null && categoryIndex.TryGetValue(name, out var i) ? i : double.NaN;

        public double Transform(double v) => Kind == AxisKind.Log ? (v > 0 ? Math.Log10(v) : double.NaN) : v;

        public void Include(Extent extent) => data = data.Union(extent);

        /// <summary>The range: <c>range</c> if the layout sets it, else the data's extent, padded by 5% where the data asks; <c>autorange: "reversed"</c> flips it.</summary>
        public void ResolveRange()
        {
            Reversed = Str(Settings["autorange"]) == "reversed";
            if (Settings["range"] is JsonArray { Count: 2 } r && Num(r[0]) is { } a && Num(r[1]) is { } b && a != b)
            {
                (Lo, Hi) = a < b ? (a, b) : (b, a);
                Reversed = a > b;
                return;
            }
            if (data.IsEmpty)
            {
                (Lo, Hi) = Kind == AxisKind.Log ? (0.0, 1.0) : (-1.0, 6.0);
                return;
            }
            var (lo, hi) = (data.Min, data.Max);
            if (hi - lo <= 1e-12 * Math.Max(1, Math.Abs(lo)))
            {
                var half = Kind == AxisKind.Linear && lo != 0 ? Math.Abs(lo) / 2 : 1;
                (lo, hi) = (lo - half, hi + half);
            }
            else
            {
                var pad = 0.05 * (hi - lo);
                lo -= data.PadMin ? pad : 0;
                hi += data.PadMax ? pad : 0;
            }
            (Lo, Hi) = (lo, hi);
        }

        /// <summary>Puts the axis on the page: <paramref name="start"/> is the pixel of its low end (left, or bottom), unless reversed.</summary>
        public void Place(double start, double end) => (pixelOfLo, pixelOfHi) = Reversed ? (end, start) : (start, end);

        /// <summary>The pixel of a position in transformed units.</summary>
        public double PixelAt(double t) => pixelOfLo + (t - Lo) / (Hi - Lo) * (pixelOfHi - pixelOfLo);
    }

    private sealed class Trace
    {
        public Trace(JsonObject node, string type, string name)
        {
            Node = node;
            Type = type;
            Name = name;
        }

        public JsonObject Node { get; }

        public string Type { get; }

        public string Name { get; }

        public required string XAxis { get; init; }

        public required string YAxis { get; init; }

        public required string Colour { get; init; }

        public double Opacity { get; init; } = 1;

        public bool Lines { get; init; }

        public bool Markers { get; init; }

        public Axis X { get; set; } = null!;

        public Axis Y { get; set; } = null!;

        /// <summary>A scatter trace's points in the axes' transformed units (NaN where missing).</summary>
        public (double X, double Y)[] Points { get; set; } = Array.Empty<(double, double)>();

        /// <summary>Bars (and binned histograms): a position along x in data units and a value.</summary>
        public List<(double Position, double Value)> Bars { get; set; } = new();

        /// <summary>The width along x that one bar position owns (1 on a category axis, the bin size of a histogram).</summary>
        public double Slot { get; set; } = 1;

        public CellGrid? Cells { get; set; }
    }

    /// <summary>A heatmap's or contour's cells: edges in transformed axis units, z[row, column], and the colour range.</summary>
    private sealed record CellGrid(double[] XEdges, double[] YEdges, double[,] Z, double ZMin, double ZMax);

    /// <summary>How cells are coloured: a level per value, the colour of each level, and the z bounds of each level for the colour bar.</summary>
    private sealed record Shading(Func<double, int> LevelOf, string[] Colours, double[] Bounds);

    private sealed class Subplot
    {
        public Subplot(Axis x, Axis y)
        {
            X = x;
            Y = y;
        }

        public Axis X { get; }

        public Axis Y { get; }

        public List<Trace> Traces { get; } = new();

        public Box Box { get; set; }
    }

    /// <summary>Colours and defaults from the layout, else its template (Plotly.NET writes plotly's default template), else plotly.js's defaults.</summary>
    private sealed record Theme(string Paper, string PlotBackground, string Font, string Grid, string[] Colourway,
        (double Stop, Rgb Colour)[] ColourScale, double TitleX)
    {
        public static Theme Read(JsonObject layout)
        {
            var template = At(layout, "template", "layout");
            string Colour(string? value, string fallback) => Paint.Parse(value ?? fallback).Hex;
            string? Setting(params string[] path) => Str(At(layout, path)) ?? Str(At(template, path));
            var colourway = (layout["colorway"] ?? At(template, "colorway")) is JsonArray way
                ? way.Select(Str).OfType<string>().Select(c => Paint.Parse(c).Hex).ToArray()
                : Array.Empty<string>();
            var scale = (At(layout, "colorscale", "sequential") ?? At(template, "colorscale", "sequential")) is JsonArray s ? ReadScale(s) : null;
            return new Theme(
                Colour(Setting("paper_bgcolor"), "#ffffff"),
                Colour(Setting("plot_bgcolor"), "#ffffff"),
                Colour(Setting("font", "color"), "#444444"),
                Colour(Setting("xaxis", "gridcolor"), "#eeeeee"),
                colourway.Length > 0 ? colourway : PlotlyColourway,
                scale ?? PlotlyColourScale.Select(p => (p.Stop, Paint.Parse(p.Colour).Rgb)).ToArray(),
                Num(At(layout, "title", "x")) ?? Num(At(template, "title", "x")) ?? 0.5);
        }
    }

    private readonly record struct Rgb(double R, double G, double B)
    {
        public string Hex => Inv($"#{Channel(R):x2}{Channel(G):x2}{Channel(B):x2}");

        public static Rgb Mix(Rgb a, Rgb b, double f) => new(a.R + (b.R - a.R) * f, a.G + (b.G - a.G) * f, a.B + (b.B - a.B) * f);

        private static int Channel(double v) => (int)Math.Round(Math.Clamp(v, 0, 255));
    }

    /// <summary>A CSS colour as plotly writes them (#rgb, #rrggbb, rgb(...), rgba(...)); other names pass through as they are.</summary>
    private readonly record struct Paint(string Hex, Rgb Rgb, double Alpha)
    {
        public static Paint Parse(string css)
        {
            var s = css.Trim();
            if (s.StartsWith('#') && (s.Length == 4 || s.Length == 7) && s[1..].All(Uri.IsHexDigit))
            {
                var hex = s.Length == 4 ? $"{s[1]}{s[1]}{s[2]}{s[2]}{s[3]}{s[3]}" : s[1..];
                var rgb = new Rgb(Convert.ToInt32(hex[..2], 16), Convert.ToInt32(hex[2..4], 16), Convert.ToInt32(hex[4..], 16));
                return new Paint(rgb.Hex, rgb, 1);
            }
            var open = s.IndexOf('(');
            if (open > 0 && s.EndsWith(')') && s[..open].Trim().ToLowerInvariant() is "rgb" or "rgba")
            {
                var parts = s[(open + 1)..^1].Split(',').Select(p => double.TryParse(p.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
                if (parts.Length is 3 or 4 && parts.All(double.IsFinite))
                {
                    var rgb = new Rgb(parts[0], parts[1], parts[2]);
                    return new Paint(rgb.Hex, rgb, parts.Length == 4 ? Math.Clamp(parts[3], 0, 1) : 1);
                }
            }
            var safe = new string(s.Where(c => char.IsAsciiLetterOrDigit(c) || c is '#' or '(' or ')' or ',' or '.' or ' ' or '%').ToArray());
            return new Paint(safe.Length > 0 ? safe : "#444444", new Rgb(68, 68, 68), 1);
        }
    }
}

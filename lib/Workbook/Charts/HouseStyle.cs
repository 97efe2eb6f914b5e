using System.Text.Json.Nodes;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Workbook.Display;

namespace Workbook.Charts;

/// <summary>
/// The workbook's chart rules that are decided in the library, once, and written into the figure so
/// that plotly.js and the static picture (<see cref="ChartSvg"/>) draw the same thing (see Charts/README.md):
/// markers on short series, dashes where lines overlap, log axes with plain tick labels, reference
/// lines, shared colour scales in heatmap grids.
/// </summary>
public static class HouseStyle
{
    /// <summary>Series with fewer points than this are drawn with markers on their line.</summary>
    public const int MarkerThreshold = 15;

    /// <summary>An axis is made logarithmic when its data are positive and span more than this ratio (two decades).</summary>
    public const double LogSpan = 100;

    /// <summary>Dash patterns given, in turn, to a line that lies on an earlier line of the same figure.</summary>
    public static IReadOnlyList<string> Dashes { get; } = new[] { "dash", "dot", "dashdot", "longdash" };

    /// <summary>
    /// The dash of each series: null (solid) unless it overlaps an earlier series (same x values and y within
    /// 1% of the figure's y range at every point), then the next pattern of <see cref="Dashes"/>.
    /// </summary>
    public static string?[] DashesFor(IReadOnlyList<Series> series)
    {
        var ys = series.SelectMany(s => s.Y).Where(double.IsFinite).ToArray();
        var range = ys.Length == 0 ? 0 : ys.Max() - ys.Min();
        var tolerance = Math.Max(range * 0.01, 1e-12);
        var dashes = new string?[series.Count];
        var next = 0;
        for (var i = 1; i < series.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (Overlap(series[i], series[j], tolerance))
                {
                    dashes[i] = Dashes[next++ % Dashes.Count];
                    break;
                }
            }
        }
        return dashes;
    }

    private static bool Overlap(Series a, Series b, double tolerance)
    {
        if (a.X.Count != b.X.Count || a.X.Count == 0)
        {
            return false;
        }
        for (var k = 0; k < a.X.Count; k++)
        {
            if (a.X[k] != b.X[k] || !(Math.Abs(a.Y[k] - b.Y[k]) <= tolerance))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether <paramref name="values"/> are all positive and span more than <see cref="LogSpan"/>.</summary>
    public static bool SpansDecades(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        return finite.Length >= 2 && finite.All(v => v > 0) && finite.Max() / finite.Min() > LogSpan;
    }

    /// <summary>
    /// Whether an x axis should be logarithmic: its values span decades and some series' x values are spaced
    /// geometrically (each about a constant factor times the one before, as widths 4, 8, ..., 1024), not evenly
    /// (as training steps, which stay linear).
    /// </summary>
    public static bool WantsLogX(IReadOnlyList<Series> series)
    {
        if (!SpansDecades(series.SelectMany(s => s.X)))
        {
            return false;
        }
        return series.Any(s =>
        {
            if (s.X.Count < 3)
            {
                return false;
            }
            var ratios = s.X.Zip(s.X.Skip(1), (a, b) => b / a).ToArray();
            return ratios.All(r => r > 1.4) && ratios.Max() / ratios.Min() < 3;
        });
    }

    /// <summary>
    /// Tick values and labels for a log axis over [<paramref name="min"/>, <paramref name="max"/>]: powers of ten
    /// (every second or third when there are many; with 2 and 5 between when the span is two decades or less),
    /// labelled plainly (<c>1e-4</c>, <c>0.001</c>, <c>1</c>, <c>1000</c>, <c>1e5</c>; never <c>100µ</c>).
    /// </summary>
    public static (double[] Values, string[] Labels) LogTicks(double min, double max)
    {
        if (!(min > 0) || !(max >= min) || !double.IsFinite(max))
        {
            throw new ArgumentException($"log ticks need 0 < min <= max, got [{min}, {max}]");
        }
        var lo = (int)Math.Floor(Math.Log10(min) + 1e-9);
        var hi = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        if (hi == lo)
        {
            hi++;
        }
        var decades = hi - lo;
        var every = Math.Max(1, (int)Math.Ceiling(decades / 7.0));
        var multiples = decades <= 2 ? new[] { 1.0, 2.0, 5.0 } : new[] { 1.0 };
        var values = new List<double>();
        for (var k = lo; k <= hi; k++)
        {
            if (((k % every) + every) % every != 0)
            {
                continue;
            }
            foreach (var m in multiples)
            {
                var v = m * Math.Pow(10, k);
                if (m == 1 || (v >= min * 0.999 && v <= max * 1.001))
                {
                    values.Add(double.Parse(Numbers.Format(v, 1), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
        return (values.ToArray(), values.Select(v => Numbers.Format(v, 1)).ToArray());
    }

    // ---- editing Plotly.NET charts ---------------------------------------------------------------

    /// <summary>Sets line and marker colour (and the line's dash) of every trace of a one-trace chart.</summary>
    internal static GenericChart Paint(GenericChart chart, string colour, string? dash = null) =>
        MapTraces(chart, trace => Paint(trace, colour, dash));

    internal static void Paint(Trace trace, string colour, string? dash)
    {
        var scatter = trace.TryGetPropertyValue("type") is { Value: "scatter" };
        foreach (var part in scatter ? new[] { "line", "marker" } : new[] { "marker" })
        {
            DynamicObj.DynamicObj style;
            if (trace.TryGetPropertyValue(part) is { Value: DynamicObj.DynamicObj existing })
            {
                style = existing;
            }
            else
            {
                style = new DynamicObj.DynamicObj();
                trace.SetProperty(part, style);
            }
            style.SetProperty("color", colour);
            if (part == "line" && dash is not null)
            {
                style.SetProperty("dash", dash);
            }
        }
    }

    internal static GenericChart MapTraces(GenericChart chart, Action<Trace> edit) =>
        GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(trace =>
        {
            edit(trace);
            return trace;
        }), chart);

    /// <summary>Edits (creating it if needed) the layout object <paramref name="key"/> ("xaxis", "yaxis2", ...).</summary>
    internal static GenericChart EditLayout(GenericChart chart, string key, Action<DynamicObj.DynamicObj> edit)
    {
        var layout = GenericChart.getLayout(chart);
        DynamicObj.DynamicObj target;
        if (layout.TryGetPropertyValue(key) is { Value: DynamicObj.DynamicObj existing })
        {
            target = existing;
        }
        else
        {
            target = new DynamicObj.DynamicObj();
            layout.SetProperty(key, target);
        }
        edit(target);
        return GenericChart.setLayout(layout, chart);
    }

    /// <summary>Makes an axis logarithmic with the ticks of <see cref="LogTicks"/> for the data range [min, max].</summary>
    internal static GenericChart LogAxis(GenericChart chart, string key, double min, double max)
    {
        var (values, labels) = LogTicks(min, max);
        return EditLayout(chart, key, axis =>
        {
            axis.SetProperty("type", "log");
            axis.SetProperty("tickmode", "array");
            axis.SetProperty("tickvals", values);
            axis.SetProperty("ticktext", labels);
        });
    }

    /// <summary>Undoes <see cref="LogAxis"/>: a linear axis with plotly.js's own ticks.</summary>
    internal static GenericChart LinearAxis(GenericChart chart, string key) =>
        EditLayout(chart, key, axis =>
        {
            axis.SetProperty("type", "linear");
            axis.RemoveProperty("tickmode");
            axis.RemoveProperty("tickvals");
            axis.RemoveProperty("ticktext");
        });

    /// <summary>Plain tick numbers on a linear axis (12000, 0.0005: no k, M or µ).</summary>
    internal static GenericChart PlainNumbers(GenericChart chart, string key) =>
        EditLayout(chart, key, axis => axis.SetProperty("exponentformat", "none"));

    /// <summary>The (min, max) of the finite numbers at <paramref name="field"/> ("x" or "y") of a figure's scatter and bar traces.</summary>
    internal static (double Min, double Max)? DataRange(string figureJson, string field, bool positiveOnly)
    {
        var data = JsonNode.Parse(figureJson)?["data"] as JsonArray;
        var values = new List<double>();
        foreach (var trace in data?.OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>())
        {
            var type = trace["type"]?.GetValue<string>() ?? "scatter";
            if (type is not ("scatter" or "bar") || trace["meta"]?.ToString() == ReferenceMeta)
            {
                continue;
            }
            foreach (var v in (trace[field] as JsonArray) ?? new JsonArray())
            {
                if (v is JsonValue value && value.TryGetValue<double>(out var d) && double.IsFinite(d) && (!positiveOnly || d > 0))
                {
                    values.Add(d);
                }
            }
        }
        return values.Count == 0 ? null : (values.Min(), values.Max());
    }

    /// <summary>The <c>meta</c> tag of reference-line traces (they keep their grey in grids and never take a series colour).</summary>
    internal const string ReferenceMeta = "workbook-reference";
}

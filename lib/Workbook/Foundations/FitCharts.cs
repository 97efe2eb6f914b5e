using GenericChart = Plotly.NET.GenericChart;
using Figure = Workbook.Charts.Figure;
using Workbook.Charts;
using ScatterChart = Plotly.NET.Chart2D_Scatter.Chart;

namespace Workbook.Foundations;

/// <summary>
/// The one chart of notebook 01 that <see cref="Plot"/> does not draw: a data set as markers with fitted curves as
/// lines over it (Plot's line and scatter charts each draw one kind of trace).
/// </summary>
public static class FitCharts
{
    /// <summary>
    /// <paramref name="points"/> as markers and each of <paramref name="curves"/> (at least two, so that the legend
    /// names them) as a line, on one set of axes.
    /// </summary>
    public static Figure PointsAndCurves(string title, string xLabel, string yLabel, Series points, params Series[] curves)
    {
        if (curves.Length < 2)
        {
            throw new ArgumentException($"draw at least two curves with the points (the legend names them), got {curves.Length}", nameof(curves));
        }
        var lines = Plot.Line(title, xLabel, yLabel, curves);
        var markers = PlotlyInterop.Call<GenericChart>(
            typeof(ScatterChart), "Point", new[] { typeof(double), typeof(double), typeof(string) },
            ("x", points.X.ToArray()), ("y", points.Y.ToArray()), ("Name", points.Name), ("ShowLegend", true));
        // The markers' own chart carries Plotly.NET's default 600 x 600 layout: combine it first so that the line
        // chart's layout (title, axis labels, size) wins, and set the size again.
        return new Figure(Plotly.NET.Chart.combine(new[] { markers, lines.Chart }), title, curves.Length + 1).WithSize(720, 420);
    }
}

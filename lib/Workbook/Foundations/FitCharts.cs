using Workbook.Charts;

namespace Workbook.Foundations;

/// <summary>Notebook 01's chart of a training set with the fits drawn over it (now in <see cref="Plot"/>).</summary>
public static class FitCharts
{
    /// <summary><paramref name="points"/> as markers and each of <paramref name="curves"/> as a line: <see cref="Plot.PointsAndCurves"/>.</summary>
    public static Figure PointsAndCurves(string title, string xLabel, string yLabel, Series points, params Series[] curves)
    {
        if (curves.Length < 2)
        {
            throw new ArgumentException($"draw at least two curves with the points (the legend names them), got {curves.Length}", nameof(curves));
        }
        return Plot.PointsAndCurves(title, xLabel, yLabel, points, curves);
    }
}

namespace Workbook.Charts;

/// <summary>
/// One named curve or point set of a chart: <c>Y[i]</c> is drawn at <c>X[i]</c>.
/// </summary>
/// <param name="Name">shown in the legend.</param>
/// <param name="X">horizontal coordinates.</param>
/// <param name="Y">vertical coordinates, as many as <paramref name="X"/>.</param>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>A series drawn at x = 0, 1, ..., n-1 (for example a loss per step).</summary>
    public static Series Of(string name, IReadOnlyList<double> y) =>
        new(name, Enumerable.Range(0, y.Count).Select(i => (double)i).ToArray(), y);

    /// <summary>A series of <paramref name="f"/> sampled at <paramref name="points"/> evenly spaced x in [min, max].</summary>
    public static Series Function(string name, Func<double, double> f, double min, double max, int points = 200)
    {
        if (points < 2)
        {
            throw new ArgumentException($"a function needs at least 2 sample points, got {points}", nameof(points));
        }
        var x = Enumerable.Range(0, points).Select(i => min + (max - min) * i / (points - 1)).ToArray();
        return new Series(name, x, x.Select(f).ToArray());
    }

    internal void Validate()
    {
        if (X.Count != Y.Count)
        {
            throw new ArgumentException($"series '{Name}' has {X.Count} x values but {Y.Count} y values: they must pair up");
        }
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>The points an optimiser visited on a <see cref="TestFunction"/>.</summary>
/// <param name="Name">the optimiser's name (or a label), for legends.</param>
/// <param name="X">x_k for k = 0..steps (the start first).</param>
/// <param name="Y">y_k.</param>
/// <param name="Loss">f(x_k, y_k).</param>
public sealed record Trajectory(string Name, double[] X, double[] Y, double[] Loss)
{
    /// <summary>Number of steps taken.</summary>
    public int Steps => Loss.Length - 1;

    /// <summary>Distance of the last point from (x*, y*).</summary>
    public double FinalDistance((double X, double Y) minimum) => Math.Sqrt(Math.Pow(X[^1] - minimum.X, 2) + Math.Pow(Y[^1] - minimum.Y, 2));

    /// <summary>
    /// Runs <paramref name="steps"/> steps of the optimiser that <paramref name="makeOptimizer"/> builds for a fresh
    /// parameter θ [2] (float64) at the function's start (or <paramref name="start"/>), recording every point.
    /// </summary>
    public static Trajectory Run(TestFunction function, Func<IReadOnlyList<Tensor>, IOptimizer> makeOptimizer, int steps,
        (double X, double Y)? start = null, string? name = null)
    {
        using var scope = NewDisposeScope();   // every tensor of the run stays inside; the result is plain numbers
        var (x0, y0) = start ?? function.Start;
        var theta = tensor(new[] { x0, y0 }, dtype: float64).requires_grad_(true);   // [2]
        var optimizer = makeOptimizer(new[] { theta });
        var xs = new double[steps + 1];
        var ys = new double[steps + 1];
        var losses = new double[steps + 1];
        for (var k = 0; k <= steps; k++)
        {
            var point = theta.detach().data<double>().ToArray();
            (xs[k], ys[k]) = (point[0], point[1]);
            losses[k] = function.At(point[0], point[1]);
            if (k < steps)
            {
                optimizer.Step(() => function.Value(theta));
            }
        }
        return new Trajectory(name ?? optimizer.Name, xs, ys, losses);
    }
}

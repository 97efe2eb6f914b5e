using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>How many steps one optimiser needed on one quadratic.</summary>
/// <param name="ConditionNumber">κ of the quadratic.</param>
/// <param name="Steps">steps until ‖θ_k − θ*‖ ≤ tolerance · ‖θ_0 − θ*‖, or -1 if the budget ran out first.</param>
public sealed record StepsToTolerance(double ConditionNumber, int Steps);

/// <summary>
/// The condition number's effect on an optimiser, measured (Notes §3.1-3.3): run it on quadratics of rising κ and count
/// the steps to a fixed relative distance from the minimiser. For gradient descent with α = 1/L the flattest direction's
/// error shrinks by (1 − 1/κ) per step, so the count grows like κ · ln(1/tolerance); momentum with its best settings
/// (α = 4/(√L + √μ)², μ = ((√κ − 1)/(√κ + 1))²) needs about √κ times fewer; Newton needs one step for every κ.
/// </summary>
public static class Conditioning
{
    /// <summary>
    /// Steps the optimiser built by <paramref name="makeOptimizer"/> (for the quadratic and its θ [2]) needs on
    /// <paramref name="quadratic"/> from its start, at most <paramref name="maxSteps"/>.
    /// </summary>
    public static StepsToTolerance Measure(Quadratic quadratic, Func<Quadratic, IReadOnlyList<Tensor>, IOptimizer> makeOptimizer,
        double tolerance = 1e-3, int maxSteps = 100_000)
    {
        if (!(tolerance > 0 && tolerance < 1))
        {
            throw new ArgumentException($"the tolerance is a fraction of the starting distance, in (0, 1); got {tolerance}", nameof(tolerance));
        }
        using var scope = NewDisposeScope();   // every tensor of the run stays inside; the result is a count
        var theta = tensor(new[] { quadratic.Start.X, quadratic.Start.Y }, dtype: float64).requires_grad_(true);   // [2]
        var optimizer = makeOptimizer(quadratic, new[] { theta });
        var target = tolerance * Distance(quadratic.Start, quadratic.Minimum);
        for (var k = 1; k <= maxSteps; k++)
        {
            optimizer.Step(() => quadratic.Value(theta));
            var point = theta.detach().data<double>().ToArray();
            if (Distance((point[0], point[1]), quadratic.Minimum) <= target)
            {
                return new StepsToTolerance(quadratic.ConditionNumber, k);
            }
        }
        return new StepsToTolerance(quadratic.ConditionNumber, -1);
    }

    /// <summary>Gradient descent with α = 1/L, the largest step that shrinks the error along every direction of the quadratic.</summary>
    public static IOptimizer GradientDescentAtOneOverL(Quadratic quadratic, IReadOnlyList<Tensor> parameters) =>
        new GradientDescent(parameters, new GradientDescentConfig(1 / quadratic.LargestEigenvalue));

    /// <summary>Momentum with Polyak's optimal heavy-ball settings for the quadratic's λ_min and λ_max.</summary>
    public static IOptimizer TunedMomentum(Quadratic quadratic, IReadOnlyList<Tensor> parameters)
    {
        var (rootL, rootMu) = (Math.Sqrt(quadratic.LargestEigenvalue), Math.Sqrt(quadratic.SmallestEigenvalue));
        var rate = (rootL - rootMu) / (rootL + rootMu);
        return new Momentum(parameters, new MomentumConfig(4 / ((rootL + rootMu) * (rootL + rootMu)), rate * rate));
    }

    /// <summary>
    /// The least-squares slope of log(steps) against log(κ): about 1 when the steps grow in proportion to κ, ½ for √κ.
    /// </summary>
    public static double LogLogSlope(IReadOnlyList<StepsToTolerance> measurements)
    {
        if (measurements.Count < 2 || measurements.Any(m => m.Steps <= 0))
        {
            throw new ArgumentException("the slope needs at least two measurements, all within budget (Steps > 0)", nameof(measurements));
        }
        var xs = measurements.Select(m => Math.Log(m.ConditionNumber)).ToArray();
        var ys = measurements.Select(m => Math.Log(m.Steps)).ToArray();
        var (mx, my) = (xs.Average(), ys.Average());
        return xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / xs.Sum(x => (x - mx) * (x - mx));
    }

    private static double Distance((double X, double Y) a, (double X, double Y) b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));
}

using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Foundations;

/// <summary>A training (or test) set drawn from a <see cref="RegressionProblem"/>.</summary>
/// <param name="X">inputs, float64, [..., n] (a leading batch dimension holds many independent sets).</param>
/// <param name="Y">noisy targets y = f(x) + ε, the same shape as <paramref name="X"/>.</param>
public sealed record RegressionSample(Tensor X, Tensor Y)
{
    /// <summary>Number of points in one set (the last dimension).</summary>
    public long Count => X.shape[^1];
}

/// <summary>
/// A one-dimensional regression problem whose answer is known (Notes §2.1): inputs x ~ Uniform[XMin, XMax],
/// targets y = f(x) + ε with ε ~ N(0, σ²) independent of x. Because f and σ are known, the true risk of any
/// predictor can be computed (numerically, over x), not only estimated from samples.
/// </summary>
/// <param name="TrueFunction">f, applied elementwise to a float64 tensor of inputs.</param>
/// <param name="NoiseStd">σ, the standard deviation of the label noise.</param>
/// <param name="XMin">left end of the input interval.</param>
/// <param name="XMax">right end of the input interval.</param>
/// <param name="Name">how f is written, for chart legends.</param>
public sealed record RegressionProblem(Func<Tensor, Tensor> TrueFunction, double NoiseStd, double XMin = -1, double XMax = 1, string Name = "f(x)")
{
    /// <summary>The workbook's running example: f(x) = sin(πx) on [-1, 1] with noise σ = <paramref name="noiseStd"/>.</summary>
    public static RegressionProblem Sine(double noiseStd = 0.3) => new(x => (Math.PI * x).sin(), noiseStd, -1, 1, "sin(πx)");

    /// <summary>σ², the part of the error no predictor can remove (the Bayes risk under squared loss).</summary>
    public double NoiseVariance => NoiseStd * NoiseStd;

    /// <summary>Inputs drawn uniformly from [XMin, XMax], float64, of the given shape.</summary>
    public Tensor Inputs(long[] shape, Generator generator) =>
        XMin + (XMax - XMin) * rand(shape, dtype: float64, generator: generator);

    /// <summary>Noisy targets f(x) + ε for given inputs (fresh noise on every call), the shape of <paramref name="x"/>.</summary>
    public Tensor Targets(Tensor x, Generator generator) =>
        TrueFunction(x) + NoiseStd * randn(x.shape, dtype: float64, generator: generator);

    /// <summary><paramref name="count"/> points (x, y), float64 [count].</summary>
    public RegressionSample Sample(int count, Generator generator) => Sample(new long[] { count }, generator);

    /// <summary>
    /// Independent sets of points of the given shape, for example [sets, count] for
    /// <c>sets</c> training sets of <c>count</c> points each.
    /// </summary>
    public RegressionSample Sample(long[] shape, Generator generator)
    {
        var x = Inputs(shape, generator);
        return new RegressionSample(x, Targets(x, generator));
    }

    /// <summary><paramref name="points"/> evenly spaced inputs from XMin to XMax (for drawing), float64 [points].</summary>
    public Tensor Grid(int points) => linspace(XMin, XMax, points, dtype: float64);

    /// <summary>
    /// The true risk under squared loss of a predictor, R = E_x E_y[(ŷ(x) − y)²] = E_x[(ŷ(x) − f(x))²] + σ²
    /// (the noise is independent of x and has mean 0, so the cross term vanishes). E_x is computed by the
    /// midpoint rule on <paramref name="points"/> cells of the input interval, exact to O(1/points²) for smooth predictors.
    /// </summary>
    /// <param name="predict">the predictor, mapping inputs [m] to predictions [m].</param>
    /// <param name="points">quadrature cells.</param>
    public double TrueRisk(Func<Tensor, Tensor> predict, int points = 4000)
    {
        if (points < 1)
        {
            throw new ArgumentException($"the quadrature needs at least one cell, got {points}", nameof(points));
        }
        using var scope = NewDisposeScope();
        var width = (XMax - XMin) / points;
        var midpoints = XMin + width * (arange(points, dtype: float64) + 0.5);   // [points]
        var gap = predict(midpoints) - TrueFunction(midpoints);                 // [points]
        return gap.pow(2).mean().item<double>() + NoiseVariance;
    }
}

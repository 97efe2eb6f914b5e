using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Foundations;

/// <summary>
/// Checked exercises of notebook 01 (risk, bias and variance): the student's function runs against the library's
/// on fixed random cases and the first mismatch is reported with its case, shapes and values.
/// </summary>
public static class FoundationsExercises
{
    /// <summary>
    /// Bias² and variance from predictions [T, M] and true values [M] (Notes §2.2): student(predictions, truth) →
    /// (bias², variance). Compared as the pair [bias², variance]: position [0] is bias², [1] the variance.
    /// </summary>
    public static ExerciseResult CheckBiasVariance(Func<Tensor, Tensor, (double BiasSquared, double Variance)> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        using var generator = new Generator(21);
        var cases = new List<Tensor[]>
        {
            // two predictors at two points, small enough to do by hand: f̄ = (1, 3), bias² = ((1-0)² + (3-2)²)/2 = 1, variance = 1
            new[] { tensor(new double[,] { { 0, 2 }, { 2, 4 } }), tensor(new double[] { 0, 2 }) },
            new[] { randn(new long[] { 50, 30 }, dtype: float64, generator: generator), zeros(30, dtype: float64) },
            new[] { randn(new long[] { 8, 5 }, dtype: float64, generator: generator) + 3, randn(new long[] { 5 }, dtype: float64, generator: generator) },
            new[] { randn(new long[] { 200, 1 }, dtype: float64, generator: generator) * 0.1, ones(1, dtype: float64) },
        };
        return Exercise.CheckTensors("bias-variance decomposition",
            x => Pair(student(x[0], x[1])),
            x =>
            {
                var parts = BiasVariance.Decompose(x[0], x[1]);
                return Pair((parts.BiasSquared, parts.Variance));
            },
            cases, atol: 1e-10, rtol: 1e-8);
    }

    /// <summary>
    /// The ridge solution θ = (ΦᵀΦ + λI)⁻¹Φᵀy for a design matrix [n, p], targets [n] and λ ≥ 0:
    /// student(design, targets, λ) → θ [p]. Cases include λ = 0 (ordinary least squares) and p close to n.
    /// </summary>
    public static ExerciseResult CheckRidge(Func<Tensor, Tensor, double, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        using var generator = new Generator(22);
        var cases = new List<Tensor[]>();
        foreach (var (n, p, lambda) in new[] { (10, 2, 0.0), (20, 4, 0.5), (12, 10, 1e-3), (30, 6, 10.0), (5, 5, 2.0) })
        {
            var design = randn(new long[] { n, p }, dtype: float64, generator: generator);
            var targets = randn(new long[] { n }, dtype: float64, generator: generator);
            cases.Add(new[] { design, targets, tensor(lambda, dtype: float64) });
        }
        return Exercise.CheckTensors("ridge regression",
            x => student(x[0], x[1], x[2].item<double>()),
            x => RidgeRegression.Solve(x[0], x[1], x[2].item<double>()),
            cases, atol: 1e-8, rtol: 1e-6);
    }

    private static Tensor Pair((double BiasSquared, double Variance) parts) => tensor(new[] { parts.BiasSquared, parts.Variance });
}

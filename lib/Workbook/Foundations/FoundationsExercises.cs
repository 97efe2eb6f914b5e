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
    /// Ridge regression with one penalty per coefficient, θ = (ΦᵀΦ + diag(λ))⁻¹Φᵀy (Notes §2.3 with a diagonal prior
    /// covariance), for a design matrix [n, p], targets [n] and penalties λ [p], each ≥ 0: student(design, targets,
    /// penalties) → θ [p]. A zero λ_j leaves coefficient j unpenalised (the constant term in the cases that set λ_0 = 0).
    /// <see cref="RidgeRegression.Solve"/> takes one λ for every coefficient, so it answers only the cases whose λ_j are
    /// all equal; the cases: all zero (least squares), the constant unpenalised, all equal with p close to n, a strong
    /// penalty on all but the constant, and λ_j rising along the coefficients with n = p.
    /// </summary>
    public static ExerciseResult CheckRidge(Func<Tensor, Tensor, Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        using var generator = new Generator(22);
        var cases = new List<Tensor[]>();
        foreach (var (n, penalties) in new[]
                 {
                     (10, new[] { 0.0, 0.0 }), (20, new[] { 0.0, 0.5, 0.5, 0.5 }), (12, Enumerable.Repeat(1e-3, 10).ToArray()),
                     (30, new[] { 0.0, 10, 10, 10, 10, 10 }), (5, new[] { 0.0, 0.5, 1, 2, 4 }),
                 })
        {
            var design = randn(new long[] { n, penalties.Length }, dtype: float64, generator: generator);
            var targets = randn(new long[] { n }, dtype: float64, generator: generator) + 2;     // a mean away from 0: penalising the constant shows
            cases.Add(new[] { design, targets, tensor(penalties, dtype: float64) });
        }
        return Exercise.CheckTensors("ridge regression with a penalty per coefficient",
            x => student(x[0], x[1], x[2]),
            x => linalg.solve(x[0].t().matmul(x[0]) + diag(x[2]), x[0].t().matmul(x[1])),
            cases, atol: 1e-8, rtol: 1e-6);
    }

    /// <summary>
    /// Ridge regression that shrinks towards a prior mean m instead of towards 0: the minimiser of
    /// ‖y − Φθ‖² + Σ_j λ_j (θ_j − m_j)², i.e. MAP with an independent Gaussian prior θ_j ~ N(m_j, σ²/λ_j) (Notes §2.3 with a
    /// nonzero prior mean, a case the notes and the notebook do not write out): student(design [n, p], targets [n],
    /// penalties λ [p], priorMean m [p]) → θ [p]. The expected θ solves (ΦᵀΦ + diag λ) θ = Φᵀy + diag(λ) m in float64.
    /// Cases: m = 0 (plain ridge), λ = 0 (least squares: m must drop out), a strong penalty (θ close to m), the constant
    /// unpenalised, and λ_j rising along the coefficients with n = p. A failure names the case's n, λ and m.
    /// </summary>
    public static ExerciseResult CheckRidgeTowardsPrior(Func<Tensor, Tensor, Tensor, Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        using var generator = new Generator(23);
        var cases = new List<(int N, double[] Penalties, double[] Mean)>
        {
            (20, new[] { 0.5, 0.5, 0.5, 0.5 }, new[] { 0.0, 0.0, 0.0, 0.0 }),
            (10, new[] { 0.0, 0.0 }, new[] { 3.0, -1.0 }),
            (12, new[] { 1e4, 1e4, 1e4 }, new[] { 1.0, -2.0, 0.5 }),
            (30, new[] { 0.0, 10, 10, 10, 10 }, new[] { 5.0, 1, 1, -1, 0 }),
            (5, new[] { 0.0, 0.5, 1, 2, 4 }, new[] { 0.0, 2, -2, 2, -2 }),
        };
        var inputs = new List<Tensor[]>();
        foreach (var (n, penalties, mean) in cases)
        {
            var design = randn(new long[] { n, penalties.Length }, dtype: float64, generator: generator);
            var targets = randn(new long[] { n }, dtype: float64, generator: generator) + 2;
            inputs.Add(new[] { design, targets, tensor(penalties, dtype: float64), tensor(mean, dtype: float64) });
        }
        var result = Exercise.CheckTensors("ridge regression towards a prior mean",
            x => student(x[0], x[1], x[2], x[3]),
            x => linalg.solve(x[0].t().matmul(x[0]) + diag(x[2]), x[0].t().matmul(x[1]) + x[2] * x[3]),
            inputs, atol: 1e-8, rtol: 1e-6);
        if (result.Passed || !result.Attempted || result.CasesChecked < 1 || result.CasesChecked > cases.Count)
        {
            return result;
        }
        var (nFailed, lambda, m) = cases[result.CasesChecked - 1];
        return result with { Message = $"{result.Message}; that case has n = {nFailed}, p = {lambda.Length}, λ = {Exercise.Show(lambda)}, prior mean m = {Exercise.Show(m)} (position [j] is θ_j)" };
    }

    private static Tensor Pair((double BiasSquared, double Variance) parts) => tensor(new[] { parts.BiasSquared, parts.Variance });
}

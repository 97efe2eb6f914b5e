using TorchSharp;
using Workbook.Exercises;
using Workbook.Rl.Algorithms;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// Checked exercises for the policy-gradient notebooks (17-21): each runs the student's function on
/// several cases and compares with the library's reference, reporting the first mismatch.
/// </summary>
public static class RlExercises
{
    /// <summary>
    /// The student's GAE plugged into A2C or PPO (<see cref="LossPieces.Advantages"/>): it computes every
    /// segment's advantages in the real training loop; while it is the student edition's stub, the
    /// library's GAE does, and the plug says so.
    /// </summary>
    public static Plugged<Func<double[], double[], double, double, double, double[]>> PlugGae(
        Func<double[], double[], double, double, double, double[]> student) =>
        Plug.In("GAE", student, (r, v, boot, gamma, lambda) => Returns.Gae(r, v, boot, gamma, lambda));

    /// <summary>
    /// The student's clipped surrogate (per-sample values, [B]) plugged into PPO's policy loss
    /// (<see cref="LossPieces.Policy"/>: the loss is minus its mean); while it is the student edition's
    /// stub, the library's PPO-clip objective is used, and the plug says so.
    /// </summary>
    public static Plugged<Func<Tensor, Tensor, double, Tensor>> PlugClippedSurrogate(Func<Tensor, Tensor, double, Tensor> student) =>
        Plug.In("clipped surrogate", student, (ratio, advantages, epsilon) =>
            minimum(ratio * advantages, ratio.clamp(1 - epsilon, 1 + epsilon) * advantages));

    private static readonly (double[] Rewards, double Gamma)[] RewardCases =
    {
        (new[] { 1.0, 1.0, 1.0 }, 1.0),
        (new[] { 1.0, 2.0, 3.0 }, 0.5),
        (new[] { 0.0, 0.0, 5.0, -1.0 }, 0.9),
        (new[] { 2.5 }, 0.99),
        (Enumerable.Range(0, 20).Select(t => Math.Sin(t)).ToArray(), 0.95),
    };

    /// <summary>Reward-to-go Q̂_t = Σ_{t' ≥ t} γ^{t'−t} r_{t'} (Notes §7.3.4.1): student(rewards, γ) → Q̂.</summary>
    public static ExerciseResult CheckRewardToGo(Func<double[], double, double[]> student) =>
        Exercise.CheckValues<(double[] Rewards, double Gamma), double[]>(
            "reward-to-go",
            input => student((double[])input.Rewards.Clone(), input.Gamma),
            RewardCases.Select(c => (c, Returns.RewardToGo(c.Rewards, c.Gamma))),
            Close);

    /// <summary>
    /// GAE(γ, λ) for one trajectory segment: student(rewards, values, bootstrapValue, γ, λ) → Â
    /// (δ_t = r_t + γ V_{t+1} − V_t, Â_t = δ_t + γλ Â_{t+1}, V_T = bootstrapValue).
    /// </summary>
    public static ExerciseResult CheckGae(Func<double[], double[], double, double, double, double[]> student)
    {
        var random = new Random(17);
        var cases = new List<((double[] R, double[] V, double Boot, double Gamma, double Lambda) Input, double[] Expected)>();
        foreach (var (gamma, lambda) in new[] { (0.9, 0.8), (0.99, 1.0), (0.99, 0.0), (0.95, 0.95) })
        {
            var n = random.Next(1, 12);
            var r = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var v = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 3).ToArray();
            var boot = random.NextDouble();
            cases.Add(((r, v, boot, gamma, lambda), Returns.Gae(r, v, boot, gamma, lambda)));
        }
        return Exercise.CheckValues("GAE",
            ((double[] R, double[] V, double Boot, double Gamma, double Lambda) x) => student((double[])x.R.Clone(), (double[])x.V.Clone(), x.Boot, x.Gamma, x.Lambda),
            cases, Close);
    }

    /// <summary>Effective sample size fraction of importance weights, (Σw)² / (n Σw²): student(weights) → fraction.</summary>
    public static ExerciseResult CheckEffectiveSampleSize(Func<double[], double> student)
    {
        var cases = new[]
        {
            new[] { 1.0, 1.0, 1.0, 1.0 },
            new[] { 4.0, 0.0, 0.0, 0.0 },
            new[] { 0.5, 2.0, 1.0, 0.1, 3.0 },
            Enumerable.Range(1, 50).Select(i => Math.Exp(-0.2 * i)).ToArray(),
        };
        return Exercise.CheckValues("effective sample size", (double[] w) => student((double[])w.Clone()),
            cases.Select(w => (w, OffPolicyPg.EffectiveSampleSizeFraction(w))), (a, b) => Math.Abs(a - b) <= 1e-9);
    }

    /// <summary>
    /// Conjugate gradient: student(multiply, b, iterations) → x with A x ≈ b, given only v ↦ A v
    /// (A symmetric positive definite, float64). Checked on random systems of size 3 to 10.
    /// </summary>
    public static ExerciseResult CheckConjugateGradient(Func<Func<Tensor, Tensor>, Tensor, int, Tensor> student)
    {
        var generator = new Generator(20);
        var inputs = new List<Tensor[]>();
        foreach (var n in new[] { 3, 5, 10 })
        {
            var m = randn(new long[] { n, n }, ScalarType.Float64, generator: generator);
            var a = m.matmul(m.t()) + n * eye(n, dtype: ScalarType.Float64);
            inputs.Add(new[] { a, randn(new long[] { n }, ScalarType.Float64, generator: generator) });
        }
        return Exercise.CheckTensors("conjugate gradient",
            x => student(v => x[0].matmul(v), x[1], 2 * (int)x[1].shape[0]),
            x => linalg.solve(x[0], x[1]),
            inputs, atol: 1e-6, rtol: 1e-5);
    }

    /// <summary>
    /// PPO's clipped surrogate per sample (Notes A, Q7): student(ratio, advantages, ε) → min(r A, clip(r, 1−ε, 1+ε) A), shape [B].
    /// </summary>
    public static ExerciseResult CheckPpoClipObjective(Func<Tensor, Tensor, double, Tensor> student)
    {
        var generator = new Generator(21);
        var inputs = new List<Tensor[]>
        {
            new[] { tensor(new[] { 0.5f, 0.9f, 1.0f, 1.1f, 1.5f, 0.5f, 1.5f }), tensor(new[] { 1f, 1f, 1f, 1f, 1f, -1f, -1f }), tensor(0.2f) },
            new[] { rand(new long[] { 50 }, generator: generator) * 2, randn(new long[] { 50 }, generator: generator), tensor(0.1f) },
            new[] { rand(new long[] { 20 }, generator: generator) + 0.5f, randn(new long[] { 20 }, generator: generator), tensor(0.3f) },
        };
        return Exercise.CheckTensors("PPO clipped objective",
            x => student(x[0], x[1], x[2].item<float>()),
            x => minimum(x[0] * x[1], x[0].clamp(1 - x[2].item<float>(), 1 + x[2].item<float>()) * x[1]),
            inputs);
    }

    private static bool Close(double[] expected, double[] got) =>
        got is not null && expected.Length == got.Length && expected.Zip(got).All(p => Math.Abs(p.First - p.Second) <= 1e-6 * (1 + Math.Abs(p.First)));
}

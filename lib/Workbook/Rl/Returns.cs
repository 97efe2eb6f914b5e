using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// Returns and advantages: on plain arrays for one trajectory, and GAE over [T, N] tensors (T steps of N environments).
/// Notes §7.3.4.1 (reward-to-go), §7.3.4.2 (baselines),
/// Notes A, Q5 (advantages for trust-region updates).
/// </summary>
public static class Returns
{
    /// <summary>The discounted return of a whole trajectory: r(τ) = Σ_t γ^t r_t.</summary>
    public static double Total(IReadOnlyList<double> rewards, double gamma = 1.0)
    {
        var total = 0.0;
        var discount = 1.0;
        foreach (var r in rewards)
        {
            total += discount * r;
            discount *= gamma;
        }
        return total;
    }

    /// <summary>
    /// Reward-to-go Q̂_t = Σ_{t' ≥ t} γ^{t'−t} r_{t'} (Notes §7.3.4.1), computed backwards in one pass:
    /// Q̂_T = r_T, Q̂_t = r_t + γ Q̂_{t+1}.
    /// </summary>
    public static double[] RewardToGo(IReadOnlyList<double> rewards, double gamma = 1.0)
    {
        var result = new double[rewards.Count];
        var running = 0.0;
        for (var t = rewards.Count - 1; t >= 0; t--)
        {
            running = rewards[t] + gamma * running;
            result[t] = running;
        }
        return result;
    }

    /// <summary>Monte Carlo advantages of a complete episode: Â_t = Q̂_t − V(s_t).</summary>
    public static double[] MonteCarloAdvantages(IReadOnlyList<double> rewards, IReadOnlyList<double> values, double gamma = 1.0)
    {
        CheckSameLength(rewards.Count, values.Count, "values");
        var rewardToGo = RewardToGo(rewards, gamma);
        return rewardToGo.Select((q, t) => q - values[t]).ToArray();
    }

    /// <summary>
    /// Generalised advantage estimation for one trajectory segment (Schulman et al. 2016), the teaching form:
    /// δ_t = r_t + γ V(s_{t+1}) − V(s_t),  Â_t = Σ_l (γλ)^l δ_{t+l}, computed as Â_t = δ_t + γλ Â_{t+1}.
    /// <paramref name="bootstrapValue"/> is V of the state after the last step (0 if the episode terminated there).
    /// λ = 0 gives the one-step TD error, λ = 1 the Monte Carlo advantage Q̂_t − V(s_t).
    /// It is <see cref="Gae(Tensor, Tensor, Tensor, Tensor, double, double)"/> with N = 1 and no episode end inside.
    /// </summary>
    public static double[] Gae(IReadOnlyList<double> rewards, IReadOnlyList<double> values, double bootstrapValue, double gamma, double lambda) =>
        OneEnvironmentGae(rewards.ToArray(), values.ToArray(), new bool[rewards.Count], bootstrapValue, gamma, lambda);

    /// <summary>
    /// GAE over T steps of N environments in one backward pass over t for all environments at once (CleanRL's form):
    /// δ_t = r_t + γ (1 − d_t) V_{t+1} − V_t,  Â_t = δ_t + γλ (1 − d_t) Â_{t+1},  V_T = <paramref name="lastValues"/>.
    /// <paramref name="rewards"/>, <paramref name="values"/> and <paramref name="dones"/> are [T, N]; dones[t, i] says the
    /// episode of environment i ended after step t, so δ_t has no bootstrap and nothing flows back across it (a truncated
    /// episode should already carry γ V(final observation) in its last reward); <paramref name="lastValues"/> [N] is V of
    /// the state after step T − 1. Returns Â: [T, N] float64. The recursion runs in float64 on [T, N] arrays read once from
    /// the tensors: on the CPU, T rounds of small tensor operations cost about a thousand times more.
    /// Internal: with N = 1 it answers notebook 19's exercise.
    /// </summary>
    internal static Tensor Gae(Tensor rewards, Tensor values, Tensor dones, Tensor lastValues, double gamma, double lambda)
    {
        CheckRollout(rewards, values, dones, lastValues);
        var (r, v, d) = (Float64Matrix(rewards), Float64Matrix(values), Float64Matrix(dones));
        var (steps, environments) = (r.GetLength(0), r.GetLength(1));
        var nextValue = Float64Vector(lastValues);   // V_{t+1}
        var running = new double[environments];     // Â_{t+1}
        var advantages = new double[steps, environments];
        for (var t = steps - 1; t >= 0; t--)
        {
            for (var i = 0; i < environments; i++)
            {
                var notDone = 1.0 - d[t, i];
                var delta = r[t, i] + gamma * nextValue[i] * notDone - v[t, i];
                running[i] = delta + gamma * lambda * notDone * running[i];
                advantages[t, i] = running[i];
                nextValue[i] = v[t, i];
            }
        }
        return tensor(advantages);
    }

    /// <summary>
    /// The library's <see cref="AdvantageEstimator"/>: <see cref="Gae(Tensor, Tensor, Tensor, Tensor, double, double)"/> on one
    /// environment's rollout (N = 1). Internal: it answers notebook 19's exercise.
    /// </summary>
    internal static double[] OneEnvironmentGae(double[] rewards, double[] values, bool[] dones, double lastValue, double gamma, double lambda)
    {
        CheckSameLength(rewards.Length, values.Length, "values");
        CheckSameLength(rewards.Length, dones.Length, "dones");
        if (rewards.Length == 0)
        {
            return Array.Empty<double>();
        }
        using var scope = NewDisposeScope();
        var advantages = Gae(tensor(rewards).unsqueeze(1), tensor(values).unsqueeze(1), tensor(dones).unsqueeze(1), tensor(new[] { lastValue }), gamma, lambda);
        return advantages.squeeze(1).data<double>().ToArray();
    }

    /// <summary>
    /// Runs a per-environment <paramref name="estimator"/> (for example a student's GAE) on each environment's column of a
    /// [T, N] rollout (the arguments of <see cref="Gae(Tensor, Tensor, Tensor, Tensor, double, double)"/>), giving it float64
    /// copies it may write into. Returns Â: [T, N] float64.
    /// </summary>
    internal static Tensor ByEnvironment(AdvantageEstimator estimator, Tensor rewards, Tensor values, Tensor dones, Tensor lastValues, double gamma, double lambda)
    {
        CheckRollout(rewards, values, dones, lastValues);
        using var scope = NewDisposeScope();
        var r = rewards.to_type(ScalarType.Float64).t().contiguous();   // [N, T]: row i is environment i's rollout
        var v = values.to_type(ScalarType.Float64).t().contiguous();
        var d = dones.to_type(ScalarType.Bool).t().contiguous();
        var last = lastValues.to_type(ScalarType.Float64).data<double>().ToArray();
        var columns = new Tensor[last.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            var advantage = estimator(r[i].data<double>().ToArray(), v[i].data<double>().ToArray(), d[i].data<bool>().ToArray(), last[i], gamma, lambda)
                ?? throw new InvalidOperationException($"the advantage estimator returned null for environment {i}");
            if (advantage.Length != r.shape[1])
            {
                throw new InvalidOperationException($"the advantage estimator returned {advantage.Length} advantages for environment {i}'s rollout of {r.shape[1]} steps");
            }
            columns[i] = tensor(advantage);
        }
        return stack(columns, 1).MoveToOuterDisposeScope();
    }

    /// <summary>(x − mean) / (std + ε): the advantage normalisation most implementations apply per batch.</summary>
    public static double[] Normalize(IReadOnlyList<double> x, double epsilon = 1e-8)
    {
        var mean = x.Average();
        var std = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Count);
        return x.Select(v => (v - mean) / (std + epsilon)).ToArray();
    }

    /// <summary>(x − mean) / (std + 1e-8) over a 1-D tensor with torch's unbiased std (CleanRL's per-batch advantage normalisation; <see cref="Normalize"/> divides by n).</summary>
    public static Tensor NormalizeBatch(Tensor x) => (x - x.mean()) / (x.std() + 1e-8);

    /// <summary>Mean return of <paramref name="episodes"/>, NaN when no episode ended (a log's missing value).</summary>
    public static double Mean(IReadOnlyCollection<EpisodeSummary> episodes) =>
        episodes.Count == 0 ? double.NaN : episodes.Average(e => e.Return);

    /// <summary>A [T, N] tensor as a float64 array indexed [t, i].</summary>
    private static double[,] Float64Matrix(Tensor x)
    {
        using var scope = NewDisposeScope();
        var flat = x.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var matrix = new double[x.shape[0], x.shape[1]];
        Buffer.BlockCopy(flat, 0, matrix, 0, flat.Length * sizeof(double));
        return matrix;
    }

    private static double[] Float64Vector(Tensor x)
    {
        using var scope = NewDisposeScope();
        return x.to_type(ScalarType.Float64).data<double>().ToArray();
    }

    private static void CheckRollout(Tensor rewards, Tensor values, Tensor dones, Tensor lastValues)
    {
        if (rewards.dim() != 2 || rewards.shape[0] == 0 || !values.shape.SequenceEqual(rewards.shape) || !dones.shape.SequenceEqual(rewards.shape)
            || lastValues.dim() != 1 || lastValues.shape[0] != rewards.shape[1])
        {
            throw new ArgumentException(
                "GAE over T ≥ 1 steps of N environments needs rewards, values and dones of shape [T, N] and lastValues of shape [N]; " +
                $"got [{string.Join(", ", rewards.shape)}], [{string.Join(", ", values.shape)}], [{string.Join(", ", dones.shape)}] and [{string.Join(", ", lastValues.shape)}].");
        }
    }

    private static void CheckSameLength(int rewards, int other, string name)
    {
        if (rewards != other)
        {
            throw new ArgumentException($"rewards has {rewards} entries but {name} has {other}: one per time step is needed.");
        }
    }
}

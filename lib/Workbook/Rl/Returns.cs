using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// Returns and advantages on plain arrays (one trajectory, or T steps of N environments laid out
/// row-major as index <c>t * N + i</c>). Notes §7.3.4.1 (reward-to-go), §7.3.4.2 (baselines),
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
    /// Generalised advantage estimation for one trajectory segment (Schulman et al. 2016):
    /// δ_t = r_t + γ V(s_{t+1}) − V(s_t),  Â_t = Σ_l (γλ)^l δ_{t+l}, computed as Â_t = δ_t + γλ Â_{t+1}.
    /// <paramref name="bootstrapValue"/> is V of the state after the last step (0 if the episode terminated there).
    /// λ = 0 gives the one-step TD error, λ = 1 the Monte Carlo advantage Q̂_t − V(s_t).
    /// </summary>
    public static double[] Gae(IReadOnlyList<double> rewards, IReadOnlyList<double> values, double bootstrapValue, double gamma, double lambda)
    {
        CheckSameLength(rewards.Count, values.Count, "values");
        var advantages = new double[rewards.Count];
        var running = 0.0;
        for (var t = rewards.Count - 1; t >= 0; t--)
        {
            var nextValue = t == rewards.Count - 1 ? bootstrapValue : values[t + 1];
            var delta = rewards[t] + gamma * nextValue - values[t];
            running = delta + gamma * lambda * running;
            advantages[t] = running;
        }
        return advantages;
    }

    /// <summary>
    /// GAE over one environment's rollout of T steps that may contain episode ends (the form notebook 19's exercise
    /// asks for, so it is not public): <paramref name="dones"/>[t] says the episode ended after step t, so δ_t has no
    /// bootstrap and nothing flows back across it; <paramref name="lastValue"/> is V of the state after step T−1.
    /// δ_t = r_t + γ (1 − d_t) V_{t+1} − V_t, Â_t = δ_t + γλ (1 − d_t) Â_{t+1}, V_T = lastValue.
    /// </summary>
    internal static double[] Gae(IReadOnlyList<double> rewards, IReadOnlyList<double> values, IReadOnlyList<bool> dones, double lastValue, double gamma, double lambda)
    {
        CheckSameLength(rewards.Count, values.Count, "values");
        CheckSameLength(rewards.Count, dones.Count, "dones");
        var advantages = new double[rewards.Count];
        var running = 0.0;
        for (var t = rewards.Count - 1; t >= 0; t--)
        {
            var notDone = dones[t] ? 0.0 : 1.0;
            var nextValue = t == rewards.Count - 1 ? lastValue : values[t + 1];
            var delta = rewards[t] + gamma * nextValue * notDone - values[t];
            running = delta + gamma * lambda * notDone * running;
            advantages[t] = running;
        }
        return advantages;
    }

    /// <summary>
    /// GAE over T steps of N environments (index <c>t * N + i</c>), what <see cref="RolloutBuffer.ComputeAdvantages"/>
    /// uses by default. <paramref name="dones"/>[t, i] says the episode of environment i ended after step t, so nothing
    /// flows back across it; truncated episodes should already carry γ V(final observation) in their last reward.
    /// Returns the advantages and the value targets (advantages + values). Internal: it would answer notebook 19's exercise.
    /// </summary>
    internal static (float[] Advantages, float[] ValueTargets) Gae(
        float[] rewards, float[] values, bool[] dones, float[] lastValues, int steps, int environments, double gamma, double lambda)
    {
        var n = steps * environments;
        if (rewards.Length != n || values.Length != n || dones.Length != n || lastValues.Length != environments)
        {
            throw new ArgumentException(
                $"GAE over {steps} steps x {environments} environments needs rewards, values and dones of length {n} and lastValues of length {environments}; " +
                $"got {rewards.Length}, {values.Length}, {dones.Length} and {lastValues.Length}.");
        }
        var advantages = new float[n];
        var targets = new float[n];
        for (var i = 0; i < environments; i++)
        {
            var running = 0.0;
            for (var t = steps - 1; t >= 0; t--)
            {
                var k = t * environments + i;
                var notDone = dones[k] ? 0.0 : 1.0;
                var nextValue = t == steps - 1 ? lastValues[i] : values[k + environments];
                var delta = rewards[k] + gamma * nextValue * notDone - values[k];
                running = delta + gamma * lambda * notDone * running;
                advantages[k] = (float)running;
                targets[k] = (float)(running + values[k]);
            }
        }
        return (advantages, targets);
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

    private static void CheckSameLength(int rewards, int other, string name)
    {
        if (rewards != other)
        {
            throw new ArgumentException($"rewards has {rewards} entries but {name} has {other}: one per time step is needed.");
        }
    }
}

/// <summary>
/// Running mean and variance of vectors (Welford/Chan's parallel update), for observation
/// normalisation: x̂ = clip((x − μ) / √(σ² + ε), −c, c).
/// </summary>
public sealed class RunningMeanStd
{
    public RunningMeanStd(int dimension)
    {
        Mean = new double[dimension];
        Variance = Enumerable.Repeat(1.0, dimension).ToArray();
    }

    public double[] Mean { get; }
    public double[] Variance { get; }
    /// <summary>Effective number of samples seen (starts at a tiny positive count, as in Gym).</summary>
    public double Count { get; private set; } = 1e-4;
    public int Dimension => Mean.Length;

    /// <summary>Adds <paramref name="rows"/> vectors stored row-major in <paramref name="batch"/>.</summary>
    public void Update(float[] batch, int rows)
    {
        if (batch.Length != rows * Dimension)
        {
            throw new ArgumentException($"Expected {rows} rows of {Dimension} numbers ({rows * Dimension}), got {batch.Length}.", nameof(batch));
        }
        for (var j = 0; j < Dimension; j++)
        {
            double sum = 0, sumSquares = 0;
            for (var r = 0; r < rows; r++)
            {
                sum += batch[r * Dimension + j];
            }
            var batchMean = sum / rows;
            for (var r = 0; r < rows; r++)
            {
                var d = batch[r * Dimension + j] - batchMean;
                sumSquares += d * d;
            }
            var batchVariance = sumSquares / rows;
            var delta = batchMean - Mean[j];
            var total = Count + rows;
            Mean[j] += delta * rows / total;
            var m2 = Variance[j] * Count + batchVariance * rows + delta * delta * Count * rows / total;
            Variance[j] = m2 / total;
        }
        Count += rows;
    }

    /// <summary>Normalised copy of row-major vectors.</summary>
    public float[] Normalize(float[] batch, double clip = 10.0, double epsilon = 1e-8)
    {
        var result = new float[batch.Length];
        for (var k = 0; k < batch.Length; k++)
        {
            var j = k % Dimension;
            result[k] = (float)Math.Clamp((batch[k] - Mean[j]) / Math.Sqrt(Variance[j] + epsilon), -clip, clip);
        }
        return result;
    }
}

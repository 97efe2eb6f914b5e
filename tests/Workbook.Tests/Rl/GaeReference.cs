using Workbook.Rl;

namespace Workbook.Tests.Rl;

/// <summary>GAE written out in float64 for the RL tests, and the per-episode answer notebook 19 allows.</summary>
internal static class GaeReference
{
    /// <summary>One episode piece: Â_t = δ_t + γλ Â_{t+1}, δ_t = r_t + γ V_{t+1} − V_t, V_T = <paramref name="bootstrap"/>.</summary>
    public static double[] Segment(double[] rewards, double[] values, double bootstrap, double gamma, double lambda)
    {
        var advantages = new double[rewards.Length];
        var running = 0.0;
        for (var t = rewards.Length - 1; t >= 0; t--)
        {
            var next = t == rewards.Length - 1 ? bootstrap : values[t + 1];
            running = rewards[t] + gamma * next - values[t] + gamma * lambda * running;
            advantages[t] = running;
        }
        return advantages;
    }

    /// <summary>
    /// One environment's rollout cut into episode pieces, each done with <paramref name="segment"/> (bootstrap 0 after an end,
    /// lastValue at the rollout's cut): with <see cref="Returns.Gae(IReadOnlyList{double}, IReadOnlyList{double}, double, double, double)"/>
    /// it is the answer notebook 19 allows.
    /// </summary>
    public static AdvantageEstimator PerEpisode(Func<double[], double[], double, double, double, double[]> segment) =>
        (rewards, values, dones, lastValue, gamma, lambda) =>
        {
            var advantages = new double[rewards.Length];
            var start = 0;
            for (var t = 0; t < rewards.Length; t++)
            {
                if (dones[t] || t == rewards.Length - 1)
                {
                    segment(rewards[start..(t + 1)], values[start..(t + 1)], dones[t] ? 0.0 : lastValue, gamma, lambda).CopyTo(advantages, start);
                    start = t + 1;
                }
            }
            return advantages;
        };
}

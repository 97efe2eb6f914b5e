using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.AttentionAgents;

/// <summary>One greedy episode of an attention policy: per step the observation, the action, the reward and the
/// attention weights on every slot (averaged over heads, 0 on padding).</summary>
/// <param name="Observations">s_t, one row per step (the last is the observation after the final step).</param>
/// <param name="Weights">the weights [K] the policy put on the slots when it chose a_t.</param>
/// <param name="Actions">a_t.</param>
/// <param name="Rewards">r_t.</param>
/// <param name="Terminated">whether the episode reached a terminal state (for EntityReach: the target was reached).</param>
public sealed record AttentionEpisode(IReadOnlyList<double[]> Observations, IReadOnlyList<double[]> Weights,
    IReadOnlyList<int> Actions, IReadOnlyList<double> Rewards, bool Terminated)
{
    /// <summary>Σ r_t.</summary>
    public double Return => Rewards.Sum();
}

/// <summary>Plays an <see cref="AttentionPolicy"/> and records where it looked.</summary>
public static class AttentionEpisodes
{
    /// <summary>One greedy episode of <paramref name="policy"/> on <paramref name="environment"/>, reset with <paramref name="seed"/>.</summary>
    public static AttentionEpisode Play(AttentionPolicy policy, IEnvironment<int> environment, int seed)
    {
        var observations = new List<double[]> { environment.Reset(seed) };
        var weights = new List<double[]>();
        var actions = new List<int>();
        var rewards = new List<double>();
        using var _ = no_grad();
        while (true)
        {
            using var scope = NewDisposeScope();
            var s = tensor(observations[^1].Select(v => (float)v).ToArray(), new long[] { 1, observations[^1].Length });   // [1, obs]
            weights.Add(policy.Encoder.Weights(s).squeeze(0).data<float>().Select(v => (double)v).ToArray());             // [K]
            var action = (int)policy.call(s).Mode().item<long>();
            var step = environment.Step(action);
            actions.Add(action);
            rewards.Add(step.Reward);
            observations.Add(step.Observation);
            if (step.Done)
            {
                return new AttentionEpisode(observations, weights, actions, rewards, step.Terminated);
            }
        }
    }
}

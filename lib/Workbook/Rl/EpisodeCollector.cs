using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>Runs complete episodes: copy i of a vectorised environment plays exactly one episode.</summary>
public static class EpisodeCollector
{
    /// <summary>
    /// Resets the environment with <paramref name="seed"/> and plays one episode in every copy, acting
    /// with <paramref name="policy"/> on all unfinished copies in one batched forward pass
    /// (sampling, or the mode if <paramref name="greedy"/>). Finished copies are auto-reset by the
    /// wrapper but their later steps are not recorded.
    /// </summary>
    public static EpisodeBatch Collect(IVectorEnvironment environment, Policy policy, int seed, bool greedy = false, RunningMeanStd? normalizer = null)
    {
        var n = environment.Count;
        var dimension = environment.ObservationSpace.Dimension;
        var episodes = Enumerable.Range(0, n).Select(_ => new Episode(dimension)).ToList();
        var finished = new bool[n];
        var observations = environment.Reset(seed);
        var remaining = n;
        using var _ = no_grad();
        while (remaining > 0)
        {
            using var scope = NewDisposeScope();
            var input = normalizer is null ? observations : normalizer.Normalize(observations);
            var observation = tensor(input, new long[] { n, dimension });   // [N, obs]
            var distribution = policy.call(observation);
            var action = greedy ? distribution.Mode() : distribution.Sample();
            var logProbs = distribution.LogProb(action).data<float>().ToArray();
            var actionRows = action.to_type(ScalarType.Float32).reshape(n, -1).data<float>().ToArray();
            var actionDimension = actionRows.Length / n;
            var step = environment.Step(action);
            for (var i = 0; i < n; i++)
            {
                if (finished[i])
                {
                    continue;
                }
                var episode = episodes[i];
                episode.Observations.Add(input.AsSpan(i * dimension, dimension).ToArray());
                episode.Actions.Add(actionRows.AsSpan(i * actionDimension, actionDimension).ToArray());
                episode.BehaviourLogProbs.Add(logProbs[i]);
                episode.Rewards.Add(step.Rewards[i]);
                if (step.Terminated[i] || step.Truncated[i])
                {
                    episode.Terminated = step.Terminated[i];
                    finished[i] = true;
                    remaining--;
                }
            }
            observations = step.Observations;
        }
        return new EpisodeBatch(episodes, policy.IsDiscrete);
    }
}

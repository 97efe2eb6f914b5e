using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// Runs a policy in a vectorised environment and keeps the environments' state between calls, so
/// consecutive rollouts continue the same episodes (what A2C, TRPO and PPO need).
/// </summary>
public sealed class RolloutCollector
{
    private readonly IVectorEnvironment environment;
    private readonly RunningMeanStd? normalizer;
    private float[] observations;

    /// <param name="environment">the N copies to act in (reset here with <paramref name="seed"/>).</param>
    /// <param name="seed">seed of the first reset.</param>
    /// <param name="normalizeObservations">keep running observation statistics and feed the policy normalised observations.</param>
    public RolloutCollector(IVectorEnvironment environment, int seed, bool normalizeObservations = false)
    {
        this.environment = environment;
        normalizer = normalizeObservations ? new RunningMeanStd(environment.ObservationSpace.Dimension) : null;
        observations = environment.Reset(seed);
    }

    public IVectorEnvironment Environment => environment;
    /// <summary>The observation statistics (null unless normalising); evaluation must use the same.</summary>
    public RunningMeanStd? Normalizer => normalizer;
    /// <summary>Environment steps taken so far, summed over the copies.</summary>
    public long TotalSteps { get; private set; }
    /// <summary>Episodes that ended since the last <see cref="TakeCompletedEpisodes"/>.</summary>
    public List<EpisodeSummary> CompletedEpisodes { get; } = new();

    /// <summary>Returns and forgets the episodes completed since the last call.</summary>
    public List<EpisodeSummary> TakeCompletedEpisodes()
    {
        var result = CompletedEpisodes.ToList();
        CompletedEpisodes.Clear();
        return result;
    }

    /// <summary>
    /// Collects <paramref name="steps"/> steps from each environment. Where an episode is truncated (time
    /// limit, not a terminal state) γ V(final observation) is added to its last reward so the cut does not
    /// look like a failure. Rewards are multiplied by <paramref name="rewardScale"/> (keeping value targets
    /// near 1 helps when rewards are large, as in Pendulum); the episode returns reported stay unscaled.
    /// </summary>
    public RolloutBuffer Collect(Policy policy, nn.Module<Tensor, Tensor>? value, int steps, double gamma, double rewardScale = 1.0)
    {
        var n = environment.Count;
        var dimension = environment.ObservationSpace.Dimension;
        var observationRows = new List<Tensor>(steps);
        var actionRows = new List<Tensor>(steps);
        var logProbRows = new List<Tensor>(steps);
        var valueRows = new List<Tensor>(steps);
        var rewards = new float[steps, n];
        var dones = new bool[steps, n];
        using (no_grad())
        {
            for (var t = 0; t < steps; t++)
            {
                using var scope = NewDisposeScope();
                var observation = ObservationTensor(observations, n, dimension, update: true);   // [N, obs]
                var distribution = policy.call(observation);
                var action = distribution.Sample();                                               // [N] or [N, D]
                var logProb = distribution.LogProb(action);                                       // [N]
                var stateValue = value is null ? zeros(n) : value.call(observation);              // [N]
                var step = environment.Step(action);
                for (var i = 0; i < n; i++)
                {
                    rewards[t, i] = (float)(rewardScale * step.Rewards[i]);
                    dones[t, i] = step.Terminated[i] || step.Truncated[i];
                    if (step.Truncated[i] && !step.Terminated[i] && value is not null)
                    {
                        var final = ObservationTensor(step.FinalObservations[i]!, 1, dimension, update: false);
                        rewards[t, i] += (float)(gamma * value.call(final).item<float>());
                    }
                }
                CompletedEpisodes.AddRange(step.CompletedEpisodes);
                observations = step.Observations;
                TotalSteps += n;
                observationRows.Add(observation.MoveToOuterDisposeScope());
                actionRows.Add(action.MoveToOuterDisposeScope());
                logProbRows.Add(logProb.MoveToOuterDisposeScope());
                valueRows.Add(stateValue.MoveToOuterDisposeScope());
            }
            Tensor lastValues;                                                                    // [N]
            using (NewDisposeScope())
            {
                lastValues = (value is null ? zeros(n) : value.call(ObservationTensor(observations, n, dimension, update: false))).MoveToOuterDisposeScope();
            }
            var buffer = new RolloutBuffer(stack(observationRows), stack(actionRows), stack(logProbRows), stack(valueRows), tensor(rewards), tensor(dones), lastValues);
            foreach (var row in observationRows.Concat(actionRows).Concat(logProbRows).Concat(valueRows))
            {
                row.Dispose();
            }
            return buffer;
        }
    }

    private Tensor ObservationTensor(float[] raw, int rows, int dimension, bool update)
    {
        if (normalizer is null)
        {
            return tensor(raw, new long[] { rows, dimension });
        }
        if (update)
        {
            normalizer.Update(raw, rows);
        }
        return tensor(normalizer.Normalize(raw), new long[] { rows, dimension });
    }
}

using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// T steps of N environments gathered with one policy (flattened to T·N rows, index <c>t * N + i</c>):
/// observations, actions, log π_old(a|s), values, rewards, dones, and after <see cref="ComputeAdvantages"/>
/// the GAE advantages and value targets. Dispose it to free its tensors.
/// </summary>
public sealed class RolloutBuffer : IDisposable
{
    internal RolloutBuffer(int steps, int environments, Tensor observations, Tensor actions, Tensor logProbs,
        float[] values, float[] rewards, bool[] dones, float[] lastValues)
    {
        Steps = steps;
        Environments = environments;
        Observations = observations;
        Actions = actions;
        LogProbs = logProbs;
        ValuesArray = values;
        RewardsArray = rewards;
        Dones = dones;
        LastValues = lastValues;
    }

    public int Steps { get; }
    public int Environments { get; }
    public int Size => Steps * Environments;
    /// <summary>[T·N, obs]</summary>
    public Tensor Observations { get; }
    /// <summary>[T·N] int64 or [T·N, D] float</summary>
    public Tensor Actions { get; }
    /// <summary>log π_old(a_t|s_t): [T·N]</summary>
    public Tensor LogProbs { get; }
    /// <summary>V(s_t) when collected (zeros without a value network).</summary>
    public float[] ValuesArray { get; }
    /// <summary>r_t, with γ V(final observation) added where an episode was truncated.</summary>
    public float[] RewardsArray { get; }
    public bool[] Dones { get; }
    /// <summary>V of the observation after the last step, per environment.</summary>
    public float[] LastValues { get; }
    /// <summary>[T·N], set by <see cref="ComputeAdvantages"/>.</summary>
    public Tensor? Advantages { get; private set; }
    /// <summary>Value targets Â + V: [T·N], set by <see cref="ComputeAdvantages"/>.</summary>
    public Tensor? ValueTargets { get; private set; }

    /// <summary>
    /// Fills <see cref="Advantages"/> and <see cref="ValueTargets"/> (Â + V) with GAE(γ, λ). With <paramref name="environmentAdvantages"/>
    /// (for example a student's GAE), the function computes each environment's advantages over the whole rollout, from
    /// (rewards r_0..r_{T-1}, values V(s_0)..V(s_{T-1}), dones d_0..d_{T-1}, V of the state after step T−1, γ, λ); d_t says the
    /// episode ended after step t (no bootstrap there, nothing flows back across it; truncated episodes already carry
    /// γ V(final) in their last reward).
    /// </summary>
    public void ComputeAdvantages(double gamma, double lambda, Func<double[], double[], bool[], double, double, double, double[]>? environmentAdvantages = null)
    {
        var (advantages, targets) = environmentAdvantages is null
            ? Returns.Gae(RewardsArray, ValuesArray, Dones, LastValues, Steps, Environments, gamma, lambda)
            : ByEnvironment(environmentAdvantages, gamma, lambda);
        Advantages?.Dispose();
        ValueTargets?.Dispose();
        Advantages = tensor(advantages);
        ValueTargets = tensor(targets);
    }

    private (float[] Advantages, float[] ValueTargets) ByEnvironment(Func<double[], double[], bool[], double, double, double, double[]> estimator, double gamma, double lambda)
    {
        var advantages = new float[Size];
        var targets = new float[Size];
        for (var i = 0; i < Environments; i++)
        {
            var rows = Enumerable.Range(0, Steps).Select(t => t * Environments + i).ToArray();   // this environment's rows
            var values = rows.Select(r => (double)ValuesArray[r]).ToArray();
            var advantage = estimator(rows.Select(r => (double)RewardsArray[r]).ToArray(), (double[])values.Clone(), rows.Select(r => Dones[r]).ToArray(),
                    LastValues[i], gamma, lambda)
                ?? throw new InvalidOperationException($"the advantage estimator returned null for environment {i}");
            if (advantage.Length != Steps)
            {
                throw new InvalidOperationException($"the advantage estimator returned {advantage.Length} advantages for environment {i}'s rollout of {Steps} steps");
            }
            for (var t = 0; t < Steps; t++)
            {
                advantages[rows[t]] = (float)advantage[t];
                targets[rows[t]] = (float)(advantage[t] + values[t]);
            }
        }
        return (advantages, targets);
    }

    public void Dispose()
    {
        Observations.Dispose();
        Actions.Dispose();
        LogProbs.Dispose();
        Advantages?.Dispose();
        ValueTargets?.Dispose();
    }
}

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
        var values = new float[steps * n];
        var rewards = new float[steps * n];
        var dones = new bool[steps * n];
        using (no_grad())
        {
            for (var t = 0; t < steps; t++)
            {
                using var scope = NewDisposeScope();
                var observation = ObservationTensor(observations, n, dimension, update: true);   // [N, obs]
                var distribution = policy.call(observation);
                var action = distribution.Sample();                                               // [N] or [N, D]
                var logProb = distribution.LogProb(action);                                       // [N]
                if (value is not null)
                {
                    Array.Copy(value.call(observation).data<float>().ToArray(), 0, values, t * n, n);
                }
                var step = environment.Step(action);
                for (var i = 0; i < n; i++)
                {
                    var k = t * n + i;
                    rewards[k] = (float)(rewardScale * step.Rewards[i]);
                    dones[k] = step.Terminated[i] || step.Truncated[i];
                    if (step.Truncated[i] && !step.Terminated[i] && value is not null)
                    {
                        var final = ObservationTensor(step.FinalObservations[i]!, 1, dimension, update: false);
                        rewards[k] += (float)(gamma * value.call(final).item<float>());
                    }
                }
                CompletedEpisodes.AddRange(step.CompletedEpisodes);
                observations = step.Observations;
                TotalSteps += n;
                observationRows.Add(observation.MoveToOuterDisposeScope());
                actionRows.Add(action.MoveToOuterDisposeScope());
                logProbRows.Add(logProb.MoveToOuterDisposeScope());
            }
            var lastValues = new float[n];
            if (value is not null)
            {
                using var scope = NewDisposeScope();
                lastValues = value.call(ObservationTensor(observations, n, dimension, update: false)).data<float>().ToArray();
            }
            var buffer = new RolloutBuffer(steps, n, cat(observationRows, 0), cat(actionRows, 0), cat(logProbRows, 0), values, rewards, dones, lastValues);
            foreach (var row in observationRows.Concat(actionRows).Concat(logProbRows))
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

/// <summary>One complete episode: what REINFORCE-style (Monte Carlo) methods learn from.</summary>
public sealed class Episode
{
    internal Episode(int observationDimension) => ObservationDimension = observationDimension;

    public int ObservationDimension { get; }
    /// <summary>Observation rows, each of <see cref="ObservationDimension"/> numbers.</summary>
    public List<float[]> Observations { get; } = new();
    /// <summary>Actions as float rows (a discrete action is one number).</summary>
    public List<float[]> Actions { get; } = new();
    /// <summary>log π_behaviour(a_t|s_t) of the policy that acted.</summary>
    public List<double> BehaviourLogProbs { get; } = new();
    public List<double> Rewards { get; } = new();
    public bool Terminated { get; internal set; }
    public int Length => Rewards.Count;
    /// <summary>Undiscounted return Σ r_t.</summary>
    public double Return => Rewards.Sum();
}

/// <summary>A batch of complete episodes, one per copy of a vectorised environment.</summary>
public sealed class EpisodeBatch
{
    internal EpisodeBatch(List<Episode> episodes, bool discrete)
    {
        Episodes = episodes;
        IsDiscrete = discrete;
    }

    public IReadOnlyList<Episode> Episodes { get; }
    public bool IsDiscrete { get; }
    /// <summary>Σ_i T_i, the environment steps in the batch.</summary>
    public int TotalSteps => Episodes.Sum(e => e.Length);
    public double[] EpisodeReturns => Episodes.Select(e => e.Return).ToArray();

    /// <summary>All observations stacked: [Σ T_i, obs].</summary>
    public Tensor ObservationTensor()
    {
        var dimension = Episodes[0].ObservationDimension;
        var flat = Episodes.SelectMany(e => e.Observations).SelectMany(row => row).ToArray();
        return tensor(flat, new long[] { TotalSteps, dimension });
    }

    /// <summary>All actions stacked: [Σ T_i] int64 for discrete, [Σ T_i, D] float for continuous.</summary>
    public Tensor ActionTensor()
    {
        var rows = Episodes.SelectMany(e => e.Actions).ToArray();
        return IsDiscrete
            ? tensor(rows.Select(r => (long)r[0]).ToArray())
            : tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length });
    }

    /// <summary>Behaviour log-probabilities stacked: [Σ T_i].</summary>
    public Tensor BehaviourLogProbTensor() => tensor(Episodes.SelectMany(e => e.BehaviourLogProbs).Select(v => (float)v).ToArray());

    /// <summary>Applies <paramref name="perEpisode"/> to each episode's rewards and concatenates: [Σ T_i] (e.g. reward-to-go).</summary>
    public float[] PerStep(Func<Episode, IReadOnlyList<double>> perEpisode) =>
        Episodes.SelectMany(e => perEpisode(e)).Select(v => (float)v).ToArray();
}

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

/// <summary>Measures a policy: returns of complete episodes.</summary>
public static class Evaluation
{
    /// <summary>
    /// The undiscounted returns of <paramref name="episodes"/> episodes played in parallel (one per copy of
    /// a fresh vectorised environment made by <paramref name="make"/>), greedy (mode of π) by default.
    /// </summary>
    public static double[] Returns(Func<int, IVectorEnvironment> make, Policy policy, int episodes = 100, bool greedy = true, int seed = 10_000, RunningMeanStd? normalizer = null)
    {
        var environment = make(episodes);
        return EpisodeCollector.Collect(environment, policy, seed, greedy, normalizer).EpisodeReturns;
    }
}

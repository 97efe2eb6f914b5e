using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.Algorithms;

/// <summary>Which importance weight multiplies ∇ log π_θ'(a_t|s_t) Q̂_t (Notes §7.3.5).</summary>
public enum ImportanceWeighting
{
    /// <summary>w_t = Π_{t' ≤ t} π_θ'(a_t'|s_t') / π_θ(a_t'|s_t'): unbiased, but the product degenerates with t (Notes §7.3.5.2).</summary>
    TrajectoryPrefix,
    /// <summary>w_t = π_θ'(a_t|s_t) / π_θ(a_t|s_t): ignores the change in state distribution; biased, low variance (Notes §7.3.5.3).</summary>
    FirstOrder,
}

/// <summary>
/// Off-policy policy gradient hyperparameters: each batch of episodes (one per environment copy) is
/// reused for <see cref="UpdatesPerBatch"/> gradient steps; after the first step the data come from
/// an older policy and importance weights correct for it. UpdatesPerBatch = 1 is on-policy REINFORCE.
/// </summary>
/// <param name="Weighting">how the importance weights are formed.</param>
/// <param name="UpdatesPerBatch">gradient steps per batch of episodes (1 = on-policy REINFORCE).</param>
/// <param name="Iterations">gradient steps on the policy, one batch of episodes each.</param>
/// <param name="Episodes">episodes per batch, one per environment copy.</param>
/// <param name="LearningRate">Adam's learning rate for the policy.</param>
/// <param name="ValueLearningRate">Adam's learning rate for the critic.</param>
/// <param name="ValueSteps">full-batch Adam steps fitting the baseline per batch.</param>
/// <param name="Gamma">discount γ.</param>
/// <param name="MaxWeight">importance weights are clipped to at most this.</param>
/// <param name="Hidden">hidden layer widths of the MLP actor and critic (64, 64 when null) when the algorithm builds them.</param>
/// <param name="InitialLogStd">starting log σ of a Gaussian policy (box action spaces).</param>
/// <param name="Seed">seeds torch's generator (initial weights, action sampling), the minibatch order and the environments' resets.</param>
public sealed record OffPolicyPgConfig(
    ImportanceWeighting Weighting = ImportanceWeighting.FirstOrder,
    int UpdatesPerBatch = 4,
    int Iterations = 40,
    int Episodes = 8,
    double LearningRate = 3e-3,
    double ValueLearningRate = 1e-2,
    int ValueSteps = 20,
    double Gamma = 0.99,
    double MaxWeight = 1e3,
    int[]? Hidden = null,
    double InitialLogStd = 0.0,
    int Seed = 0);

/// <summary>
/// Policy gradient with importance sampling (Notes §7.3.5): samples come from the behaviour policy
/// π_θ that collected the batch, gradients are for the current π_θ':
/// <code>∇J(θ') ≈ (1/N) Σ_i Σ_t w_it ∇ log π_θ'(a_it|s_it) (Q̂_it − V(s_it))</code>
/// with w the trajectory-prefix product of ratios or its first-order approximation (one ratio).
/// The weights are treated as constants (detached), so the gradient is exactly the formula above.
/// The log's "kl" column is KL(π_θ ‖ π_θ') over the batch after the last reuse; "weight_ess" is the
/// effective sample size fraction (Σw)² / (n Σw²) of the weights in the last step.
/// </summary>
public static class OffPolicyPg
{
    public static TrainingResult Train(IVectorEnvironment environment, OffPolicyPgConfig config)
    {
        if (environment.Count != config.Episodes)
        {
            throw new ArgumentException($"OffPolicyPgConfig.Episodes is {config.Episodes} but the environment has {environment.Count} copies.", nameof(environment));
        }
        manual_seed(config.Seed);
        var clock = Stopwatch.StartNew();
        var policy = Policies.For(environment, config.Hidden, config.InitialLogStd);
        var value = new ValueNetwork(environment.ObservationSpace.Dimension, config.Hidden);
        var policyOptimizer = optim.Adam(policy.parameters(), config.LearningRate);
        var valueOptimizer = optim.Adam(value.parameters(), config.ValueLearningRate);
        var log = RlLogs.Create();
        long steps = 0;

        for (var iteration = 0; iteration < config.Iterations; iteration++)
        {
            using var scope = NewDisposeScope();
            // 1. Episodes from the behaviour policy π_θ (the policy as it is now).
            var batch = EpisodeCollector.Collect(environment, policy, seed: config.Seed * 100_003 + iteration * 1_009);
            steps += batch.TotalSteps;
            var observations = batch.ObservationTensor();
            var actions = batch.ActionTensor();
            var behaviourLogProbs = batch.BehaviourLogProbTensor();                           // log π_θ(a_t|s_t): [ΣT]
            var episodeStarts = EpisodeStarts(batch);
            var advantages = Reinforce.Weights(batch, ReinforceEstimator.RewardToGoWithBaseline, config.Gamma, value, observations);
            ActionDistribution behaviour;
            using (no_grad())
            {
                behaviour = policy.call(observations).Detach();
            }

            // 2. Several gradient steps on the same batch, importance-weighted.
            double policyLoss = 0, ess = 0;
            for (var k = 0; k < config.UpdatesPerBatch; k++)
            {
                var logProbs = policy.call(observations).LogProb(actions);                      // log π_θ'(a_t|s_t)
                var weights = ImportanceWeights(logProbs.detach() - behaviourLogProbs, episodeStarts, config.Weighting).clamp_max(config.MaxWeight);
                var loss = -(weights * logProbs * advantages).sum() / batch.Episodes.Count;
                policyOptimizer.zero_grad();
                loss.backward();
                policyOptimizer.step();
                policyLoss = loss.item<float>();
                ess = EffectiveSampleSizeFraction(weights.data<float>().Select(w => (double)w).ToArray());
            }

            // 3. Baseline V fitted to the rewards-to-go.
            var valueLoss = ValueFitting.Fit(value, valueOptimizer, observations, tensor(batch.PerStep(e => Returns.RewardToGo(e.Rewards, config.Gamma))), config.ValueSteps).Last;
            double kl;
            using (no_grad())
            {
                kl = policy.call(observations).KlFrom(behaviour).mean().item<float>();
            }
            log.Add(("step", steps), ("episode_return", batch.EpisodeReturns.Average()), ("policy_loss", policyLoss),
                ("value_loss", valueLoss), ("kl", kl), ("weight_ess", ess), ("wall_seconds", clock.Elapsed.TotalSeconds));
        }
        return new TrainingResult(policy, value, log, null, steps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Importance weights from per-step log-ratios log π_θ'(a_t|s_t) − log π_θ(a_t|s_t) [ΣT] of consecutive
    /// episodes (first step of each at <paramref name="episodeStarts"/>): the running product within each
    /// episode (prefix) or the single ratio (first order).
    /// </summary>
    public static Tensor ImportanceWeights(Tensor logRatios, IReadOnlyList<int> episodeStarts, ImportanceWeighting weighting)
    {
        if (weighting == ImportanceWeighting.FirstOrder)
        {
            return logRatios.exp();
        }
        var values = logRatios.data<float>().ToArray();
        var result = new float[values.Length];
        for (var e = 0; e < episodeStarts.Count; e++)
        {
            var end = e + 1 < episodeStarts.Count ? episodeStarts[e + 1] : values.Length;
            var running = 0.0;
            for (var t = episodeStarts[e]; t < end; t++)
            {
                running += values[t];
                result[t] = (float)Math.Exp(running);
            }
        }
        return tensor(result);
    }

    /// <summary>Effective sample size as a fraction of n: (Σ w)² / (n Σ w²), 1 for equal weights, 1/n when one weight dominates.</summary>
    public static double EffectiveSampleSizeFraction(IReadOnlyList<double> weights)
    {
        var sum = weights.Sum();
        var sumSquares = weights.Sum(w => w * w);
        return sumSquares == 0 ? 0 : sum * sum / (weights.Count * sumSquares);
    }

    /// <summary>
    /// Trajectory importance weights Π_{t ≤ h} π_target(a_t|s_t) / π_behaviour(a_t|s_t) for every prefix length h
    /// of episodes played by <paramref name="behaviour"/>: result[h − 1][i] for episode i (episodes that ended
    /// before h keep their final weight). What notebook 18 uses to show the weights degenerate with the horizon.
    /// </summary>
    public static double[][] PrefixWeights(IVectorEnvironment environment, Policy behaviour, Policy target, int horizon, int seed)
    {
        using var scope = NewDisposeScope();
        var batch = EpisodeCollector.Collect(environment, behaviour, seed);
        using var _ = no_grad();
        var observations = batch.ObservationTensor();
        var actions = batch.ActionTensor();
        var logRatios = (target.call(observations).LogProb(actions) - behaviour.call(observations).LogProb(actions)).data<float>().ToArray();
        var result = Enumerable.Range(0, horizon).Select(_ => new double[batch.Episodes.Count]).ToArray();
        var offset = 0;
        for (var i = 0; i < batch.Episodes.Count; i++)
        {
            var running = 0.0;
            for (var h = 0; h < horizon; h++)
            {
                if (h < batch.Episodes[i].Length)
                {
                    running += logRatios[offset + h];
                }
                result[h][i] = Math.Exp(running);
            }
            offset += batch.Episodes[i].Length;
        }
        return result;
    }

    private static int[] EpisodeStarts(EpisodeBatch batch)
    {
        var starts = new int[batch.Episodes.Count];
        for (var i = 1; i < starts.Length; i++)
        {
            starts[i] = starts[i - 1] + batch.Episodes[i - 1].Length;
        }
        return starts;
    }
}

using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.Algorithms;

/// <summary>Which surrogate PPO maximises (Notes A, Q7).</summary>
public enum PpoObjective
{
    /// <summary>L^CLIP = E[min(r_t A_t, clip(r_t, 1 − ε, 1 + ε) A_t)].</summary>
    Clip,
    /// <summary>L^KL = E[r_t A_t − β KL(π_old ‖ π_θ)], β doubled or halved after each update to track a target KL.</summary>
    AdaptiveKl,
}

/// <summary>
/// PPO hyperparameters. The defaults solve CartPole: they follow the RL Zoo's tuned CartPole-v1
/// PPO (8 environments × 32 steps, γ 0.98, λ 0.8, 20 epochs over the 256 samples, learning rate 1e-3
/// annealed to 0) with fewer total steps.
/// </summary>
public sealed record PpoConfig(
    PpoObjective Objective = PpoObjective.Clip,
    long TotalSteps = 60_000,
    int Environments = 8,
    int StepsPerRollout = 32,
    int Epochs = 20,
    int MinibatchSize = 256,
    double LearningRate = 1e-3,
    bool AnnealLearningRate = true,
    double Gamma = 0.98,
    double Lambda = 0.8,
    double ClipEpsilon = 0.2,
    double KlTarget = 0.01,
    double InitialKlBeta = 1.0,
    double EntropyCoefficient = 0.0,
    double ValueCoefficient = 0.5,
    double MaxGradNorm = 0.5,
    bool NormalizeAdvantages = true,
    bool NormalizeObservations = false,
    int[]? Hidden = null,
    double InitialLogStd = 0.0,
    double RewardScale = 1.0,
    int Seed = 0);

/// <summary>
/// Proximal policy optimisation (Schulman et al. 2017; Notes A, Q7), CleanRL style: collect T steps
/// from N environments with π_old, compute GAE advantages, then run several epochs of minibatch Adam
/// on the clipped (or KL-penalised) surrogate plus a value loss and an entropy bonus:
/// <code>
/// r_t(θ) = π_θ(a_t|s_t) / π_old(a_t|s_t)
/// L = −E[min(r_t Â_t, clip(r_t, 1−ε, 1+ε) Â_t)] + c_v E[(V(s_t) − V_t^targ)²]/2 − β_H E[H(π_θ(·|s_t))]
/// </code>
/// The log records per update: the KL(π_old ‖ π_new) over the batch, the fraction of clipped ratios,
/// entropy, losses, and (for the adaptive-KL variant) β.
/// </summary>
public static class Ppo
{
    public static TrainingResult Train(IVectorEnvironment environment, PpoConfig config)
    {
        if (environment.Count != config.Environments)
        {
            throw new ArgumentException($"PpoConfig.Environments is {config.Environments} but the environment has {environment.Count} copies.", nameof(environment));
        }
        manual_seed(config.Seed);
        var random = new Random(config.Seed);
        var clock = Stopwatch.StartNew();
        var policy = Policies.For(environment, config.Hidden, config.InitialLogStd);
        var value = new ValueNetwork(environment.ObservationSpace.Dimension, config.Hidden);
        var optimizer = optim.Adam(policy.parameters().Concat(value.parameters()), config.LearningRate, eps: 1e-5);
        var collector = new RolloutCollector(environment, config.Seed, config.NormalizeObservations);
        var log = new TrainingLog();
        var batchSize = config.Environments * config.StepsPerRollout;
        var updates = (int)(config.TotalSteps / batchSize);
        var klBeta = config.InitialKlBeta;

        for (var update = 0; update < updates; update++)
        {
            // 1. Learning rate, annealed linearly to 0 over the run.
            if (config.AnnealLearningRate)
            {
                Training.SetLearningRate(optimizer, config.LearningRate * (1.0 - (double)update / updates));
            }

            // 2. Rollout with π_old and GAE(γ, λ) advantages.
            using var buffer = collector.Collect(policy, value, config.StepsPerRollout, config.Gamma, config.RewardScale);
            buffer.ComputeAdvantages(config.Gamma, config.Lambda);
            using var oldScope = NewDisposeScope();
            ActionDistribution oldDistribution;
            using (no_grad())
            {
                oldDistribution = policy.call(buffer.Observations).Detach();   // π_old(·|s) for every state
            }

            // 3. Several epochs of minibatch gradient steps on the surrogate.
            double policyLoss = 0, valueLoss = 0, entropy = 0, clipFraction = 0;
            var minibatches = 0;
            for (var epoch = 0; epoch < config.Epochs; epoch++)
            {
                var order = Training.Permutation(batchSize, random);
                for (var start = 0; start < batchSize; start += config.MinibatchSize)
                {
                    using var scope = NewDisposeScope();
                    var indices = tensor(order[start..Math.Min(start + config.MinibatchSize, batchSize)]);
                    var observations = buffer.Observations.index_select(0, indices);    // [M, obs]
                    var actions = buffer.Actions.index_select(0, indices);              // [M] or [M, D]
                    var oldLogProbs = buffer.LogProbs.index_select(0, indices);         // [M]
                    var advantages = buffer.Advantages!.index_select(0, indices);       // [M]
                    var targets = buffer.ValueTargets!.index_select(0, indices);        // [M]
                    if (config.NormalizeAdvantages)
                    {
                        advantages = Training.Normalize(advantages);
                    }

                    var distribution = policy.call(observations);
                    var logRatio = distribution.LogProb(actions) - oldLogProbs;
                    var ratio = logRatio.exp();                                         // r_t(θ)
                    Tensor surrogateLoss;
                    if (config.Objective == PpoObjective.Clip)
                    {
                        var unclipped = ratio * advantages;
                        var clipped = ratio.clamp(1 - config.ClipEpsilon, 1 + config.ClipEpsilon) * advantages;
                        surrogateLoss = -minimum(unclipped, clipped).mean();
                    }
                    else
                    {
                        var kl = distribution.KlFrom(oldDistribution.Select(indices)).mean();
                        surrogateLoss = -(ratio * advantages).mean() + klBeta * kl;
                    }
                    var entropyBonus = distribution.Entropy().mean();
                    var valueError = value.call(observations) - targets;
                    var valueTerm = 0.5 * (valueError * valueError).mean();
                    var loss = surrogateLoss + config.ValueCoefficient * valueTerm - config.EntropyCoefficient * entropyBonus;

                    optimizer.zero_grad();
                    loss.backward();
                    nn.utils.clip_grad_norm_(policy.parameters().Concat(value.parameters()), config.MaxGradNorm);
                    optimizer.step();

                    policyLoss += surrogateLoss.item<float>();
                    valueLoss += valueTerm.item<float>();
                    entropy += entropyBonus.item<float>();
                    clipFraction += ((ratio - 1).abs() > config.ClipEpsilon).to_type(ScalarType.Float32).mean().item<float>();
                    minibatches++;
                }
            }

            // 4. KL(π_old ‖ π_new) over the whole batch; the adaptive-KL variant adjusts β from it.
            double updateKl;
            using (no_grad())
            {
                updateKl = policy.call(buffer.Observations).KlFrom(oldDistribution).mean().item<float>();
            }
            if (config.Objective == PpoObjective.AdaptiveKl)
            {
                if (updateKl > 1.5 * config.KlTarget)
                {
                    klBeta *= 2;
                }
                else if (updateKl < config.KlTarget / 1.5)
                {
                    klBeta /= 2;
                }
            }

            var episodes = collector.TakeCompletedEpisodes();
            log.Add(("step", collector.TotalSteps), ("episode_return", Training.MeanReturn(episodes)), ("episodes", episodes.Count),
                ("policy_loss", policyLoss / minibatches), ("value_loss", valueLoss / minibatches), ("kl", updateKl),
                ("entropy", entropy / minibatches), ("clip_fraction", clipFraction / minibatches), ("kl_beta", klBeta),
                ("wall_seconds", clock.Elapsed.TotalSeconds));
        }
        return new TrainingResult(policy, value, log, collector.Normalizer, collector.TotalSteps, clock.Elapsed.TotalSeconds);
    }
}

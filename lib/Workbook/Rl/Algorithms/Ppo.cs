using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Environments;
using Workbook.Training;
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
/// <param name="Objective">which surrogate PPO maximises: the clipped one or the adaptive KL penalty.</param>
/// <param name="TotalSteps">environment steps over the whole run, summed over the parallel environments.</param>
/// <param name="Environments">parallel environment copies N (must equal the vectorised environment's count).</param>
/// <param name="StepsPerRollout">steps T collected from every environment before each update.</param>
/// <param name="Epochs">passes over each rollout of N·T samples.</param>
/// <param name="MinibatchSize">samples per gradient step within an epoch.</param>
/// <param name="LearningRate">Adam's learning rate (the peak, when annealed).</param>
/// <param name="AnnealLearningRate">lower the learning rate linearly to 0 over the run.</param>
/// <param name="Gamma">discount γ.</param>
/// <param name="Lambda">GAE's λ: 0 trusts the critic (one-step TD), 1 is Monte Carlo.</param>
/// <param name="ClipEpsilon">ε of the clipped ratio clip(r, 1 − ε, 1 + ε); also the threshold of the logged clip fraction.</param>
/// <param name="KlTarget">the KL per update that PPO-KL's β is adapted to.</param>
/// <param name="InitialKlBeta">PPO-KL's starting penalty weight β.</param>
/// <param name="EntropyCoefficient">weight of the entropy bonus.</param>
/// <param name="ValueCoefficient">weight c_v of the critic's loss in the combined loss.</param>
/// <param name="MaxGradNorm">global gradient-norm bound of every step.</param>
/// <param name="NormalizeAdvantages">normalise the advantages of each (mini)batch to mean 0, std 1.</param>
/// <param name="NormalizeObservations">normalise observations with running mean and std (kept in the result's Normalizer).</param>
/// <param name="Hidden">hidden layer widths of the MLP actor and critic (64, 64 when null) when the algorithm builds them.</param>
/// <param name="InitialLogStd">starting log σ of a Gaussian policy (box action spaces).</param>
/// <param name="RewardScale">rewards are multiplied by this before learning (returns are logged unscaled).</param>
/// <param name="Seed">seeds torch's generator (initial weights, action sampling), the minibatch order and the environments' resets.</param>
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
    int Seed = 0)
{
    /// <summary>An optional progress sink (for example <see cref="Workbook.Charts.LiveTraining"/>): each log row's step and episode return.</summary>
    public IProgress<Workbook.Training.TrainingProgress>? Progress { get; init; }
}

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
/// <para>
/// Two seams, so that a variant runs from a notebook cell without copying this file: <c>networks</c> replaces the
/// MLP actor-critic (any <see cref="Policy"/> and value module), and <c>pieces</c> replaces a loss piece, called inside
/// this loop on every minibatch: the policy loss (default <see cref="ClipLoss"/> or <see cref="KlPenaltyLoss"/>), the
/// value loss (<see cref="ValueLoss"/>) or the GAE over each environment's rollout (<see cref="LossPieces.Advantages"/>).
/// To change more, copy this one file into a cell and edit the loop: it reads top to bottom.
/// </para>
/// </summary>
public static class Ppo
{
    /// <summary>Trains on <paramref name="environment"/>; <paramref name="networks"/> and <paramref name="pieces"/> default to the MLPs and PPO's own losses.</summary>
    public static TrainingResult Train(IVectorEnvironment environment, PpoConfig config, ActorCritic? networks = null, LossPieces? pieces = null)
    {
        if (environment.Count != config.Environments)
        {
            throw new ArgumentException($"PpoConfig.Environments is {config.Environments} but the environment has {environment.Count} copies.", nameof(environment));
        }
        manual_seed(config.Seed);
        var random = new Random(config.Seed);
        var clock = Stopwatch.StartNew();
        var (policy, value) = networks ?? ActorCritic.Mlp(environment, config.Hidden, config.InitialLogStd);
        var parameters = policy.parameters().Concat(value.parameters()).ToArray();
        Func<PolicyBatch, Tensor> policyLoss = pieces?.Policy ?? (config.Objective == PpoObjective.Clip ? b => ClipLoss(b, config.ClipEpsilon) : KlPenaltyLoss);
        var valueLoss = pieces?.Value ?? ValueLoss;
        var optimizer = optim.Adam(parameters, config.LearningRate, eps: 1e-5);
        var collector = new RolloutCollector(environment, config.Seed, config.NormalizeObservations);
        var log = RlLogs.Create().ReportTo(config.Progress, "episode_return", config.TotalSteps);
        var batchSize = config.Environments * config.StepsPerRollout;
        var updates = (int)(config.TotalSteps / batchSize);
        var klBeta = config.InitialKlBeta;

        for (var update = 0; update < updates; update++)
        {
            // 1. Learning rate, annealed linearly to 0 over the run.
            if (config.AnnealLearningRate)
            {
                Optimizers.SetLearningRate(optimizer, config.LearningRate * (1.0 - (double)update / updates));
            }

            // 2. Rollout with π_old and GAE(γ, λ) advantages.
            using var buffer = collector.Collect(policy, value, config.StepsPerRollout, config.Gamma, config.RewardScale);
            buffer.ComputeAdvantages(config.Gamma, config.Lambda, pieces?.Advantages);
            using var oldScope = NewDisposeScope();
            var samples = buffer.Samples();                                    // T·N samples
            ActionDistribution oldDistribution;
            using (no_grad())
            {
                oldDistribution = policy.call(samples.Observations).Detach();  // π_old(·|s) for every state
            }

            // 3. Several epochs of minibatch gradient steps on the surrogate.
            double policyLossSum = 0, valueLossSum = 0, entropy = 0, clipFraction = 0;
            var minibatches = 0;
            for (var epoch = 0; epoch < config.Epochs; epoch++)
            {
                var order = Minibatches.Permutation(batchSize, random);
                for (var start = 0; start < batchSize; start += config.MinibatchSize)
                {
                    using var scope = NewDisposeScope();
                    var indices = tensor(order[start..Math.Min(start + config.MinibatchSize, batchSize)]);
                    var observations = samples.Observations.index_select(0, indices);   // [M, obs]
                    var actions = samples.Actions.index_select(0, indices);             // [M] or [M, D]
                    var oldLogProbs = samples.LogProbs.index_select(0, indices);        // [M]
                    var advantages = samples.Advantages.index_select(0, indices);       // [M]
                    var targets = samples.ValueTargets.index_select(0, indices);        // [M]
                    if (config.NormalizeAdvantages)
                    {
                        advantages = Returns.NormalizeBatch(advantages);
                    }

                    var distribution = policy.call(observations);
                    var batch = new PolicyBatch(distribution, actions, distribution.LogProb(actions), oldLogProbs, advantages, oldDistribution.Select(indices), klBeta);
                    var ratio = batch.Ratio;                                            // r_t(θ), for the clip fraction
                    var surrogateLoss = policyLoss(batch);                              // compute_loss_pi
                    var entropyBonus = distribution.Entropy().mean();
                    var valueTerm = valueLoss(value.call(observations), targets);       // compute_loss_v
                    var loss = surrogateLoss + config.ValueCoefficient * valueTerm - config.EntropyCoefficient * entropyBonus;

                    optimizer.zero_grad();
                    loss.backward();
                    nn.utils.clip_grad_norm_(parameters, config.MaxGradNorm);
                    optimizer.step();

                    policyLossSum += surrogateLoss.item<float>();
                    valueLossSum += valueTerm.item<float>();
                    entropy += entropyBonus.item<float>();
                    clipFraction += ((ratio - 1).abs() > config.ClipEpsilon).to_type(ScalarType.Float32).mean().item<float>();
                    minibatches++;
                }
            }

            // 4. KL(π_old ‖ π_new) over the whole batch; the adaptive-KL variant adjusts β from it.
            double updateKl;
            using (no_grad())
            {
                updateKl = policy.call(samples.Observations).KlFrom(oldDistribution).mean().item<float>();
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
            log.Add(("step", collector.TotalSteps), ("episode_return", Returns.Mean(episodes)), ("episodes", episodes.Count),
                ("policy_loss", policyLossSum / minibatches), ("value_loss", valueLossSum / minibatches), ("kl", updateKl),
                ("entropy", entropy / minibatches), ("clip_fraction", clipFraction / minibatches), ("kl_beta", klBeta),
                ("wall_seconds", clock.Elapsed.TotalSeconds));
        }
        config.Progress?.Report(new Workbook.Training.TrainingProgress(Math.Max(collector.TotalSteps, config.TotalSteps), config.TotalSteps, "episode_return", double.NaN));
        return new TrainingResult(policy, value, log, collector.Normalizer, collector.TotalSteps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>PPO-clip's policy loss −E[min(r_t Â_t, clip(r_t, 1 − ε, 1 + ε) Â_t)] (Notes A, Q7).</summary>
    public static Tensor ClipLoss(PolicyBatch batch, double epsilon)
    {
        var ratio = batch.Ratio;
        var unclipped = ratio * batch.Advantages;
        var clipped = ratio.clamp(1 - epsilon, 1 + epsilon) * batch.Advantages;
        return -minimum(unclipped, clipped).mean();
    }

    /// <summary>PPO-KL's policy loss −E[r_t Â_t] + β E[KL(π_old ‖ π_θ)], with β = <see cref="PolicyBatch.KlBeta"/>.</summary>
    public static Tensor KlPenaltyLoss(PolicyBatch batch)
    {
        var old = batch.OldDistribution ?? throw new ArgumentException("PPO-KL's loss needs the old distribution", nameof(batch));
        var kl = batch.Distribution.KlFrom(old).mean();
        return -(batch.Ratio * batch.Advantages).mean() + batch.KlBeta * kl;
    }

    /// <summary>The critic's loss ½ E[(V(s_t) − V_t^targ)²].</summary>
    public static Tensor ValueLoss(Tensor values, Tensor targets)
    {
        var error = values - targets;
        return 0.5 * (error * error).mean();
    }
}

using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl.Algorithms;

/// <summary>Advantage actor-critic hyperparameters (one gradient step per rollout of N × T steps).</summary>
/// <param name="TotalSteps">environment steps over the whole run, summed over the parallel environments.</param>
/// <param name="Environments">parallel environment copies N (must equal the vectorised environment's count).</param>
/// <param name="StepsPerRollout">steps T collected from every environment before each update.</param>
/// <param name="LearningRate">Adam's learning rate (actor and critic together).</param>
/// <param name="Gamma">discount γ.</param>
/// <param name="Lambda">GAE's λ: 0 trusts the critic (one-step TD), 1 is Monte Carlo.</param>
/// <param name="EntropyCoefficient">weight of the entropy bonus.</param>
/// <param name="ValueCoefficient">weight c_v of the critic's loss in the combined loss.</param>
/// <param name="MaxGradNorm">global gradient-norm bound of every step.</param>
/// <param name="NormalizeAdvantages">normalise the advantages of each (mini)batch to mean 0, std 1.</param>
/// <param name="NormalizeObservations">normalise observations with running mean and std (kept in the result's Normalizer).</param>
/// <param name="Hidden">hidden layer widths of the MLP actor and critic (64, 64 when null) when the algorithm builds them.</param>
/// <param name="InitialLogStd">starting log σ of a Gaussian policy (box action spaces).</param>
/// <param name="RewardScale">rewards are multiplied by this before learning (returns are logged unscaled).</param>
/// <param name="Seed">seeds torch's generator (initial weights, action sampling), the minibatch order and the environments' resets.</param>
public sealed record A2cConfig(
    long TotalSteps = 60_000,
    int Environments = 8,
    int StepsPerRollout = 16,
    double LearningRate = 1e-3,
    double Gamma = 0.99,
    double Lambda = 0.95,
    double EntropyCoefficient = 0.01,
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
/// Advantage actor-critic, synchronous (A2C; Notes §7.4 and A, Q4-Q5): the critic V_φ replaces Monte
/// Carlo returns with bootstrapped GAE(λ) advantages, so the actor can learn from short rollouts of
/// N parallel environments instead of whole episodes:
/// <code>
/// Â_t = Σ_l (γλ)^l δ_{t+l},  δ_t = r_t + γ V(s_{t+1}) − V(s_t)
/// L = −E[log π_θ(a_t|s_t) Â_t] + c_v E[(V_φ(s_t) − (Â_t + V(s_t)))²]/2 − β E[H(π_θ(·|s_t))]
/// </code>
/// λ trades bias (λ = 0: trust the critic) against variance (λ = 1: Monte Carlo); β is the entropy weight.
/// <para>
/// Seams, as in <see cref="Ppo"/>: <c>networks</c> replaces the MLP actor-critic; <c>pieces</c> replaces the policy loss
/// (<see cref="PolicyLoss"/>), the value loss (<see cref="ValueLoss"/>) or the GAE that turns each environment's rollout into
/// advantages (a student's GAE trains A2C this way). Copy the file into a cell to change anything else.
/// </para>
/// </summary>
public static class A2c
{
    /// <summary>Trains on <paramref name="environment"/>; <paramref name="networks"/> and <paramref name="pieces"/> default to the MLPs and A2C's own losses.</summary>
    public static TrainingResult Train(IVectorEnvironment environment, A2cConfig config, ActorCritic? networks = null, LossPieces? pieces = null)
    {
        if (environment.Count != config.Environments)
        {
            throw new ArgumentException($"A2cConfig.Environments is {config.Environments} but the environment has {environment.Count} copies.", nameof(environment));
        }
        manual_seed(config.Seed);
        var clock = Stopwatch.StartNew();
        var (policy, value) = networks ?? ActorCritic.Mlp(environment, config.Hidden, config.InitialLogStd);
        var parameters = policy.parameters().Concat(value.parameters()).ToArray();
        var policyLoss = pieces?.Policy ?? PolicyLoss;
        var valueLoss = pieces?.Value ?? ValueLoss;
        var optimizer = optim.Adam(parameters, config.LearningRate);
        var collector = new RolloutCollector(environment, config.Seed, config.NormalizeObservations);
        var log = RlLogs.Create().ReportTo(config.Progress, "episode_return", config.TotalSteps);
        var updates = (int)(config.TotalSteps / (config.Environments * config.StepsPerRollout));

        for (var update = 0; update < updates; update++)
        {
            // 1. A short rollout and its GAE(λ) advantages.
            using var buffer = collector.Collect(policy, value, config.StepsPerRollout, config.Gamma, config.RewardScale);
            buffer.ComputeAdvantages(config.Gamma, config.Lambda, pieces?.Advantages);
            using var scope = NewDisposeScope();
            var (observations, actions, oldLogProbs, rawAdvantages, targets) = buffer.Samples();   // T·N samples
            var advantages = config.NormalizeAdvantages ? Returns.NormalizeBatch(rawAdvantages) : rawAdvantages;

            // 2. One step on actor loss + critic loss − entropy bonus.
            var distribution = policy.call(observations);
            var actorLoss = policyLoss(new PolicyBatch(distribution, actions, distribution.LogProb(actions), oldLogProbs, advantages)); // compute_loss_pi
            var entropy = distribution.Entropy().mean();
            var criticLoss = valueLoss(value.call(observations), targets);                                                     // compute_loss_v
            var loss = actorLoss + config.ValueCoefficient * criticLoss - config.EntropyCoefficient * entropy;
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(parameters, config.MaxGradNorm);
            optimizer.step();

            double kl;
            using (no_grad())
            {
                kl = policy.call(observations).KlFrom(distribution.Detach()).mean().item<float>();
            }
            var episodes = collector.TakeCompletedEpisodes();
            log.Add(("step", collector.TotalSteps), ("episode_return", Returns.Mean(episodes)), ("episodes", episodes.Count),
                ("policy_loss", actorLoss.item<float>()), ("value_loss", criticLoss.item<float>()), ("kl", kl),
                ("entropy", entropy.item<float>()), ("wall_seconds", clock.Elapsed.TotalSeconds));
        }
        config.Progress?.Report(new Workbook.Training.TrainingProgress(Math.Max(collector.TotalSteps, config.TotalSteps), config.TotalSteps, "episode_return", double.NaN));
        return new TrainingResult(policy, value, log, collector.Normalizer, collector.TotalSteps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The actor's loss −E[log π_θ(a_t|s_t) Â_t] (the policy-gradient pseudo-loss; Â carries no gradient).</summary>
    public static Tensor PolicyLoss(PolicyBatch batch) => -(batch.LogProbs * batch.Advantages).mean();

    /// <summary>The critic's loss ½ E[(V_φ(s_t) − (Â_t + V(s_t)))²].</summary>
    public static Tensor ValueLoss(Tensor values, Tensor targets)
    {
        var error = values - targets;
        return 0.5 * (error * error).mean();
    }
}

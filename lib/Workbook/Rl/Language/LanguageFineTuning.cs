using System.Diagnostics;
using TorchSharp;
using Workbook.Rl.Algorithms;
using Workbook.Training;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Rl.Language;

/// <summary>Which policy-gradient update <see cref="LanguageFineTuning"/> makes from each batch of episodes.</summary>
public enum LanguageAlgorithm
{
    /// <summary>REINFORCE with a baseline: one gradient step on −E[log π(a_t|s_t) Â_t] per batch.</summary>
    Reinforce,
    /// <summary>PPO-clip: several epochs of minibatch steps on the clipped surrogate (<see cref="Ppo.ClipLoss"/>) per batch.</summary>
    Ppo,
}

/// <summary>The per-token KL-penalised reward: (judge rewards [N], log π [N, T], log π_ref [N, T], mask [N, T], β) → r [N, T].</summary>
public delegate Tensor KlPenalisedReward(Tensor judgeRewards, Tensor logProbs, Tensor referenceLogProbs, Tensor mask, double beta);

/// <summary>
/// Settings of <see cref="LanguageFineTuning.Train"/>.
/// </summary>
/// <param name="Algorithm">REINFORCE with a baseline or PPO-clip.</param>
/// <param name="Updates">policy updates; each samples a fresh batch (samples in all: Updates × BatchSize episodes).</param>
/// <param name="BatchSize">episodes sampled per update, N.</param>
/// <param name="KlBeta">β of the per-token KL penalty −β (log π − log π_ref); 0 turns it off.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="Epochs">PPO: passes over each batch (REINFORCE makes one step).</param>
/// <param name="Minibatches">PPO: minibatches per epoch (of whole episodes).</param>
/// <param name="ClipEpsilon">PPO's ε.</param>
/// <param name="MaxGradNorm">global gradient-norm bound of every step.</param>
/// <param name="Seed">seeds the sampling generator and the minibatch order.</param>
public sealed record LanguageFineTuningConfig(
    LanguageAlgorithm Algorithm = LanguageAlgorithm.Ppo,
    int Updates = 20,
    int BatchSize = 64,
    double KlBeta = 0.05,
    double LearningRate = 1e-3,
    int Epochs = 4,
    int Minibatches = 4,
    double ClipEpsilon = 0.2,
    double MaxGradNorm = 1.0,
    int Seed = 0);

/// <summary>What <see cref="LanguageFineTuning.Train"/> returns: the fine-tuned policy and one log row per update.</summary>
/// <param name="Policy">the fine-tuned policy (the reference is left unchanged).</param>
/// <param name="Log">per update: reward, accepted_share, kl (nats per episode), token_entropy, distinct_share, length, seconds.</param>
public sealed record LanguageFineTuningResult(Gpt Policy, TrainingLog Log);

/// <summary>
/// RL fine-tuning of a GPT as the policy of a <see cref="LanguageMdp"/>, with a per-token KL penalty to the pretrained
/// reference as RL fine-tuning of language models does (Ziegler et al. 2019; Ouyang et al. 2022). Each update samples
/// N episodes, turns the judge's reward and the penalty into per-token rewards
/// r_t = −β (log π(a_t|s_t) − log π_ref(a_t|s_t)) + [t = last] R, takes the reward-to-go G_t (γ = 1) minus a baseline, the
/// batch mean of G_t over the episodes still running at t, normalises these advantages over the batch's tokens, and
/// makes one REINFORCE step or PPO's epochs of clipped steps. Reads top to bottom.
/// </summary>
public static class LanguageFineTuning
{
    /// <summary>Fine-tunes a copy of <paramref name="reference"/>; <paramref name="reward"/> replaces the per-token reward (a student's).</summary>
    /// <param name="reference">the pretrained model: the starting policy and the KL anchor (not changed).</param>
    /// <param name="mdp">the language MDP, with its judge.</param>
    /// <param name="config">the settings.</param>
    /// <param name="grammatical">logs the share of episodes it accepts (the grammar's recogniser), when given.</param>
    /// <param name="reward">the per-token KL-penalised reward (default <see cref="KlPenalisedRewards"/>).</param>
    /// <param name="onUpdate">called after each update with the log so far (to print progress).</param>
    public static LanguageFineTuningResult Train(Gpt reference, LanguageMdp mdp, LanguageFineTuningConfig config,
        Func<string, bool>? grammatical = null, KlPenalisedReward? reward = null, Action<TrainingLog>? onUpdate = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(mdp);
        ArgumentNullException.ThrowIfNull(config);
        reward ??= KlPenalisedRewards;
        var policy = LanguageRollouts.Copy(reference);
        policy.eval();                                   // no dropout in the policy's gradient either
        reference.eval();
        var optimizer = optim.Adam(policy.parameters(), config.LearningRate);
        using var generator = new Generator((ulong)config.Seed);
        var random = new Random(config.Seed);
        var log = new TrainingLog("update", "reward", "accepted_share", "kl", "token_entropy", "distinct_share", "length", "seconds");
        var clock = Stopwatch.StartNew();
        for (var update = 0; update < config.Updates; update++)
        {
            using var scope = NewDisposeScope();
            var batch = LanguageRollouts.Sample(policy, reference, mdp, config.BatchSize, generator);
            log.Add(("update", update), ("reward", batch.MeanReward),
                ("accepted_share", grammatical is null ? double.NaN : batch.AcceptedShare(grammatical)),
                ("kl", batch.SequenceKl), ("token_entropy", batch.MeanTokenEntropy), ("distinct_share", batch.DistinctShare),
                ("length", batch.Mask.sum(1).mean().item<float>()), ("seconds", clock.Elapsed.TotalSeconds));

            // Per-token rewards and advantages (no gradient): the KL penalty uses the sampling policy's log-probabilities.
            var judged = tensor(batch.Rewards).to_type(ScalarType.Float32);                                 // [N]
            var rewards = reward(judged, batch.LogProbs, batch.ReferenceLogProbs, batch.Mask, config.KlBeta);  // [N, T]
            var advantages = Advantages(rewards, batch.Mask);                                                 // [N, T]
            var promptLength = mdp.Prompt.Count;

            if (config.Algorithm == LanguageAlgorithm.Reinforce)
            {
                var logProbs = LanguageRollouts.LogProbabilities(policy, batch.Tokens, promptLength)
                    .gather(2, batch.Actions.unsqueeze(2)).squeeze(2);                                       // [N, T]
                var loss = -(logProbs * advantages * batch.Mask).sum() / batch.Mask.sum();
                Step(optimizer, loss, policy, config.MaxGradNorm);
            }
            else
            {
                var size = (int)Math.Ceiling(config.BatchSize / (double)config.Minibatches);
                for (var epoch = 0; epoch < config.Epochs; epoch++)
                {
                    var order = Minibatches.Permutation(config.BatchSize, random);
                    for (var start = 0; start < config.BatchSize; start += size)
                    {
                        using var inner = NewDisposeScope();
                        var rows = tensor(order[start..Math.Min(config.BatchSize, start + size)]);
                        var mask = batch.Mask.index_select(0, rows);
                        var valid = mask.flatten().nonzero().squeeze(1);                                     // the tokens the episodes took
                        var logAll = LanguageRollouts.LogProbabilities(policy, batch.Tokens.index_select(0, rows), promptLength);  // [n, T, V]
                        var vocabulary = logAll.shape[2];
                        var distribution = new CategoricalDistribution(logAll.reshape(-1, vocabulary).index_select(0, valid));
                        var actions = batch.Actions.index_select(0, rows).flatten().index_select(0, valid);
                        var pieces = new PolicyBatch(distribution, actions, distribution.LogProb(actions),
                            batch.LogProbs.index_select(0, rows).flatten().index_select(0, valid),
                            advantages.index_select(0, rows).flatten().index_select(0, valid));
                        Step(optimizer, Ppo.ClipLoss(pieces, config.ClipEpsilon), policy, config.MaxGradNorm);
                    }
                }
            }
            onUpdate?.Invoke(log);
        }
        return new LanguageFineTuningResult(policy, log);
    }

    /// <summary>
    /// The per-token KL-penalised reward (the exercise of notebook 25; internal so that no call answers it):
    /// r_t = −β (log π(a_t|s_t) − log π_ref(a_t|s_t)) on every action the episode took, plus the judge's reward on its last
    /// action; 0 on padding. Shapes: [N], [N, T], [N, T], [N, T] → [N, T].
    /// </summary>
    internal static Tensor KlPenalisedRewards(Tensor judgeRewards, Tensor logProbs, Tensor referenceLogProbs, Tensor mask, double beta)
    {
        var penalty = -beta * TokenKl.SampleEstimate(logProbs, referenceLogProbs) * mask;                  // [N, T]
        var last = (mask.sum(1) - 1).to_type(ScalarType.Int64).unsqueeze(1);                               // [N, 1]: the last action taken
        var terminal = zeros_like(penalty).scatter(1, last, judgeRewards.to_type(penalty.dtype).unsqueeze(1));
        return penalty + terminal;
    }

    /// <summary>
    /// Token-level advantages: the reward-to-go G_t = Σ_{k ≥ t} r_k (γ = 1) minus the mean of G_t over the episodes still
    /// running at t, normalised to mean 0 and standard deviation 1 over the batch's actions; 0 on padding. [N, T] → [N, T].
    /// </summary>
    public static Tensor Advantages(Tensor rewards, Tensor mask)
    {
        var toGo = rewards.flip(1).cumsum(1).flip(1) * mask;                                                // [N, T]
        var running = mask.sum(0).clamp_min(1);                                                              // [T]
        var baseline = toGo.sum(0) / running;                                                                // [T]
        var advantage = (toGo - baseline) * mask;
        var count = mask.sum();
        var mean = advantage.sum() / count;
        var std = (((advantage - mean) * mask).pow(2).sum() / count).sqrt();
        return (advantage - mean) / (std + 1e-8) * mask;
    }

    private static void Step(optim.Optimizer optimizer, Tensor loss, Gpt policy, double maxGradNorm)
    {
        optimizer.zero_grad();
        loss.backward();
        GradientClipping.ClipByNorm(policy.parameters(), maxGradNorm);
        optimizer.step();
    }
}

using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Rl.Language;

/// <summary>
/// A batch of N episodes of the <see cref="LanguageMdp"/>, padded to the longest, T actions. Position t of a row is the
/// t-th action; after an episode's end token the row is padded with the end token and masked out.
/// </summary>
/// <param name="Tokens">prompt and actions: [N, P + T] int64.</param>
/// <param name="Actions">the actions: [N, T] int64.</param>
/// <param name="Mask">1 for the actions the episode took (up to and including its end token), 0 for padding: [N, T] float32.</param>
/// <param name="LogProbs">log π(a_t|s_t) of the policy that sampled, no gradient: [N, T].</param>
/// <param name="ReferenceLogProbs">log π_ref(a_t|s_t) of the reference (pretrained) model: [N, T].</param>
/// <param name="TokenKl">the exact KL(π(·|s_t) ‖ π_ref(·|s_t)) over the whole vocabulary at every position: [N, T].</param>
/// <param name="TokenEntropy">the entropy H(π(·|s_t)) at every position: [N, T].</param>
/// <param name="Rewards">the judge's reward of each episode: N values.</param>
/// <param name="Texts">each episode's text (no end token).</param>
/// <param name="Ended">whether each episode ended with the end token (not by the cap).</param>
public sealed record LanguageRollout(Tensor Tokens, Tensor Actions, Tensor Mask, Tensor LogProbs, Tensor ReferenceLogProbs,
    Tensor TokenKl, Tensor TokenEntropy, double[] Rewards, string[] Texts, bool[] Ended)
{
    /// <summary>Episodes in the batch, N.</summary>
    public int Count => Rewards.Length;

    /// <summary>Σ_t KL(π ‖ π_ref) over each episode's own tokens, averaged over the episodes (nats per episode).</summary>
    public double SequenceKl => (TokenKl * Mask).sum(1).mean().item<float>();

    /// <summary>The per-token entropy averaged over every action taken (nats).</summary>
    public double MeanTokenEntropy => ((TokenEntropy * Mask).sum() / Mask.sum()).item<float>();

    /// <summary>The share of distinct texts among the N episodes.</summary>
    public double DistinctShare => Texts.Distinct().Count() / (double)Count;

    /// <summary>The mean judge reward.</summary>
    public double MeanReward => Rewards.Average();

    /// <summary>The share of episodes that ended by themselves and whose text <paramref name="accepts"/> accepts.</summary>
    public double AcceptedShare(Func<string, bool> accepts) =>
        Texts.Zip(Ended).Count(p => p.Second && accepts(p.First)) / (double)Count;
}

/// <summary>Sampling episodes of the <see cref="LanguageMdp"/> from a GPT policy, and scoring token sequences under a model.</summary>
public static class LanguageRollouts
{
    /// <summary>
    /// Samples <paramref name="count"/> episodes from <paramref name="policy"/> (temperature 1, the policy's own distribution),
    /// reproducibly through <paramref name="generator"/>, and scores them under the policy and <paramref name="reference"/>.
    /// The whole episode must fit the model's context: prompt + cap ≤ context length.
    /// </summary>
    public static LanguageRollout Sample(Gpt policy, Gpt reference, LanguageMdp mdp, int count, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(mdp);
        var promptLength = mdp.Prompt.Count;
        if (promptLength + mdp.MaxTokens > policy.Config.ContextLength)
        {
            throw new ArgumentException($"prompt ({promptLength}) + cap ({mdp.MaxTokens}) exceeds the context length {policy.Config.ContextLength}");
        }
        var wasTraining = policy.training;
        policy.eval();
        var tokens = tensor(mdp.Prompt.Select(t => (long)t).ToArray()).unsqueeze(0).repeat(count, 1);     // [N, P]
        var ended = zeros(count, dtype: ScalarType.Bool);                                                  // [N]
        using (no_grad())
        {
            for (var step = 0; step < mdp.MaxTokens; step++)
            {
                var probabilities = policy.call(tokens)[.., -1].softmax(-1);                                // [N, V]
                var next = multinomial(probabilities, 1, generator: generator).squeeze(1);                 // [N]
                next = where(ended, full_like(next, mdp.EndToken), next);                                  // padding after the end
                tokens = cat(new[] { tokens, next.unsqueeze(1) }, 1);
                ended = ended.logical_or(next.eq(mdp.EndToken));
                if (ended.all().item<bool>())
                {
                    break;
                }
            }
        }
        policy.train(wasTraining);
        var actions = tokens[.., promptLength..];                                                          // [N, T]
        var isEnd = actions.eq(mdp.EndToken).to_type(ScalarType.Float32);
        var mask = (isEnd.cumsum(1) - isEnd).eq(0).to_type(ScalarType.Float32);                            // no end before t
        Tensor logProbs, referenceLogProbs, tokenKl, tokenEntropy;
        using (no_grad())
        {
            var policyLog = LogProbabilities(policy, tokens, promptLength);                                 // [N, T, V]
            var referenceLog = LogProbabilities(reference, tokens, promptLength);
            logProbs = policyLog.gather(2, actions.unsqueeze(2)).squeeze(2);
            referenceLogProbs = referenceLog.gather(2, actions.unsqueeze(2)).squeeze(2);
            tokenKl = TokenKl.Exact(policyLog, referenceLog);
            tokenEntropy = -(policyLog.exp() * policyLog).sum(-1);
        }
        var rows = actions.data<long>().ToArray();
        var width = (int)actions.shape[1];
        var generated = Enumerable.Range(0, count).Select(i => rows.Skip(i * width).Take(width).Select(v => (int)v).ToArray()).ToArray();
        var texts = generated.Select(mdp.Text).ToArray();
        var endedRows = generated.Select(mdp.Ended).ToArray();
        // The MDP's reward: the judge scores the finished text (cut by the cap or ended by the end token).
        var rewards = texts.Select(mdp.Judge.Score).ToArray();
        return new LanguageRollout(tokens, actions, mask, logProbs, referenceLogProbs, tokenKl, tokenEntropy, rewards, texts, endedRows);
    }

    /// <summary>
    /// log π(·|s_t) for every action position of <paramref name="tokens"/> [N, P + T]: the model reads tokens 0..P+T−2 and
    /// position P−1+t predicts action t. Returns [N, T, V]; carries gradients when called outside no_grad.
    /// </summary>
    public static Tensor LogProbabilities(Gpt model, Tensor tokens, int promptLength)
    {
        var logits = model.call(tokens[.., ..^1]);                                                         // [N, P+T-1, V]
        return logits[.., (promptLength - 1)..].log_softmax(-1);                                           // [N, T, V]
    }

    /// <summary>A copy of <paramref name="model"/> with the same configuration and weights (the policy starts as the reference).</summary>
    public static Gpt Copy(Gpt model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var copy = new Gpt(model.Config);
        copy.load_state_dict(model.state_dict());
        return copy;
    }
}

/// <summary>KL divergences between two token distributions, per position.</summary>
public static class TokenKl
{
    /// <summary>KL(p ‖ q) = Σ_v p_v (log p_v − log q_v) over the last dimension, from log-probabilities: [..., V] → [...].</summary>
    public static Tensor Exact(Tensor logP, Tensor logQ) => (logP.exp() * (logP - logQ)).sum(-1);

    /// <summary>
    /// The one-sample estimate log p(a) − log q(a) at the sampled token a ~ p (unbiased for KL(p ‖ q); what the per-token
    /// penalty of RL fine-tuning subtracts): [..] → [..].
    /// </summary>
    public static Tensor SampleEstimate(Tensor logPOfAction, Tensor logQOfAction) => logPOfAction - logQOfAction;
}

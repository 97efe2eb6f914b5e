using static TorchSharp.torch;

namespace Workbook.Rl.Algorithms;

/// <summary>
/// What a policy-loss piece (Spinning Up's <c>compute_loss_pi</c>) is given for one batch or minibatch. All tensors
/// have one row per sample, B rows; <see cref="Distribution"/> and <see cref="LogProbs"/> carry gradients.
/// </summary>
/// <param name="Distribution">π_θ(·|s) of the batch's states under the parameters being trained.</param>
/// <param name="Actions">the actions taken: [B] (discrete) or [B, D] (continuous).</param>
/// <param name="LogProbs">log π_θ(a|s): [B].</param>
/// <param name="OldLogProbs">log π_old(a|s) of the policy that collected the data: [B], no gradient.</param>
/// <param name="Advantages">Â: [B] (already normalised when the config asks for it), no gradient.</param>
/// <param name="OldDistribution">π_old(·|s), detached (PPO and TRPO; null in A2C, where π_old is π_θ).</param>
/// <param name="KlBeta">the current KL penalty weight β of PPO-KL (0 elsewhere).</param>
public sealed record PolicyBatch(ActionDistribution Distribution, Tensor Actions, Tensor LogProbs, Tensor OldLogProbs, Tensor Advantages,
    ActionDistribution? OldDistribution = null, double KlBeta = 0.0)
{
    /// <summary>The probability ratio r_t(θ) = π_θ(a|s) / π_old(a|s) = exp(log π_θ − log π_old): [B].</summary>
    public Tensor Ratio => (LogProbs - OldLogProbs).exp();
}

/// <summary>
/// The loss pieces of an actor-critic algorithm that a caller may replace; a null piece keeps the algorithm's own
/// (the named defaults in each algorithm's file, e.g. <see cref="Ppo.ClipLoss"/>). Each piece is called inside the
/// real training loop, every (mini)batch.
/// </summary>
/// <param name="Policy">compute_loss_pi: a <see cref="PolicyBatch"/> → the scalar loss that the policy's gradient step minimises.</param>
/// <param name="Value">compute_loss_v: (V_φ(s) [B], value targets [B]) → the scalar critic loss.</param>
/// <param name="Advantages">
/// GAE over one environment's whole rollout (an <see cref="AdvantageEstimator"/>, what <see cref="RlExercises.CheckGae"/> checks),
/// in place of the built-in GAE over all environments at once. It is called once per environment and rollout, and the value
/// targets become Â + V.
/// </param>
public sealed record LossPieces(
    Func<PolicyBatch, Tensor>? Policy = null,
    Func<Tensor, Tensor, Tensor>? Value = null,
    AdvantageEstimator? Advantages = null);

using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// T steps of N environments gathered with one policy, every tensor indexed [t, i] as in CleanRL's storage: observations,
/// actions, log π_old(a|s), values, rewards, dones, and after <see cref="ComputeAdvantages"/> the GAE advantages and value
/// targets. <see cref="Samples"/> views them as T·N samples for the update. Dispose it to free its tensors.
/// </summary>
public sealed class RolloutBuffer : IDisposable
{
    internal RolloutBuffer(Tensor observations, Tensor actions, Tensor logProbs, Tensor values, Tensor rewards, Tensor dones, Tensor lastValues)
    {
        Observations = observations;
        Actions = actions;
        LogProbs = logProbs;
        Values = values;
        Rewards = rewards;
        Dones = dones;
        LastValues = lastValues;
    }

    public int Steps => (int)Rewards.shape[0];
    public int Environments => (int)Rewards.shape[1];
    public int Size => Steps * Environments;
    /// <summary>[T, N, obs]</summary>
    public Tensor Observations { get; }
    /// <summary>[T, N] int64 or [T, N, D] float</summary>
    public Tensor Actions { get; }
    /// <summary>log π_old(a_t|s_t): [T, N]</summary>
    public Tensor LogProbs { get; }
    /// <summary>V(s_t) when collected: [T, N] (zeros without a value network).</summary>
    public Tensor Values { get; }
    /// <summary>r_t: [T, N], with γ V(final observation) added where an episode was truncated.</summary>
    public Tensor Rewards { get; }
    /// <summary>d_t: [T, N] bool, true where the episode ended after step t (terminated or truncated).</summary>
    public Tensor Dones { get; }
    /// <summary>V of the observation after the last step: [N].</summary>
    public Tensor LastValues { get; }
    /// <summary>Â: [T, N], set by <see cref="ComputeAdvantages"/>.</summary>
    public Tensor? Advantages { get; private set; }
    /// <summary>Value targets Â + V: [T, N], set by <see cref="ComputeAdvantages"/>.</summary>
    public Tensor? ValueTargets { get; private set; }

    /// <summary>
    /// Fills <see cref="Advantages"/> and <see cref="ValueTargets"/> (Â + V) with GAE(γ, λ) over the whole [T, N] rollout
    /// (<see cref="Returns.Gae(Tensor, Tensor, Tensor, Tensor, double, double)"/>, in float64). With <paramref name="estimator"/>
    /// (for example a student's GAE) that function computes each environment's advantages instead, once per environment.
    /// </summary>
    public void ComputeAdvantages(double gamma, double lambda, AdvantageEstimator? estimator = null)
    {
        using var scope = NewDisposeScope();
        var advantages = estimator is null
            ? Returns.Gae(Rewards, Values, Dones, LastValues, gamma, lambda)
            : Returns.ByEnvironment(estimator, Rewards, Values, Dones, LastValues, gamma, lambda);
        Advantages?.Dispose();
        ValueTargets?.Dispose();
        Advantages = advantages.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
        ValueTargets = (advantages + Values.to_type(ScalarType.Float64)).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The rollout as T·N samples for the update (CleanRL's b_obs, b_actions, b_logprobs, b_advantages, b_returns): row t·N + i
    /// is step t of environment i. Views of this buffer's tensors, in the caller's dispose scope; call after <see cref="ComputeAdvantages"/>.
    /// </summary>
    public (Tensor Observations, Tensor Actions, Tensor LogProbs, Tensor Advantages, Tensor ValueTargets) Samples()
    {
        if (Advantages is null || ValueTargets is null)
        {
            throw new InvalidOperationException("call ComputeAdvantages before Samples: the samples carry the advantages and value targets.");
        }
        return (Observations.flatten(0, 1), Actions.flatten(0, 1), LogProbs.flatten(0, 1), Advantages.flatten(0, 1), ValueTargets.flatten(0, 1));
    }

    public void Dispose()
    {
        Observations.Dispose();
        Actions.Dispose();
        LogProbs.Dispose();
        Values.Dispose();
        Rewards.Dispose();
        Dones.Dispose();
        LastValues.Dispose();
        Advantages?.Dispose();
        ValueTargets?.Dispose();
    }
}

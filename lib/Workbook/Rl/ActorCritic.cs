using TorchSharp;
using TorchSharp.Modules;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// The two networks an actor-critic algorithm trains (PPO, A2C, TRPO): the actor, any <see cref="Rl.Policy"/>
/// (observations [B, obs] → π(·|s)), and the critic, any TorchSharp module from observations [B, obs] to values [B].
/// Pass your own to <c>Ppo.Train</c>, <c>A2c.Train</c> or <c>Trpo.Train</c> (an attention policy, a shared trunk, a
/// different initialisation); without one they build <see cref="TanhMlp"/> networks from the config.
/// </summary>
/// <param name="Policy">the actor π_θ.</param>
/// <param name="Value">the critic V_φ: [B, obs] → [B].</param>
public sealed record ActorCritic(Policy Policy, nn.Module<Tensor, Tensor> Value)
{
    /// <summary>
    /// CleanRL's networks for <paramref name="environment"/>'s spaces: a categorical or diagonal Gaussian policy and a
    /// value network, both tanh MLPs with <paramref name="hidden"/> units (64, 64 by default). The policy is built first,
    /// so a run seeded with torch.manual_seed draws the same initial weights every time.
    /// </summary>
    public static ActorCritic Mlp(IVectorEnvironment environment, IReadOnlyList<int>? hidden = null, double initialLogStd = 0.0) =>
        new(Policies.For(environment, hidden, initialLogStd), new ValueNetwork(environment.ObservationSpace.Dimension, hidden));

    /// <summary>The parameters of both networks, the policy's first (what one optimizer over both trains).</summary>
    public IEnumerable<Parameter> Parameters() => Policy.parameters().Concat(Value.parameters());
}

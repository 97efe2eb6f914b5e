using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>Settings of gradient descent with momentum.</summary>
/// <param name="LearningRate">α, the step size.</param>
/// <param name="Momentum">μ, how much of the previous direction is kept (0 is plain gradient descent).</param>
public sealed record MomentumConfig(double LearningRate, double Momentum = 0.9);

/// <summary>
/// Momentum (Notes §3.3.1, Algorithm 3): the direction g_k = ∇L(θ_k) + μ g_{k−1} (g_0 = 0) blends the new gradient into
/// the previous direction, and θ_{k+1} = θ_k − α g_k. Components that keep their sign add up (up to a factor
/// 1/(1 − μ)); components that flip cancel. This is exactly <c>torch.optim.SGD(momentum: μ)</c> (dampening 0, not
/// Nesterov), and, with α constant, the "heavy ball" θ_{k+1} = θ_k − α∇L(θ_k) + μ(θ_k − θ_{k−1}).
/// </summary>
public sealed class Momentum : FirstOrderOptimizer
{
    private readonly MomentumConfig config;
    private readonly Tensor[] direction;   // g_{k-1}, one per parameter

    /// <summary>Momentum on <paramref name="parameters"/>.</summary>
    public Momentum(IEnumerable<Tensor> parameters, MomentumConfig config) : base(parameters)
    {
        if (!(config.LearningRate > 0) || !(config.Momentum >= 0 && config.Momentum < 1))
        {
            throw new ArgumentException($"momentum needs α > 0 and 0 <= μ < 1, got {config}", nameof(config));
        }
        this.config = config;
        direction = ZeroState();
    }

    /// <inheritdoc />
    public override string Name => "momentum";

    /// <inheritdoc />
    protected override Tensor Update(int index, Tensor parameter, Tensor gradient)
    {
        var g = direction[index];
        g.copy_(gradient + config.Momentum * g);                 // g_k = ∇L + μ g_{k-1}
        return parameter - config.LearningRate * g;              // θ_{k+1} = θ_k − α g_k
    }
}

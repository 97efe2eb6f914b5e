using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>Settings of RMSProp.</summary>
/// <param name="LearningRate">α, the step size (torch's default 0.01).</param>
/// <param name="Beta">β, the decay of the running average of squared gradients (torch calls it alpha; default 0.99).</param>
/// <param name="Epsilon">ε, added to √s_k before dividing (torch's default 1e-8). Notes §3.3.2 has no ε: with ε = 0 a
/// coordinate whose gradients have all been 0 divides 0 by 0.</param>
public sealed record RmsPropConfig(double LearningRate = 0.01, double Beta = 0.99, double Epsilon = 1e-8);

/// <summary>
/// RMSProp (Notes §3.3.2, Algorithm 4), with torch's ε: s_k = β s_{k−1} + (1 − β) g_k² and
/// θ_{k+1} = θ_k − α g_k / (√s_k + ε), elementwise. Each coordinate's step is normalised by a running estimate of
/// that coordinate's gradient size, so its length is about α whatever the gradient's scale. Equals
/// <c>torch.optim.RMSProp(lr: α, alpha: β, eps: ε)</c> (no momentum, not centred).
/// </summary>
public sealed class RmsProp : FirstOrderOptimizer
{
    private readonly RmsPropConfig config;
    private readonly Tensor[] meanSquare;   // s_{k-1}, one per parameter

    /// <summary>RMSProp on <paramref name="parameters"/>.</summary>
    public RmsProp(IEnumerable<Tensor> parameters, RmsPropConfig config) : base(parameters)
    {
        if (!(config.LearningRate > 0) || !(config.Beta >= 0 && config.Beta < 1) || !(config.Epsilon >= 0))
        {
            throw new ArgumentException($"RMSProp needs α > 0, 0 <= β < 1 and ε >= 0, got {config}", nameof(config));
        }
        this.config = config;
        meanSquare = ZeroState();
    }

    /// <inheritdoc />
    public override string Name => "RMSProp";

    /// <inheritdoc />
    protected override Tensor Update(int index, Tensor parameter, Tensor gradient)
    {
        var s = meanSquare[index];
        s.copy_(config.Beta * s + (1 - config.Beta) * gradient.pow(2));                  // s_k
        return parameter - config.LearningRate * gradient / (s.sqrt() + config.Epsilon);  // θ_{k+1}
    }
}

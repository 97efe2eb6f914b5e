using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>Settings of AdaGrad.</summary>
/// <param name="LearningRate">α, the step size (torch's default 0.01).</param>
/// <param name="Epsilon">ε, added to √s_k before dividing (torch's default 1e-10). Notes §3.3.3 has no ε, with the same
/// 0/0 problem as RMSProp.</param>
public sealed record AdaGradConfig(double LearningRate = 0.01, double Epsilon = 1e-10);

/// <summary>
/// AdaGrad (Notes §3.3.3, Algorithm 5), with torch's ε: s_k = s_{k−1} + g_k² (a sum, not an average) and
/// θ_{k+1} = θ_k − α g_k / (√s_k + ε). Because s_k only grows, every coordinate's effective step α/√s_k shrinks over
/// time (like 1/√k when the gradient's size is steady). Equals <c>torch.optim.Adagrad(lr: α, eps: ε)</c>
/// (lr_decay 0, initial accumulator 0).
/// </summary>
public sealed class AdaGrad : FirstOrderOptimizer
{
    private readonly AdaGradConfig config;
    private readonly Tensor[] sumOfSquares;   // s_{k-1}, one per parameter

    /// <summary>AdaGrad on <paramref name="parameters"/>.</summary>
    public AdaGrad(IEnumerable<Tensor> parameters, AdaGradConfig config) : base(parameters)
    {
        if (!(config.LearningRate > 0) || !(config.Epsilon >= 0))
        {
            throw new ArgumentException($"AdaGrad needs α > 0 and ε >= 0, got {config}", nameof(config));
        }
        this.config = config;
        sumOfSquares = ZeroState();
    }

    /// <inheritdoc />
    public override string Name => "AdaGrad";

    /// <inheritdoc />
    protected override Tensor Update(int index, Tensor parameter, Tensor gradient)
    {
        var s = sumOfSquares[index];
        s.copy_(s + gradient.pow(2));                                                    // s_k
        return parameter - config.LearningRate * gradient / (s.sqrt() + config.Epsilon);  // θ_{k+1}
    }
}

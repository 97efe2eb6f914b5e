using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>Settings of plain gradient descent.</summary>
/// <param name="LearningRate">α, the step size.</param>
public sealed record GradientDescentConfig(double LearningRate);

/// <summary>
/// Gradient descent (Notes §3.1, Algorithm 1): θ_{k+1} = θ_k − α ∇L(θ_k). Equals <c>torch.optim.SGD</c> without
/// momentum. With a gradient from a mini-batch it is stochastic gradient descent (Notes §3.4).
/// </summary>
public sealed class GradientDescent : FirstOrderOptimizer
{
    private readonly GradientDescentConfig config;

    /// <summary>Gradient descent on <paramref name="parameters"/>.</summary>
    public GradientDescent(IEnumerable<Tensor> parameters, GradientDescentConfig config) : base(parameters)
    {
        if (!(config.LearningRate > 0))
        {
            throw new ArgumentException($"the learning rate must be positive, got {config.LearningRate}", nameof(config));
        }
        this.config = config;
    }

    /// <inheritdoc />
    public override string Name => "gradient descent";

    /// <inheritdoc />
    protected override Tensor Update(int index, Tensor parameter, Tensor gradient) =>
        parameter - config.LearningRate * gradient;
}

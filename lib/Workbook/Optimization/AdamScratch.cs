using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Optimization;

/// <summary>Settings of Adam (the defaults of Notes §3.3.4 and of PyTorch).</summary>
/// <param name="LearningRate">α.</param>
/// <param name="Beta1">β₁, the decay of the first-moment (mean gradient) estimate.</param>
/// <param name="Beta2">β₂, the decay of the second-moment (mean squared gradient) estimate.</param>
/// <param name="Epsilon">ε, added to √v̂_k before dividing.</param>
public sealed record AdamConfig(double LearningRate = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8);

/// <summary>What one Adam step produces for one parameter: θ_{k+1}, m_k and v_k.</summary>
/// <param name="Parameter">θ_{k+1}.</param>
/// <param name="FirstMoment">m_k.</param>
/// <param name="SecondMoment">v_k.</param>
public sealed record AdamStep(Tensor Parameter, Tensor FirstMoment, Tensor SecondMoment);

/// <summary>
/// One Adam step for one parameter: from θ_k, g_k = ∇L(θ_k), m_{k−1}, v_{k−1} and the step number k (1 at the first
/// step), return θ_{k+1}, m_k and v_k. New tensors, not in-place changes; the inputs carry no autograd history.
/// </summary>
public delegate AdamStep AdamUpdate(Tensor parameter, Tensor gradient, Tensor firstMoment, Tensor secondMoment, int step, AdamConfig config);

/// <summary>
/// Adam (Notes §3.3.4, Algorithm 6): momentum's running mean of the gradient divided, coordinate by coordinate, by
/// RMSProp's running root mean square, both corrected for starting at zero:
/// <code>
/// m_k = β₁ m_{k−1} + (1 − β₁) g_k          m̂_k = m_k / (1 − β₁^k)
/// v_k = β₂ v_{k−1} + (1 − β₂) g_k²         v̂_k = v_k / (1 − β₂^k)
/// θ_{k+1} = θ_k − α m̂_k / (√v̂_k + ε)
/// </code>
/// Takes the same steps as <c>torch.optim.Adam</c> with the same settings (torch computes the same expression in a
/// rearranged order). The update rule can be replaced by another <see cref="AdamUpdate"/>, for example a student's.
/// Named with d2l's suffix for a class written from scratch, so it never shadows <c>TorchSharp.Modules.Adam</c>.
/// </summary>
public sealed class AdamScratch : FirstOrderOptimizer
{
    private readonly AdamConfig config;
    private readonly AdamUpdate update;
    private readonly Tensor[] firstMoment;    // m_{k-1}
    private readonly Tensor[] secondMoment;   // v_{k-1}

    /// <summary>Adam on <paramref name="parameters"/>, with the library's update rule or <paramref name="update"/>.</summary>
    public AdamScratch(IEnumerable<Tensor> parameters, AdamConfig config, AdamUpdate? update = null) : base(parameters)
    {
        if (!(config.LearningRate > 0) || !(config.Beta1 >= 0 && config.Beta1 < 1) || !(config.Beta2 >= 0 && config.Beta2 < 1) || !(config.Epsilon >= 0))
        {
            throw new ArgumentException($"Adam needs α > 0, 0 <= β₁, β₂ < 1 and ε >= 0, got {config}", nameof(config));
        }
        this.config = config;
        this.update = update ?? Rule;
        firstMoment = ZeroState();
        secondMoment = ZeroState();
    }

    /// <inheritdoc />
    public override string Name => "Adam";

    /// <summary>
    /// The library's Adam rule, line for line as above. Internal: it is the answer to notebook 02's exercise, which
    /// reaches it only through <see cref="OptimizationExercises.CheckAdamUpdate"/> and the plug's fallback.
    /// </summary>
    internal static AdamStep Rule(Tensor parameter, Tensor gradient, Tensor firstMoment, Tensor secondMoment, int step, AdamConfig config)
    {
        var m = config.Beta1 * firstMoment + (1 - config.Beta1) * gradient;           // m_k
        var v = config.Beta2 * secondMoment + (1 - config.Beta2) * gradient.pow(2);   // v_k
        var mHat = m / (1 - Math.Pow(config.Beta1, step));                             // m̂_k
        var vHat = v / (1 - Math.Pow(config.Beta2, step));                             // v̂_k
        return new AdamStep(parameter - config.LearningRate * mHat / (vHat.sqrt() + config.Epsilon), m, v);
    }

    /// <inheritdoc />
    protected override Tensor Update(int index, Tensor parameter, Tensor gradient)
    {
        var result = update(parameter, gradient, firstMoment[index].clone(), secondMoment[index].clone(), StepCount, config)
            ?? throw new InvalidOperationException("the Adam update returned null");
        firstMoment[index].copy_(result.FirstMoment);
        secondMoment[index].copy_(result.SecondMoment);
        return result.Parameter;
    }
}

using TorchSharp;
using TorchSharp.Modules;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// Layer normalisation (Notes §6.7.2.6; Notes A, Q12): each position's activation vector a of
/// width d is normalised over its own d features, not over the batch,
///   μ = (1/d) Σ aᵢ,   σ = sqrt((1/d) Σ (aᵢ - μ)² + ε),   ā = (a - μ) / σ · γ + β,
/// with learned gain γ (<c>weight</c>, ones at start) and shift β (<c>bias</c>, zeros at start).
/// The ε inside the square root keeps σ away from zero, as in torch.nn.LayerNorm. With
/// <c>fused: true</c> the same equation runs as libtorch's single kernel (faster, same numbers up
/// to rounding); the parameter names match torch.nn.LayerNorm, so weights load either way. Named with d2l's suffix
/// for a class written from scratch, so it never shadows <c>TorchSharp.Modules.LayerNorm</c>.
/// </summary>
public sealed class LayerNormScratch : nn.Module<Tensor, Tensor>
{
    private readonly long width;
    private readonly double epsilon;
    private readonly bool fused;

    private readonly Parameter weight; // γ, registered as "weight" like torch.nn.LayerNorm's
    private readonly Parameter bias;   // β, registered as "bias"

    /// <summary>Normalises over the last dimension, of size <paramref name="width"/>.</summary>
    public LayerNormScratch(long width, double epsilon = 1e-5, bool fused = false, ScalarType dtype = ScalarType.Float32) : base(nameof(LayerNormScratch))
    {
        this.width = width;
        this.epsilon = epsilon;
        this.fused = fused;
        weight = new Parameter(ones(width, dtype));
        bias = new Parameter(zeros(width, dtype));
        RegisterComponents();
    }

    /// <summary>γ, the gain per feature.</summary>
    public Parameter Weight => weight;

    /// <summary>β, the shift per feature.</summary>
    public Parameter Bias => bias;

    /// <summary>Whether the forward pass runs libtorch's fused kernel rather than the written-out equation.</summary>
    public bool Fused => fused;

    /// <inheritdoc />
    public override Tensor forward(Tensor a)
    {
        if (a.shape[^1] != width)
        {
            throw new ArgumentException($"layer norm of width {width} got an input of shape {Shapes.Of(a)}: the last dimension must be {width}", nameof(a));
        }
        if (fused)
        {
            return nn.functional.layer_norm(a, new[] { width }, weight, bias, epsilon);
        }
        using var scope = NewDisposeScope();
        var mean = a.mean(new long[] { -1 }, keepdim: true);                        // μ: [..., 1]
        var centred = a - mean;                                                     // a - μ
        var variance = centred.pow(2).mean(new long[] { -1 }, keepdim: true);      // σ² (biased, 1/d)
        var normalised = centred / (variance + epsilon).sqrt();                    // (a - μ) / σ
        return (normalised * weight + bias).MoveToOuterDisposeScope();             // · γ + β
    }
}

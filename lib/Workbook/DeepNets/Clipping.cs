using TorchSharp;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.DeepNets;

/// <summary>
/// Gradient clipping (Notes §4.5), applied to the parameters' <c>.grad</c> in place between <c>backward()</c> and the
/// optimizer step. By value clamps every component, ḡᵢ = max(min(gᵢ, c), -c), which can turn the update's direction;
/// by norm rescales the whole gradient, ḡ = g · min(1, c / ‖g‖), which keeps its direction and bounds its length.
/// The formulas are torch's (clip_grad_value_, clip_grad_norm_ with its 1e-6), and the tests hold them equal.
/// The one implementation is core's <see cref="GradientClipping"/>, which every topic's trainer uses; this is its
/// name in the chapter on training deep nets.
/// </summary>
public static class Clipping
{
    /// <summary>‖g‖, the L2 norm of all gradients together, √(Σ_p ‖∇p‖²); parameters without a gradient count as 0.</summary>
    public static double GlobalNorm(IEnumerable<Tensor> parameters) => GradientClipping.GlobalNorm(parameters);

    /// <summary>
    /// Clip by norm: when ‖g‖ exceeds <paramref name="maxNorm"/> every gradient is multiplied by maxNorm / (‖g‖ + 1e-6).
    /// Returns ‖g‖ before clipping.
    /// </summary>
    public static double ClipByNorm(IEnumerable<Tensor> parameters, double maxNorm) => GradientClipping.ClipByNorm(parameters, maxNorm);

    /// <summary>Clip by value: every gradient component is clamped to [-<paramref name="clipValue"/>, <paramref name="clipValue"/>].</summary>
    public static void ClipByValue(IEnumerable<Tensor> parameters, double clipValue) => GradientClipping.ClipByValue(parameters, clipValue);

    /// <summary>The two rules on one gradient vector g [n] (no parameters involved): (by value, by norm), each [n].</summary>
    public static (Tensor ByValue, Tensor ByNorm) Clip(Tensor g, double clipValue, double maxNorm)
    {
        using var _ = no_grad();
        var byValue = g.clamp(-clipValue, clipValue);                               // [n]
        var norm = g.norm().ToDouble();
        var byNorm = g * Math.Min(1.0, maxNorm / (norm + 1e-6));                    // [n]
        return (byValue, byNorm);
    }

    /// <summary>cos ∠(a, b) = a·b / (‖a‖ ‖b‖) of two vectors of the same shape: 1 when clipping kept the direction.</summary>
    public static double Cosine(Tensor a, Tensor b)
    {
        using var _ = no_grad();
        return (a.flatten() * b.flatten()).sum().ToDouble() / (a.norm().ToDouble() * b.norm().ToDouble());
    }
}

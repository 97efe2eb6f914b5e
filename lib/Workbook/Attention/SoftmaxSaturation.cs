using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>How peaked a softmax over dot-product scores is, and how much gradient still flows through it.</summary>
/// <param name="KeyDim">d_k.</param>
/// <param name="Scaled">whether the scores were divided by √d_k.</param>
/// <param name="MeanMaxWeight">average of the largest weight in a row (1/T = uniform, 1 = one-hot).</param>
/// <param name="MeanEntropy">average entropy of a row in nats (log T = uniform, 0 = one-hot).</param>
/// <param name="MeanJacobianNorm">average Frobenius norm of ∂softmax/∂scores = diag(α) − ααᵀ (0 when saturated).</param>
public sealed record SaturationPoint(long KeyDim, bool Scaled, double MeanMaxWeight, double MeanEntropy, double MeanJacobianNorm);

/// <summary>
/// Why the scores are divided by √d_k (Slides D; Notes B "Scaled Dot-Product Attention"): with q, k of independent
/// unit-variance entries, q·k has variance d_k, so unscaled scores spread more as d_k grows and the softmax saturates
/// to nearly one-hot, where its Jacobian diag(α) − ααᵀ (and so every gradient through it) vanishes.
/// </summary>
public static class SoftmaxSaturation
{
    /// <summary>Measures <paramref name="rows"/> random queries against <paramref name="keys"/> random keys of width d_k.</summary>
    public static SaturationPoint Measure(long keyDim, bool scaled, long keys = 16, long rows = 512, int seed = 0)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator((ulong)seed);
        var q = randn(new[] { rows, 1, keyDim }, generator: generator, dtype: ScalarType.Float64);   // [R, 1, d]
        var k = randn(new[] { rows, keys, keyDim }, generator: generator, dtype: ScalarType.Float64); // [R, T, d]
        var scores = q.matmul(k.transpose(-2, -1)).squeeze(1);                                      // [R, T]
        if (scaled)
        {
            scores = scores / Math.Sqrt(keyDim);
        }
        var alpha = scores.softmax(-1);                                                              // [R, T]
        var maxWeight = alpha.max(-1).values.mean().item<double>();
        var entropy = -(alpha * alpha.clamp_min(1e-300).log()).sum(-1).mean().item<double>();
        var jacobian = alpha.diag_embed() - alpha.unsqueeze(-1) * alpha.unsqueeze(-2);             // [R, T, T]
        var jacobianNorm = jacobian.square().sum(new long[] { -2, -1 }).sqrt().mean().item<double>();
        return new SaturationPoint(keyDim, scaled, maxWeight, entropy, jacobianNorm);
    }
}

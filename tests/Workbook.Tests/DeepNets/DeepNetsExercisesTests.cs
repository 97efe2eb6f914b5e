using TorchSharp;
using Workbook.DeepNets;
using static TorchSharp.torch;

namespace Workbook.Tests.DeepNets;

/// <summary>Notebook 03's checked exercises accept a correct answer and reject typical mistakes.</summary>
public sealed class DeepNetsExercisesTests
{
    [Fact]
    public void BatchNormBackwardAcceptsTheFormulaAndRejectsFrozenStatistics()
    {
        using var scope = NewDisposeScope();
        (Tensor, Tensor, Tensor) Right(Tensor a, Tensor gamma, Tensor delta, double eps)
        {
            var mean = a.mean(new long[] { 0 });
            var sigma = ((a - mean).pow(2).mean(new long[] { 0 }) + eps).sqrt();
            var xHat = (a - mean) / sigma;
            var h = gamma * delta;                                                       // dL/dx̂
            var da = (h - h.mean(new long[] { 0 }) - xHat * (h * xHat).mean(new long[] { 0 })) / sigma;
            return (da, (delta * xHat).sum(dim: 0), delta.sum(dim: 0));
        }
        var right = DeepNetsExercises.CheckBatchNormBackward(Right);
        Assert.True(right.Passed, right.Message);

        // Treating μ and σ as constants (the gradient of a fixed affine map): dL/da = γ δ / σ.
        var frozen = DeepNetsExercises.CheckBatchNormBackward((a, gamma, delta, eps) =>
        {
            var (_, dGamma, dBeta) = Right(a, gamma, delta, eps);
            var sigma = ((a - a.mean(new long[] { 0 })).pow(2).mean(new long[] { 0 }) + eps).sqrt();
            return (gamma * delta / sigma, dGamma, dBeta);
        });
        Assert.False(frozen.Passed);
        Assert.Contains("case 1", frozen.Message);
        Assert.Contains("dL/da", frozen.Message);

        // dL/dγ summed with x̂ left out: the wrong part is named.
        var noXHat = DeepNetsExercises.CheckBatchNormBackward((a, gamma, delta, eps) =>
        {
            var (da, _, dBeta) = Right(a, gamma, delta, eps);
            return (da, delta.sum(dim: 0), dBeta);
        });
        Assert.False(noXHat.Passed);
        Assert.Contains("dL/dγ", noXHat.Message);

        var wrongShape = DeepNetsExercises.CheckBatchNormBackward((a, gamma, delta, eps) =>
        {
            var (da, dGamma, dBeta) = Right(a, gamma, delta, eps);
            return (da, dGamma.unsqueeze(0), dBeta);
        });
        Assert.False(wrongShape.Passed);
        Assert.Contains("expected da", wrongShape.Message);
    }

    [Fact]
    public void LinearBackwardExerciseAcceptsTheChainRuleAndRejectsAMissingTranspose()
    {
        using var scope = NewDisposeScope();
        Assert.True(DeepNetsExercises.CheckLinearBackward((a, w, delta) => (delta.t().matmul(a), delta.sum(dim: 0), delta.matmul(w))).Passed);
        var wrong = DeepNetsExercises.CheckLinearBackward((a, w, delta) => (delta.t().matmul(a), delta.mean(new long[] { 0 }), delta.matmul(w)));
        Assert.False(wrong.Passed);
        Assert.Contains("case", wrong.Message);
    }
}

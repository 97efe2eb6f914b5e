using TorchSharp;
using Workbook.DeepNets;
using static TorchSharp.torch;

namespace Workbook.Tests.DeepNets;

/// <summary>Notebook 03's checked exercises accept a correct answer and reject typical mistakes.</summary>
public sealed class DeepNetsExercisesTests
{
    [Fact]
    public void BatchNormExerciseAcceptsTheFormulaAndRejectsTheUnbiasedVariance()
    {
        using var scope = NewDisposeScope();
        Tensor Right(Tensor a, Tensor gamma, Tensor beta, double eps)
        {
            var mean = a.mean(new long[] { 0 });
            var variance = (a - mean).pow(2).mean(new long[] { 0 });
            return (a - mean) / (variance + eps).sqrt() * gamma + beta;
        }
        Tensor Unbiased(Tensor a, Tensor gamma, Tensor beta, double eps) =>
            (a - a.mean(new long[] { 0 })) / (a.var(0) + eps).sqrt() * gamma + beta;
        Assert.True(DeepNetsExercises.CheckBatchNormForward(Right).Passed);
        var wrong = DeepNetsExercises.CheckBatchNormForward(Unbiased);
        Assert.False(wrong.Passed);
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

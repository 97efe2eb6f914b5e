using TorchSharp;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Transformers;

public sealed class TransformerExercisesTests
{
    // The notebook's reference answer: the formula, with x̂ and σ recomputed from a.
    private static Tensor ByHand(Tensor a, Tensor gamma, Tensor g, bool withProjection = true, double epsilon = 1e-5)
    {
        var mean = a.mean(new long[] { -1 }, keepdim: true);
        var variance = (a - mean).pow(2).mean(new long[] { -1 }, keepdim: true);
        var sigma = (variance + epsilon).sqrt();
        var xHat = (a - mean) / sigma;
        var gg = gamma * g;
        var result = gg - gg.mean(new long[] { -1 }, keepdim: true);
        if (withProjection) result -= xHat * (gg * xHat).mean(new long[] { -1 }, keepdim: true);
        return result / sigma;
    }

    [Fact]
    public void TheFormulaPassesTheLayerNormBackwardCheck()
    {
        var result = TransformerExercises.CheckLayerNormBackward((a, gamma, g) => ByHand(a, gamma, g));
        Assert.True(result.Passed, result.Message);
        Assert.Equal(6, result.CasesChecked);
    }

    [Fact]
    public void AutogradIsSwitchedOffInsideTheCheck()
    {
        var result = TransformerExercises.CheckLayerNormBackward((a, gamma, g) =>
        {
            var x = a.detach().requires_grad_(true);
            nn.functional.layer_norm(x, new[] { x.shape[^1] }, gamma, null, 1e-5).backward(new[] { g });
            return x.grad!;
        });
        Assert.False(result.Passed);
        Assert.Contains("autograd switched off", result.Message);
    }

    [Fact]
    public void WrongGradientsFailNamingTheCase()
    {
        var noProjection = TransformerExercises.CheckLayerNormBackward((a, gamma, g) => ByHand(a, gamma, g, withProjection: false));
        Assert.False(noProjection.Passed);
        Assert.Contains("case 1", noProjection.Message);
        Assert.Contains("largest difference", noProjection.Message);
        Assert.Contains("a [2, 4, 8]", noProjection.Message);

        var noGamma = TransformerExercises.CheckLayerNormBackward((a, gamma, g) => ByHand(a, ones_like(gamma), g));
        Assert.False(noGamma.Passed);
        Assert.Contains("case 1", noGamma.Message);

        var noEpsilon = TransformerExercises.CheckLayerNormBackward((a, gamma, g) => ByHand(a, gamma, g, epsilon: 0));
        Assert.False(noEpsilon.Passed);
        Assert.Contains("case 1", noEpsilon.Message);       // ε = 1e-5 against σ² ≈ 1 is already more than rtol 1e-6

        var forwardInstead = TransformerExercises.CheckLayerNormBackward((a, gamma, g) => nn.functional.layer_norm(a, new[] { a.shape[^1] }, gamma, null, 1e-5));
        Assert.False(forwardInstead.Passed);

        var reduced = TransformerExercises.CheckLayerNormBackward((a, gamma, g) => ByHand(a, gamma, g).sum(-1));
        Assert.False(reduced.Passed);
        Assert.Contains("expected shape [2, 4, 8]", reduced.Message);
    }

    [Fact]
    public void TheGradientHasNoComponentAlongTheAllOnesDirection()
    {
        var generator = new Generator(1);
        var a = randn(new long[] { 5, 12 }, dtype: ScalarType.Float64, generator: generator) * 2 + 1;
        var gamma = rand(new long[] { 12 }, dtype: ScalarType.Float64, generator: generator) + 0.5;
        var g = randn(new long[] { 5, 12 }, dtype: ScalarType.Float64, generator: generator);
        Assert.True(ByHand(a, gamma, g).sum(-1).abs().max().item<double>() < 1e-12);
    }
}

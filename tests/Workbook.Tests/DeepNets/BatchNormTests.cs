using TorchSharp;
using Workbook.DeepNets;
using static TorchSharp.torch;
using static Workbook.Tests.DeepNets.DeepNetsTestHelpers;

namespace Workbook.Tests.DeepNets;

/// <summary>The from-scratch batch norm equals torch.nn.BatchNorm1d: outputs, gradients, running statistics, eval mode.</summary>
// Seeds torch's global generator or depends on its thread count, which parallel test classes share:
// runs with the other process-wide-state tests, alone (a fresh-clone run on 2026-12-01 saw both go wrong in parallel).
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class BatchNormTests
{
    [Fact]
    public void EqualsBatchNorm1dInTrainingAndEvaluationModeWithTheSameRunningStatistics()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        var ours = new BatchNormScratch(4, epsilon: 1e-5, momentum: 0.1);
        var theirs = nn.BatchNorm1d(4, eps: 1e-5, momentum: 0.1);
        ours.to(float64);
        theirs.to(float64);
        using (no_grad())
        {
            var gamma = randn(4, dtype: float64);
            var beta = randn(4, dtype: float64);
            ours.Weight.copy_(gamma);
            ours.Bias.copy_(beta);
            theirs.weight.copy_(gamma);
            theirs.bias!.copy_(beta);
        }
        ours.train();
        theirs.train();
        for (var step = 0; step < 5; step++)
        {
            var x = (randn(16, 4, dtype: float64) * 2 + 3).requires_grad_(true);
            var xTorch = x.detach().clone().requires_grad_(true);
            var weights = randn(16, 4, dtype: float64);
            var outOurs = ours.call(x);
            var outTorch = theirs.call(xTorch);
            AssertClose(outTorch, outOurs, $"training output, batch {step}");
            (outOurs * weights).sum().backward();
            (outTorch * weights).sum().backward();
            AssertClose(xTorch.grad!, x.grad!, $"dL/dx, batch {step}");
            AssertClose(theirs.running_mean!, ours.RunningMean, $"running mean after batch {step}");
            AssertClose(theirs.running_var!, ours.RunningVariance, $"running variance after batch {step}");
        }
        AssertClose(theirs.weight.grad!, ours.Weight.grad!, "dL/dγ");
        AssertClose(theirs.bias!.grad!, ours.Bias.grad!, "dL/dβ");
        Assert.Equal(theirs.num_batches_tracked!.ToInt64(), ours.BatchesTracked);

        ours.eval();
        theirs.eval();
        var test = randn(3, 4, dtype: float64);
        AssertClose(theirs.call(test), ours.call(test), "evaluation output");
        AssertClose(ours.call(test[..1]), ours.call(test)[..1], "in eval mode one example does not depend on the rest of its batch");
    }

    [Fact]
    public void TrainingModeStandardisesEachFeatureAndEvalModeUsesRunningStatistics()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        var norm = new BatchNormScratch(3);
        var x = randn(256, 3) * 5 + 7;
        var y = norm.call(x);
        AssertClose(zeros(3), y.mean(new long[] { 0 }), "batch mean", 1e-4);
        AssertClose(ones(3), y.std(0, unbiased: false), "batch std", 1e-3);
        norm.eval();
        var untouched = norm.RunningMean.clone();
        norm.call(x);
        AssertClose(untouched, norm.RunningMean, "eval mode leaves the running mean alone");
    }

    [Fact]
    public void StateDictNamesMatchTorch()
    {
        using var scope = NewDisposeScope();
        var ours = new BatchNormScratch(5).state_dict().Keys.OrderBy(k => k);
        var theirs = nn.BatchNorm1d(5).state_dict().Keys.OrderBy(k => k);
        Assert.Equal(theirs, ours);
    }

    [Fact]
    public void AnMlpWithBatchNormHasOneNormPerHiddenLayerAndNoHiddenBiases()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(MlpConfig.Deep(2, 8, 3, 2, batchNorm: true));
        Assert.Equal(3, mlp.Norms.Count);
        Assert.All(mlp.Layers.Take(3), layer => Assert.Null(layer.bias));
        Assert.NotNull(mlp.Layers[^1].bias);
    }
}

using TorchSharp;
using Workbook.DeepNets;
using static TorchSharp.torch;
using static Workbook.Tests.DeepNets.DeepNetsTestHelpers;

namespace Workbook.Tests.DeepNets;

/// <summary>The hand-written backward pass equals autograd, and both agree with finite differences (float64).</summary>
// Seeds torch's global generator or depends on its thread count, which parallel test classes share:
// runs with the other process-wide-state tests, alone (a fresh-clone run on 2026-12-01 saw both go wrong in parallel).
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class BackpropTests
{
    [Theory]
    [InlineData(Nonlinearity.Relu)]
    [InlineData(Nonlinearity.Tanh)]
    [InlineData(Nonlinearity.Identity)]
    public void HandWrittenBackwardEqualsAutograd(Nonlinearity activation)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var mlp = new Mlp(new MlpConfig(5, new[] { 7, 6, 4 }, 3, activation));
        mlp.to(float64);
        var x = randn(9, 5, dtype: float64).requires_grad_(true);
        var targets = tensor(new long[] { 0, 1, 2, 0, 1, 2, 2, 1, 0 });
        var trace = mlp.Trace(x);
        nn.functional.cross_entropy(trace.Output, targets).backward();

        var (layers, input) = Backprop.Backward(mlp, trace, Backprop.CrossEntropyGradient(trace.Output, targets));
        Assert.Equal(4, layers.Count);
        for (var i = 0; i < layers.Count; i++)
        {
            AssertClose(mlp.Layers[i].weight!.grad!, layers[i].Weight, $"dL/dW of layer {i}", 1e-12);
            AssertClose(mlp.Layers[i].bias!.grad!, layers[i].Bias, $"dL/db of layer {i}", 1e-12);
            Assert.True(Backprop.RelativeError(mlp.Layers[i].weight!.grad!, layers[i].Weight) < 1e-12);
        }
        AssertClose(x.grad!, input, "dL/dx", 1e-12);
    }

    [Fact]
    public void FiniteDifferencesAgreeWithTheHandWrittenGradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        var mlp = new Mlp(new MlpConfig(3, new[] { 8 }, 2, Nonlinearity.Tanh));
        mlp.to(float64);
        var x = randn(6, 3, dtype: float64);
        var targets = tensor(new long[] { 0, 1, 1, 0, 1, 0 });
        var trace = mlp.Trace(x);
        var (layers, _) = Backprop.Backward(mlp, trace, Backprop.CrossEntropyGradient(trace.Output, targets));
        double Loss()
        {
            using var _ = no_grad();
            return nn.functional.cross_entropy(mlp.call(x), targets).ToDouble();
        }
        var indices = new long[] { 0, 5, 11, 23 };
        var numerical = Backprop.NumericalGradient(Loss, mlp.Layers[0].weight!, indices);
        var hand = layers[0].Weight.flatten();
        for (var k = 0; k < indices.Length; k++)
        {
            Assert.True(Math.Abs(numerical[k] - hand[indices[k]].ToDouble()) < 1e-8, $"position {indices[k]}: {numerical[k]} vs {hand[indices[k]].ToDouble()}");
        }
        Assert.Equal(Loss(), Loss());   // the parameter was restored
    }

    [Fact]
    public void BackwardRefusesBatchNormAndDropoutNetworks()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(new MlpConfig(2, new[] { 4 }, 2, BatchNorm: true));
        var trace = mlp.Trace(randn(3, 2));
        Assert.Throws<ArgumentException>(() => Backprop.Backward(mlp, trace, zeros(3, 2)));
    }
}

using TorchSharp;
using TorchSharp.Modules;
using Workbook.DeepNets;
using static TorchSharp.torch;
using static Workbook.Tests.DeepNets.DeepNetsTestHelpers;

namespace Workbook.Tests.DeepNets;

/// <summary>Inverted dropout keeps the expected activation; clipping equals torch's clip_grad_value_ and clip_grad_norm_.</summary>
// Seeds torch's global generator or depends on its thread count, which parallel test classes share:
// runs with the other process-wide-state tests, alone (a fresh-clone run on 2026-12-01 saw both go wrong in parallel).
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class DropoutAndClippingTests
{
    [Fact]
    public void InvertedDropoutHasTheSameExpectedOutputAtTrainAndTestTime()
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        var activations = nn.functional.relu(randn(32, 64)) + 0.1;
        var measured = DropoutExpectation.Measure(activations, keepProbability: 0.5, masks: 4000);
        Assert.InRange(measured.Inverted, 0.99, 1.01);
        Assert.InRange(measured.WeightsTimesP, 0.99, 1.01);
        Assert.InRange(measured.WeightsTimesOneOverP, 0.245, 0.255);      // p² = 0.25: the 1/p-at-test-time reading is off by 4x
        Assert.True(measured.InvertedWorstUnit < 0.15, $"worst unit {measured.InvertedWorstUnit}");
    }

    [Fact]
    public void InvertedDropoutDropsTheRightShareWhileTrainingAndIsTheIdentityAtTest()
    {
        using var scope = NewDisposeScope();
        manual_seed(32);
        var dropout = new InvertedDropout(0.8);
        var x = ones(200, 200);
        dropout.train();
        var y = dropout.call(x);
        var kept = (y > 0).to_type(ScalarType.Float64).mean().ToDouble();
        Assert.InRange(kept, 0.79, 0.81);
        AssertClose(full(1, 1.25f), y.max().reshape(1), "kept activations are divided by p", 1e-6);
        dropout.eval();
        AssertClose(x, dropout.call(x), "identity at test time", 0);
    }

    [Fact]
    public void ClipByNormAndByValueEqualTorch()
    {
        using var scope = NewDisposeScope();
        manual_seed(33);
        foreach (var maxNorm in new[] { 0.5, 1e3 })
        {
            var ours = new Parameter(randn(4, 3, dtype: float64));
            var theirs = new Parameter(ours.detach().clone());
            var other = new Parameter(randn(5, dtype: float64));
            var otherTorch = new Parameter(other.detach().clone());
            var weights = randn(4, 3, dtype: float64) * 3;
            ((ours * weights).sum() + other.pow(2).sum()).backward();
            ((theirs * weights).sum() + otherTorch.pow(2).sum()).backward();
            var norm = Clipping.ClipByNorm(new[] { ours, other }, maxNorm);
            var torchNorm = nn.utils.clip_grad_norm_(new[] { theirs, otherTorch }, maxNorm);
            Assert.Equal(torchNorm, norm, 10);
            AssertClose(theirs.grad!, ours.grad!, $"clip by norm {maxNorm}");
            AssertClose(otherTorch.grad!, other.grad!, $"clip by norm {maxNorm}, second parameter");
            Assert.True(Clipping.GlobalNorm(new[] { ours, other }) <= maxNorm + 1e-9);
        }

        var p = new Parameter(randn(6, dtype: float64));
        var q = new Parameter(p.detach().clone());
        var w = randn(6, dtype: float64) * 2;
        (p * w).sum().backward();
        (q * w).sum().backward();
        Clipping.ClipByValue(new[] { p }, 0.7);
        nn.utils.clip_grad_value_(new[] { q }, 0.7);
        AssertClose(q.grad!, p.grad!, "clip by value");
    }

    [Fact]
    public void NormClippingKeepsTheDirectionAndValueClippingTurnsIt()
    {
        using var scope = NewDisposeScope();
        var g = tensor(new double[] { 10, 1, -0.5 });
        var (byValue, byNorm) = Clipping.Clip(g, clipValue: 1, maxNorm: 1);
        Assert.Equal(1.0, Clipping.Cosine(g, byNorm), 12);
        Assert.True(Clipping.Cosine(g, byValue) < 0.9);
        Assert.Equal(1.0, byNorm.norm().ToDouble(), 5);
        AssertClose(tensor(new double[] { 1, 1, -0.5 }), byValue, "clamped components");
    }
}

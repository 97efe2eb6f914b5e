using TorchSharp;
using TorchSharp.Modules;
using Workbook.Recurrent;
using Workbook.Training;
using static TorchSharp.torch;
using static Workbook.Tests.Recurrent.TorchEqualityTests;

namespace Workbook.Tests.Recurrent;

/// <summary>Hand-written BPTT equals autograd; truncation cuts the graph where it should; clipping matches torch. float64, tolerance 1e-10.</summary>
public sealed class BpttAndClippingTests
{
    [Fact]
    public void HandWrittenBpttEqualsAutograd()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var cell = new RnnCell(3, 4);
        cell.to(float64);
        var x = randn(2, 7, 3, dtype: float64).requires_grad_(true);
        var h0 = randn(2, 4, dtype: float64).requires_grad_(true);
        var lossWeights = randn(2, 7, 4, dtype: float64);
        var run = SequenceRunner.Run(cell, x, new RecurrentState(h0));
        (run.Outputs * lossWeights).sum().backward();

        var hand = RnnBptt.Backward(cell, x.detach(), h0.detach(), run.Outputs.detach(), lossWeights);
        AssertClose(cell.Weight.grad!, hand.Weight, "dL/dW");
        AssertClose(cell.Bias.grad!, hand.Bias, "dL/db");
        AssertClose(x.grad!, hand.Inputs, "dL/dx");
        AssertClose(h0.grad!, hand.InitialHidden, "dL/dh_0");
    }

    [Fact]
    public void InputGradientNormsVanishForSmallAndExplodeForLargeRecurrentWeights()
    {
        using var scope = NewDisposeScope();
        var ratios = new List<double>();
        foreach (var scale in new[] { 0.5, 3.0 })
        {
            manual_seed(2);
            var cell = new RnnCell(2, 16);
            cell.to(float64);
            using (no_grad())
            {
                cell.RecurrentWeight.copy_(randn(16, 16, dtype: float64) * (scale / Math.Sqrt(16)));
                cell.Bias.zero_();
            }
            var norms = RnnBptt.InputGradientNorms(cell, randn(4, 30, 2, dtype: float64) * 0.1, ones(16, dtype: float64));
            ratios.Add(norms[0] / norms[^1]);
        }
        Assert.True(ratios[0] < 1e-5, $"scale 0.5: first/last gradient norm {ratios[0]:G3} should vanish");
        Assert.True(ratios[1] > 1, $"scale 3: first/last gradient norm {ratios[1]:G3} should grow");
    }

    [Fact]
    public void TruncatedBpttWithOneWindowEqualsFullBpttAndWithShortWindowsEqualsHandBpttCutAtTheBoundaries()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        var cell = new RnnCell(3, 4);
        cell.to(float64);
        var x = randn(2, 10, 3, dtype: float64);
        var h0 = randn(2, 4, dtype: float64);
        var lossWeights = randn(2, 10, 4, dtype: float64);

        (Tensor, RecurrentState) WindowLoss(Tensor window, RecurrentState state, long start)
        {
            var run = SequenceRunner.Run(cell, window, state);
            return ((run.Outputs * lossWeights.narrow(1, start, window.shape[1])).sum(), run.Final);
        }

        foreach (var truncation in new[] { 10, 4 })
        {
            cell.zero_grad();
            TruncatedBptt.Run(x, truncation, new RecurrentState(h0), WindowLoss, loss => loss.backward());
            var dWeight = zeros_like(cell.Weight);
            var hidden = h0;
            foreach (var (start, length) in TruncatedBptt.Windows(10, truncation))
            {
                var window = x.narrow(1, start, length);
                var run = SequenceRunner.Run(cell, window, new RecurrentState(hidden));
                dWeight += RnnBptt.Backward(cell, window, hidden, run.Outputs.detach(), lossWeights.narrow(1, start, length)).Weight;
                hidden = run.Final.Hidden.detach();
            }
            AssertClose(dWeight, cell.Weight.grad!, $"dL/dW with truncation {truncation}");
            if (truncation == 10)
            {
                var full = SequenceRunner.Run(cell, x, new RecurrentState(h0));
                var fullGradient = RnnBptt.Backward(cell, x, h0, full.Outputs.detach(), lossWeights).Weight;
                AssertClose(fullGradient, cell.Weight.grad!, "one window = full BPTT");
            }
        }
        Assert.Equal(new[] { (0L, 4L), (4L, 4L), (8L, 2L) }, TruncatedBptt.Windows(10, 4));
        Assert.Throws<ArgumentException>(() => TruncatedBptt.Windows(10, 0));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1000.0)]
    public void ClipByNormEqualsTorchAndBoundsTheNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var ours = new[] { new Parameter(randn(3, 4, dtype: float64)), new Parameter(randn(5, dtype: float64)) };
        var theirs = ours.Select(p => new Parameter(p.detach().clone())).ToArray();
        var gradients = new[] { randn(3, 4, dtype: float64) * 3, randn(5, dtype: float64) };
        for (var i = 0; i < 2; i++)
        {
            (ours[i] * gradients[i]).sum().backward();
            (theirs[i] * gradients[i]).sum().backward();
        }
        var before = GradientClipping.ClipByNorm(ours, maxNorm);
        var torchBefore = nn.utils.clip_grad_norm_(theirs, maxNorm);
        Assert.Equal(torchBefore, before, 10);
        for (var i = 0; i < 2; i++)
        {
            AssertClose(theirs[i].grad!, ours[i].grad!, $"clipped gradient {i}");
        }
        var after = GradientClipping.GlobalNorm(ours);
        Assert.True(after <= maxNorm + 1e-9, $"norm after clipping {after} exceeds {maxNorm}");
        Assert.Equal(Math.Min(before, maxNorm), after, 5);
    }

    [Fact]
    public void ClipByValueEqualsTorch()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var ours = new Parameter(randn(20, dtype: float64));
        var theirs = new Parameter(ours.detach().clone());
        var gradient = randn(20, dtype: float64) * 2;
        (ours * gradient).sum().backward();
        (theirs * gradient).sum().backward();
        GradientClipping.ClipByValue(new[] { ours }, 0.7);
        nn.utils.clip_grad_value_(new[] { theirs }, 0.7);
        AssertClose(theirs.grad!, ours.grad!, "clipped by value");
        Assert.True(ours.grad!.abs().max().ToDouble() <= 0.7);
        Assert.Throws<ArgumentException>(() => GradientClipping.ClipByNorm(new[] { ours }, 0));
    }
}

using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;
using static Workbook.Tests.Attention.TestTensors;

namespace Workbook.Tests.Attention;

public sealed class MaskTests
{
    [Fact]
    public void CausalMaskAllowsThePastAndThePresentOnly()
    {
        using var mask = Masks.Causal(4, 4);
        Assert.Equal(new[] { 4L, 4L }, mask.shape);
        for (long i = 0; i < 4; i++)
            for (long j = 0; j < 4; j++)
                Assert.Equal(j <= i, mask[i, j].item<bool>());
        using var shifted = Masks.Causal(2, 5, offset: 3);   // the last 2 of 5 positions
        Assert.Equal(new[] { true, true, true, true, false, true, true, true, true, true },
            shifted.data<bool>().ToArray());
    }

    [Fact]
    public void PaddingMaskFollowsTheLengthsAndCombinesWithCausal()
    {
        using var padding = Masks.Padding(new long[] { 3, 1, 0 }, 4);
        Assert.Equal(new[] { 3L, 1L, 4L }, padding.shape);
        Assert.Equal(new[] { true, true, true, false, true, false, false, false, false, false, false, false },
            padding.data<bool>().ToArray());
        using var causal = Masks.Causal(4, 4);
        using var both = Masks.Combine(padding, causal)!;
        Assert.Equal(new[] { 3L, 4L, 4L }, both.shape);
        for (long b = 0; b < 3; b++)
            for (long i = 0; i < 4; i++)
                for (long j = 0; j < 4; j++)
                    Assert.Equal(j <= i && j < new long[] { 3, 1, 0 }[b], both[b, i, j].item<bool>());
        Assert.Throws<ArgumentException>(() => Masks.Padding(new long[] { 5 }, 4));
    }

    [Fact]
    public void MaskedSoftmaxGivesExactZerosAndAFullyMaskedRowGivesZerosNotNaN()
    {
        manual_seed(7);
        using var scores = Random64(3, 4, 4).requires_grad_();
        using var keep = Masks.Combine(Masks.Padding(new long[] { 3, 1, 0 }, 4), Masks.Causal(4, 4))!;
        using var weights = Masks.MaskedSoftmax(scores, keep);
        var w = Values(weights);
        Assert.DoesNotContain(w, double.IsNaN);
        using var keepFlat = keep.to_type(ScalarType.Float64);
        var k = Values(keepFlat);
        for (var n = 0; n < w.Length; n++)
        {
            if (k[n] == 0) Assert.Equal(0.0, w[n]);
        }
        using var sums = weights.sum(-1);
        var s = Values(sums);
        // sequence 2 has length 0: every row is fully masked and sums to 0; the others sum to 1
        for (var n = 0; n < s.Length; n++) Assert.Equal(n >= 8 ? 0.0 : 1.0, s[n], 12);
        // masked softmax = softmax over the kept entries only
        using var row = scores[0, 2].narrow(0, 0, 3).softmax(0);
        Close(row, weights[0, 2].narrow(0, 0, 3), 1e-12);
        // gradients are finite and zero at masked positions
        using var target = Random64(3, 4, 4);
        using var loss = (weights * target).sum();
        loss.backward();
        var g = Values(scores.grad!);
        Assert.DoesNotContain(g, double.IsNaN);
        for (var n = 0; n < g.Length; n++)
        {
            if (k[n] == 0) Assert.Equal(0.0, g[n]);
        }
    }

    [Fact]
    public void MaskOfTheWrongShapeOrTypeIsReported()
    {
        using var scores = randn(2, 3, 4);
        using var wrong = ones(2, 3, 5, dtype: ScalarType.Bool);
        var error = Assert.Throws<ArgumentException>(() => Masks.MaskedSoftmax(scores, wrong));
        Assert.Contains("[2, 3, 5]", error.Message);
        Assert.Contains("[2, 3, 4]", error.Message);
        using var floats = ones(3, 4);
        error = Assert.Throws<ArgumentException>(() => Masks.MaskedSoftmax(scores, floats));
        Assert.Contains("Bool", error.Message);
    }
}

using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;
using static Workbook.Tests.Attention.TestTensors;

namespace Workbook.Tests.Attention;

public sealed class MultiHeadAttentionTests
{
    [Fact]
    public void HeadsThatDoNotDivideTheWidthAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new MultiHeadAttention(10, 3));
        Assert.Contains("10", error.Message);
        Assert.Contains("3", error.Message);
        Assert.Throws<ArgumentException>(() => MultiHeadAttention.WithRelativePositions(10, 4, 2));
    }

    [Fact]
    public void WrongInputAndMaskShapesAreReportedWithTheShapes()
    {
        using var attention = new MultiHeadAttention(8, 2);
        using var x = randn(2, 5, 8);
        using var wrongWidth = randn(2, 5, 6);
        var error = Assert.Throws<ArgumentException>(() => attention.SelfAttend(wrongWidth));
        Assert.Contains("[2, 5, 6]", error.Message);

        using var otherBatch = randn(3, 4, 8);
        error = Assert.Throws<ArgumentException>(() => attention.CrossAttend(x, otherBatch));
        Assert.Contains("[2, 5, 8]", error.Message);
        Assert.Contains("[3, 4, 8]", error.Message);

        using var badMask = ones(2, 5, 4, dtype: ScalarType.Bool);
        error = Assert.Throws<ArgumentException>(() => attention.SelfAttend(x, badMask));
        Assert.Contains("[2, 5, 4]", error.Message);
        Assert.Contains("[2, 2, 5, 5]", error.Message);
    }

    [Fact]
    public void SelfAndCrossAttentionGiveOneOutputPerQueryAndPerHeadWeights()
    {
        manual_seed(30);
        using var attention = new MultiHeadAttention(12, 4) { KeepWeights = true };
        using var decoder = randn(2, 3, 12);
        using var encoder = randn(2, 7, 12);
        using var cross = attention.Attend(decoder, encoder, encoder);
        Assert.Equal(new[] { 2L, 3L, 12L }, cross.Output.shape);
        Assert.Equal(new[] { 2L, 4L, 3L, 7L }, cross.Weights.shape);
        Close(cross.Weights, attention.LastWeights!, 0);
        using var sums = cross.Weights.sum(-1);
        Assert.All(Values(sums), s => Assert.Equal(1.0, s, 5));
        // the forward call is the same function
        using var viaForward = attention.call(decoder, encoder, encoder, null);
        Close(cross.Output, viaForward, 0);
    }

    [Fact]
    public void PaddedKeysGetNoWeightInAnyHeadAndChangingThemDoesNotChangeTheOutput()
    {
        manual_seed(31);
        using var attention = new MultiHeadAttention(8, 2);
        using var x = randn(2, 6, 8);
        using var keep = Masks.Padding(new long[] { 6, 3 }, 6);              // [B, 1, T]
        using var y = attention.SelfAttend(x, keep);
        using var changed = x.clone();
        using (no_grad()) changed[1].narrow(0, 3, 3).normal_();               // change the padding of sequence 1
        using var y2 = attention.SelfAttend(changed, keep);
        Close(y[1].narrow(0, 0, 3), y2[1].narrow(0, 0, 3), 1e-6);
    }

    [Fact]
    public void GenericScoreFunctionsDropIntoTheHeads()
    {
        manual_seed(32);
        using var scaled = new MultiHeadAttention(8, 2);
        using var viaScore = new MultiHeadAttention(8, 2, new ScaledDotProductScore());
        viaScore.load_state_dict(scaled.state_dict());
        using var x = randn(2, 5, 8);
        using var a = scaled.SelfAttend(x, causal: true);
        using var b = viaScore.SelfAttend(x, causal: true);
        Close(a, b, 1e-6);
        using var additive = new MultiHeadAttention(8, 2, new AdditiveScore(4, 4, 6));
        using var c = additive.SelfAttend(x);
        Assert.Equal(new[] { 2L, 5L, 8L }, c.shape);
        Assert.Contains(additive.named_parameters(), p => p.name.StartsWith("score."));
    }
}

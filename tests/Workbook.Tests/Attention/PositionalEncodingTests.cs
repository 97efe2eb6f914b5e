using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;
using static Workbook.Tests.Attention.TestTensors;

namespace Workbook.Tests.Attention;

public sealed class PositionalEncodingTests
{
    [Fact]
    public void SinusoidalTableFollowsTheFormula()
    {
        const long length = 20, dim = 6;
        using var table = SinusoidalPositionalEncoding.Table(length, dim);
        Assert.Equal(new[] { length, dim }, table.shape);
        for (long t = 0; t < length; t++)
            for (long i = 0; i < dim / 2; i++)
            {
                var angle = t / Math.Pow(10000.0, 2.0 * i / dim);
                Assert.Equal(Math.Sin(angle), At(table, t, 2 * i), 5);
                Assert.Equal(Math.Cos(angle), At(table, t, 2 * i + 1), 5);
            }
        using var odd = SinusoidalPositionalEncoding.Table(3, 5);      // an odd width ends with a sin column
        Assert.Equal(Math.Sin(2 / Math.Pow(10000.0, 4.0 / 5)), At(odd, 2, 4), 5);
        using var encoding = new SinusoidalPositionalEncoding(dim, maxLength: 10);
        using var x = zeros(2, 4, dim);
        using var y = encoding.call(x);
        Close(table.narrow(0, 0, 4).expand(2, 4, dim), y, 1e-7);
        using var tooLong = zeros(1, 11, dim);
        var error = Assert.Throws<ArgumentException>(() => encoding.call(tooLong));
        Assert.Contains("[1, 11, 6]", error.Message);
    }

    [Fact]
    public void LearnedEncodingAddsItsRowsAndRejectsLongerInputs()
    {
        manual_seed(20);
        using var encoding = new LearnedPositionalEncoding(maxLength: 8, dim: 4);
        using var x = randn(3, 5, 4);
        using var y = encoding.call(x);
        Close(x + encoding.P.narrow(0, 0, 5), y, 1e-7);
        using var tooLong = randn(1, 9, 4);
        var error = Assert.Throws<ArgumentException>(() => encoding.call(tooLong));
        Assert.Contains("[1, 9, 4]", error.Message);
        using var wrongWidth = randn(1, 3, 5);
        Assert.Throws<ArgumentException>(() => encoding.call(wrongWidth));
    }

    [Fact]
    public void RelativeVectorScoreMatchesTheFormulaWithClipping()
    {
        manual_seed(21);
        const long dim = 4, maxDistance = 2, t = 6;
        using var score = new RelativePositionScore(dim, maxDistance);
        score.to(ScalarType.Float64);
        using var q = Random64(2, t, dim);
        using var k = Random64(2, t, dim);
        using var e = score.Score(q, k);
        for (long b = 0; b < 2; b++)
            for (long i = 0; i < t; i++)
                for (long j = 0; j < t; j++)
                {
                    var distance = Math.Clamp(j - i, -maxDistance, maxDistance);
                    double content = 0, position = 0;
                    for (long d = 0; d < dim; d++)
                    {
                        content += At(q, b, i, d) * At(k, b, j, d);
                        position += At(q, b, i, d) * At(score.R, distance + maxDistance, d);
                    }
                    Assert.Equal((content + position) / Math.Sqrt(dim), At(e, b, i, j), 12);
                }
    }

    [Fact]
    public void RelativeScoresDependOnlyOnTheOffsetSoShiftingTheSequenceChangesNothing()
    {
        manual_seed(22);
        const long dim = 4, maxDistance = 3, t = 5, shift = 4;
        using var score = new RelativePositionScore(dim, maxDistance);
        score.to(ScalarType.Float64);
        using var x = Random64(1, t, dim);
        using var prefix = Random64(1, shift, dim);
        using var shifted = cat(new[] { prefix, x }, 1);                    // the same content, 4 positions later
        using var original = score.Score(x, x);
        using var moved = score.Score(shifted, shifted);
        Close(original, moved.narrow(1, shift, t).narrow(2, shift, t), 1e-12);

        // equal content everywhere: the score is a function of j - i alone, constant beyond ±L
        using var same = Random64(1, 1, dim).expand(1, 9, dim).contiguous();
        using var e = score.Score(same, same);
        for (long i = 0; i < 9; i++)
            for (long j = 0; j < 9; j++)
            {
                var reference = Math.Clamp(j - i, -maxDistance, maxDistance);
                var i0 = reference < 0 ? -reference : 0;                     // a pair at the same clipped offset
                Assert.Equal(At(e, 0, i0, i0 + reference), At(e, 0, i, j), 12);
            }
        // whereas absolute (learned) encodings change the scores when the sequence moves
        using var absolute = new LearnedPositionalEncoding(16, dim);
        absolute.to(ScalarType.Float64);
        using var xa = absolute.call(x);
        using var sa = absolute.call(shifted);
        using var dot = new ScaledDotProductScore().Score(xa, xa);
        using var dotShifted = new ScaledDotProductScore().Score(sa, sa);
        Assert.True(MaxAbsDiff(dot, dotShifted.narrow(1, shift, t).narrow(2, shift, t)) > 1e-3);
    }

    [Fact]
    public void RelativeBiasAddsExactlyTheBiasOfTheClippedOffset()
    {
        manual_seed(23);
        const long dim = 4, maxDistance = 2, heads = 3, t = 6;
        using var score = new RelativeBiasScore(maxDistance, heads);
        score.to(ScalarType.Float64);
        using var q = Random64(2, heads, t, dim);
        using var k = Random64(2, heads, t, dim);
        using var withBias = score.Score(q, k);
        using var plain = new ScaledDotProductScore().Score(q, k);
        using var added = withBias - plain;                                   // [B, H, T, T]
        for (long b = 0; b < 2; b++)
            for (long h = 0; h < heads; h++)
                for (long i = 0; i < t; i++)
                    for (long j = 0; j < t; j++)
                    {
                        var column = Math.Clamp(j - i, -maxDistance, maxDistance) + maxDistance;
                        Assert.Equal(At(score.B, h, column), At(added, b, h, i, j), 12);
                    }
        using var threeD = Random64(2, t, dim);
        var error = Assert.Throws<ArgumentException>(() => score.Score(threeD, threeD));
        Assert.Contains("[2, 6, 4]", error.Message);
    }

    [Theory]
    [InlineData(RelativePositionKind.Vectors)]
    [InlineData(RelativePositionKind.Bias)]
    public void RelativeMultiHeadAttentionRunsCausallyAndTrainsItsPositionTable(RelativePositionKind kind)
    {
        manual_seed(24);
        using var attention = MultiHeadAttention.WithRelativePositions(modelDim: 8, heads: 2, maxDistance: 3, kind);
        attention.RecordWeights = true;
        using var x = randn(2, 7, 8);
        using var y = attention.SelfAttend(x, causal: true);
        Assert.Equal(new[] { 2L, 7L, 8L }, y.shape);
        Assert.Equal(new[] { 2L, 2L, 7L, 7L }, attention.LastWeights!.shape);
        Assert.Equal(0.0, At(attention.LastWeights!, 1, 1, 2, 5));            // causal
        using var loss = y.square().sum();
        loss.backward();
        var table = attention.named_parameters().Single(p => p.name.StartsWith("score.")).parameter;
        Assert.True(table.grad is not null && table.grad.abs().sum().item<float>() > 0);
    }
}

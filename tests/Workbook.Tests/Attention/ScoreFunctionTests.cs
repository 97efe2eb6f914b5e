using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;
using static Workbook.Tests.Attention.TestTensors;

namespace Workbook.Tests.Attention;

public sealed class ScoreFunctionTests
{
    private const long Batch = 2, Tq = 3, Tk = 4, Dim = 5;

    [Fact]
    public void SlidesWorkedExampleIsReproduced()
    {
        // Slides D, "Thinking Machines": d_k = 64, q1·k1 = 112, q1·k2 = 96 -> /8 -> 14, 12 -> softmax 0.88, 0.12.
        using var q = full(1, 1, 64, 2.0, dtype: ScalarType.Float64);                    // [1, 1, 64]
        using var k = stack(new[] { full(64, 0.875, dtype: ScalarType.Float64), full(64, 0.75, dtype: ScalarType.Float64) }).unsqueeze(0); // [1, 2, 64]
        using var raw = new DotProductScore().Score(q, k);
        using var scaled = new ScaledDotProductScore().Score(q, k);
        using var weights = Masks.MaskedSoftmax(scaled, null);
        Assert.Equal(new[] { 112.0, 96.0 }, Values(raw));
        Assert.Equal(new[] { 14.0, 12.0 }, Values(scaled));
        var w = Values(weights);
        Assert.Equal(1.0 / (1.0 + Math.Exp(-2.0)), w[0], 12);
        Assert.Equal(0.88, Math.Round(w[0], 2));
        Assert.Equal(0.12, Math.Round(w[1], 2));
    }

    [Fact]
    public void DotAndScaledDotMatchLoops()
    {
        manual_seed(1);
        using var q = Random64(Batch, Tq, Dim);
        using var k = Random64(Batch, Tk, Dim);
        using var dot = new DotProductScore().Score(q, k);
        using var scaled = new ScaledDotProductScore().Score(q, k);
        Assert.Equal(new[] { Batch, Tq, Tk }, dot.shape);
        ForEachPair((b, i, j) =>
        {
            var sum = 0.0;
            for (var d = 0; d < Dim; d++) sum += At(q, b, i, d) * At(k, b, j, d);
            Assert.Equal(sum, At(dot, b, i, j), 12);
            Assert.Equal(sum / Math.Sqrt(Dim), At(scaled, b, i, j), 12);
        });
    }

    [Fact]
    public void CosineMatchesLoopAndStaysInMinusOneToOne()
    {
        manual_seed(2);
        using var q = Random64(Batch, Tq, Dim) * 30;
        using var k = Random64(Batch, Tk, Dim) * 0.01;
        using var scores = new CosineScore().Score(q, k);
        ForEachPair((b, i, j) =>
        {
            double dot = 0, qq = 0, kk = 0;
            for (var d = 0; d < Dim; d++)
            {
                dot += At(q, b, i, d) * At(k, b, j, d);
                qq += At(q, b, i, d) * At(q, b, i, d);
                kk += At(k, b, j, d) * At(k, b, j, d);
            }
            var expected = dot / (Math.Sqrt(qq) * Math.Sqrt(kk));
            Assert.Equal(expected, At(scores, b, i, j), 12);
        });
        Assert.All(Values(scores), s => Assert.InRange(s, -1.0, 1.0));
        // a vector with itself scores 1, with its negative -1
        using var self = new CosineScore().Score(q, cat(new[] { q, -q }, 1));
        Assert.Equal(1.0, At(self, 0, 1, 1), 12);
        Assert.Equal(-1.0, At(self, 0, 1, Tq + 1), 12);
    }

    [Fact]
    public void AdditiveMatchesLoop()
    {
        manual_seed(3);
        const long queryDim = 5, keyDim = 3, hidden = 4;
        using var score = new AdditiveScore(queryDim, keyDim, hidden);
        score.to(ScalarType.Float64);
        using var q = Random64(Batch, Tq, queryDim);
        using var k = Random64(Batch, Tk, keyDim);
        using var scores = score.Score(q, k);
        Assert.Equal(new[] { Batch, Tq, Tk }, scores.shape);
        var wq = score.Wq; var wk = score.Wk; var bias = score.B; var v = score.V;
        ForEachPair((b, i, j) =>
        {
            var e = 0.0;
            for (var h = 0; h < hidden; h++)
            {
                var pre = At(bias, h);
                for (var d = 0; d < queryDim; d++) pre += At(wq, h, d) * At(q, b, i, d);
                for (var d = 0; d < keyDim; d++) pre += At(wk, h, d) * At(k, b, j, d);
                e += At(v, 0, h) * Math.Tanh(pre);
            }
            Assert.Equal(e, At(scores, b, i, j), 12);
        });
    }

    [Fact]
    public void GeneralMatchesLoop()
    {
        manual_seed(4);
        const long queryDim = 5, keyDim = 3;
        using var score = new GeneralScore(queryDim, keyDim);
        score.to(ScalarType.Float64);
        using var q = Random64(Batch, Tq, queryDim);
        using var k = Random64(Batch, Tk, keyDim);
        using var scores = score.Score(q, k);
        ForEachPair((b, i, j) =>
        {
            var e = 0.0;
            for (var a = 0; a < queryDim; a++)
                for (var c = 0; c < keyDim; c++)
                    e += At(q, b, i, a) * At(score.W, a, c) * At(k, b, j, c);
            Assert.Equal(e, At(scores, b, i, j), 12);
        });
    }

    [Fact]
    public void LocationDependsOnlyOnTheQueryAndIsTruncatedToTheKeys()
    {
        manual_seed(5);
        const long queryDim = 5, maxKeys = 7;
        using var score = new LocationScore(queryDim, maxKeys);
        score.to(ScalarType.Float64);
        using var q = Random64(Batch, Tq, queryDim);
        using var k = Random64(Batch, Tk, 2);
        using var otherKeys = Random64(Batch, Tk, 9) * 100;
        using var scores = score.Score(q, k);
        using var scoresOther = score.Score(q, otherKeys);
        Assert.Equal(new[] { Batch, Tq, Tk }, scores.shape);
        Assert.Equal(0.0, MaxAbsDiff(scores, scoresOther));   // the keys' contents do not matter
        ForEachPair((b, i, j) =>
        {
            var e = At(score.Bias, j);
            for (var d = 0; d < queryDim; d++) e += At(score.Wa, j, d) * At(q, b, i, d);
            Assert.Equal(e, At(scores, b, i, j), 12);
        });
        using var tooMany = Random64(Batch, maxKeys + 1, 2);
        var error = Assert.Throws<ArgumentException>(() => score.Score(q, tooMany));
        Assert.Contains("[2, 8, 2]", error.Message);
    }

    public static IEnumerable<object[]> AllScores()
    {
        yield return new object[] { "dot" };
        yield return new object[] { "scaled dot" };
        yield return new object[] { "cosine" };
        yield return new object[] { "additive" };
        yield return new object[] { "general" };
        yield return new object[] { "location" };
    }

    internal static IScoreFunction Make(string name) => name switch
    {
        "dot" => new DotProductScore(),
        "scaled dot" => new ScaledDotProductScore(),
        "cosine" => new CosineScore(),
        "additive" => new AdditiveScore(Dim, Dim, 6),
        "general" => new GeneralScore(Dim, Dim),
        "location" => new LocationScore(Dim, 10),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(AllScores))]
    public void PoolingWeightsSumToOneMaskedAreZeroAndContextIsTheWeightedSum(string name)
    {
        manual_seed(6);
        var score = Make(name);
        (score as nn.Module)?.to(ScalarType.Float64);
        Assert.Equal(name, score.Name);
        using var q = Random64(Batch, Tq, Dim);
        using var k = Random64(Batch, Tk, Dim);
        using var v = Random64(Batch, Tk, 2);
        using var keep = Masks.Padding(new long[] { 4, 2 }, Tk);                     // [B, 1, Tk]
        using var plain = AttentionPooling.Attend(score, q, k, v);
        using var masked = AttentionPooling.Attend(score, q, k, v, keep);
        foreach (var result in new[] { plain, masked })
        {
            Assert.Equal(new[] { Batch, Tq, Tk }, result.Weights.shape);
            Assert.Equal(new[] { Batch, Tq, 2L }, result.Context.shape);
            using var rowSums = result.Weights.sum(-1);
            Assert.All(Values(rowSums), s => Assert.Equal(1.0, s, 12));
            ForEachPair((b, i, _) =>
            {
                for (var c = 0; c < 2; c++)
                {
                    var expected = 0.0;
                    for (var j = 0; j < Tk; j++) expected += At(result.Weights, b, i, j) * At(v, b, j, c);
                    Assert.Equal(expected, At(result.Context, b, i, c), 12);
                }
            });
        }
        for (var i = 0; i < Tq; i++)
        {
            Assert.Equal(0.0, At(masked.Weights, 1, i, 2));   // exactly zero, not tiny
            Assert.Equal(0.0, At(masked.Weights, 1, i, 3));
        }
        (score as IDisposable)?.Dispose();
    }

    [Fact]
    public void BadShapesAreReportedWithTheShapes()
    {
        using var q = randn(2, 5, 16);
        using var k = randn(2, 7, 8);
        var error = Assert.Throws<ArgumentException>(() => new ScaledDotProductScore().Score(q, k));
        Assert.Contains("[2, 5, 16]", error.Message);
        Assert.Contains("[2, 7, 8]", error.Message);

        using var k3 = randn(3, 7, 16);
        error = Assert.Throws<ArgumentException>(() => new DotProductScore().Score(q, k3));
        Assert.Contains("[3, 7, 16]", error.Message);

        using var additive = new AdditiveScore(16, 4, 8);
        error = Assert.Throws<ArgumentException>(() => additive.Score(q, k));
        Assert.Contains("[2, 7, 8]", error.Message);
        Assert.Contains("4", error.Message);

        using var v = randn(2, 6, 3);
        using var k16 = randn(2, 7, 16);
        error = Assert.Throws<ArgumentException>(() => AttentionPooling.Attend(new DotProductScore(), q, k16, v));
        Assert.Contains("[2, 7, 16]", error.Message);
        Assert.Contains("[2, 6, 3]", error.Message);
    }

    private static void ForEachPair(Action<long, long, long> check)
    {
        for (long b = 0; b < Batch; b++)
            for (long i = 0; i < Tq; i++)
                for (long j = 0; j < Tk; j++)
                    check(b, i, j);
    }
}

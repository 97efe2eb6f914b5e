using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;

namespace Workbook.Tests.Attention;

public sealed class AttentionExercisesTests
{
    private static Tensor Straightforward(Tensor q, Tensor k, Tensor v, Tensor? keep)
    {
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[^1]);
        if (keep is not null) scores = scores.masked_fill(keep.logical_not(), double.NegativeInfinity);
        return scores.softmax(-1).matmul(v);
    }

    [Fact]
    public void ACorrectAttentionPassesAndAnUnscaledOneFailsNamingTheCase()
    {
        var passed = AttentionExercises.CheckScaledDotProductAttention(Straightforward);
        Assert.True(passed.Passed, passed.Message);
        Assert.True(passed.CasesChecked >= 10);

        var unscaled = AttentionExercises.CheckScaledDotProductAttention((q, k, v, _) => q.matmul(k.transpose(-2, -1)).softmax(-1).matmul(v));
        Assert.False(unscaled.Passed);
        Assert.Contains("case 1", unscaled.Message);

        var ignoresMask = AttentionExercises.CheckScaledDotProductAttention((q, k, v, _) => Straightforward(q, k, v, null));
        Assert.False(ignoresMask.Passed);
        Assert.Contains("case 2", ignoresMask.Message);   // the first masked case
    }

    [Fact]
    public void CausalMaskCheckAcceptsTheTriangleAndRejectsItsTranspose()
    {
        Assert.True(AttentionExercises.CheckCausalMask((tq, tk) => ones(tq, tk, dtype: ScalarType.Bool).tril()).Passed);
        var wrong = AttentionExercises.CheckCausalMask((tq, tk) => ones(tq, tk, dtype: ScalarType.Bool).triu());
        Assert.False(wrong.Passed);
        var floats = AttentionExercises.CheckCausalMask((tq, tk) => ones(tq, tk).tril());
        Assert.False(floats.Passed);
        Assert.Contains("Bool", floats.Message);
    }

    [Fact]
    public void MaskedSoftmaxCheckCatchesNaNInFullyMaskedRows()
    {
        var naive = AttentionExercises.CheckMaskedSoftmax((s, keep) => s.masked_fill(keep.logical_not(), double.NegativeInfinity).softmax(-1));
        Assert.False(naive.Passed);
        Assert.Contains("case 3", naive.Message);
        var safe = AttentionExercises.CheckMaskedSoftmax((s, keep) =>
            s.masked_fill(keep.logical_not(), double.NegativeInfinity).softmax(-1).nan_to_num(0.0));
        Assert.True(safe.Passed, safe.Message);
    }

    [Fact]
    public void SinusoidalCheckAcceptsTheFormula()
    {
        static Tensor Table(long length, long dim)
        {
            var result = zeros(length, dim, dtype: ScalarType.Float64);
            for (long t = 0; t < length; t++)
                for (long i = 0; 2 * i < dim; i++)
                {
                    var angle = t / Math.Pow(10000, 2.0 * i / dim);
                    result[t, 2 * i] = Math.Sin(angle);
                    if (2 * i + 1 < dim) result[t, 2 * i + 1] = Math.Cos(angle);
                }
            return result;
        }
        var result = AttentionExercises.CheckSinusoidalEncoding(Table);
        Assert.True(result.Passed, result.Message);
        Assert.False(AttentionExercises.CheckSinusoidalEncoding((l, d) => Table(l, d).flip(1)).Passed);
    }
}

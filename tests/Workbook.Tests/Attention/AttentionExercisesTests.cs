using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;

namespace Workbook.Tests.Attention;

public sealed class AttentionExercisesTests
{
    // The notebook's reference answer: the mask built from the lengths, broadcast over heads, and the no-key rows zeroed.
    private static (Tensor Context, Tensor Weights) Straightforward(Tensor q, Tensor k, Tensor v, long[]? keyLengths, bool causal, bool zeroEmptyRows = true)
    {
        long tq = q.shape[^2], tk = k.shape[^2];
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[^1]);              // [B, (H,) Tq, Tk]
        var keep = ones(tq, tk, dtype: ScalarType.Bool);
        if (causal) keep = keep.tril();
        if (keyLengths is not null)
        {
            var real = arange(tk).unsqueeze(0) < tensor(keyLengths).unsqueeze(1);          // [B, Tk]
            var shape = new long[q.dim()];
            Array.Fill(shape, 1L);
            shape[0] = q.shape[0];
            shape[^1] = tk;
            keep = keep.logical_and(real.reshape(shape));                                  // [B, (1,) Tq, Tk]
        }
        var weights = scores.masked_fill(keep.logical_not(), double.NegativeInfinity).softmax(-1);
        if (zeroEmptyRows) weights = weights.nan_to_num(0.0);
        return (weights.matmul(v), weights);
    }

    [Fact]
    public void ACorrectAttentionPassesAndWrongOnesFailNamingTheCaseInTheStudentsTerms()
    {
        var passed = AttentionExercises.CheckScaledDotProductAttention((q, k, v, l, c) => Straightforward(q, k, v, l, c));
        Assert.True(passed.Passed, passed.Message);
        Assert.True(passed.CasesChecked >= 10);

        var unscaled = AttentionExercises.CheckScaledDotProductAttention((q, k, v, l, c) => Straightforward(q * Math.Sqrt(q.shape[^1]), k, v, l, c));
        Assert.False(unscaled.Passed);
        Assert.Contains("case 1", unscaled.Message);
        Assert.Contains("weights", unscaled.Message);

        var ignoresLengths = AttentionExercises.CheckScaledDotProductAttention((q, k, v, _, c) => Straightforward(q, k, v, null, c));
        Assert.False(ignoresLengths.Passed);
        Assert.Contains("case 2", ignoresLengths.Message);      // the first padded case
        Assert.Contains("keyLengths [6, 3]", ignoresLengths.Message);

        var nanRows = AttentionExercises.CheckScaledDotProductAttention((q, k, v, l, c) => Straightforward(q, k, v, l, c, zeroEmptyRows: false));
        Assert.False(nanRows.Passed);
        Assert.Contains("case 4", nanRows.Message);             // example 0 has no key
        Assert.Contains("NaN", nanRows.Message);
        Assert.Contains("no key", nanRows.Message);

        var wrongContext = AttentionExercises.CheckScaledDotProductAttention((q, k, v, l, c) =>
        {
            var (context, weights) = Straightforward(q, k, v, l, c);
            return (context + 1, weights);
        });
        Assert.False(wrongContext.Passed);
        Assert.Contains("context", wrongContext.Message);

        var stub = AttentionExercises.CheckScaledDotProductAttention((_, _, _, _, _) => throw new NotImplementedException("write it"));
        Assert.False(stub.Attempted);
    }

    // Notebook 10's answers: the packed causal mask from the documents, and the masked softmax over it.
    private static Tensor PackedMask(Tensor documents)
    {
        var t = documents.shape[1];
        var same = documents.unsqueeze(2).eq(documents.unsqueeze(1));
        return same.logical_and(documents.ge(0).unsqueeze(1)).logical_and(ones(t, t, dtype: ScalarType.Bool).tril());
    }

    [Fact]
    public void PackedCausalMaskCheckAcceptsTheBlockTriangleAndNamesTheDocumentsOfAWrongOne()
    {
        var right = AttentionExercises.CheckPackedCausalMask(PackedMask);
        Assert.True(right.Passed, right.Message);
        // the plain triangle ignores the sequence boundaries: right on case 1 (one sequence), wrong on case 2
        var triangle = AttentionExercises.CheckPackedCausalMask(d => ones(d.shape[1], d.shape[1], dtype: ScalarType.Bool).tril().expand(d.shape[0], -1, -1));
        Assert.False(triangle.Passed);
        Assert.Contains("case 2", triangle.Message);
        Assert.Contains("documents [[0, 0, 1, 1, 1, 2], [7, 7, 7, 7, 3, 3]]", triangle.Message);
        // same sequence and causal, but padding (-1) keys seen by padding queries
        var padding = AttentionExercises.CheckPackedCausalMask(d => d.unsqueeze(2).eq(d.unsqueeze(1)).logical_and(ones(d.shape[1], d.shape[1], dtype: ScalarType.Bool).tril()));
        Assert.False(padding.Passed);
        Assert.Contains("padding", padding.Message);
        var floats = AttentionExercises.CheckPackedCausalMask(d => PackedMask(d).to_type(ScalarType.Float32));
        Assert.False(floats.Passed);
        Assert.Contains("Bool", floats.Message);
    }

    [Fact]
    public void PackedMaskedSoftmaxCheckCatchesNaNInPaddingRows()
    {
        var naive = AttentionExercises.CheckPackedMaskedSoftmax((s, d) => s.masked_fill(PackedMask(d).logical_not(), double.NegativeInfinity).softmax(-1));
        Assert.False(naive.Passed);
        Assert.Contains("case 3", naive.Message);
        Assert.Contains("-1, -1, -1, -1, -1", naive.Message);
        var safe = AttentionExercises.CheckPackedMaskedSoftmax((s, d) =>
            s.masked_fill(PackedMask(d).logical_not(), double.NegativeInfinity).softmax(-1).nan_to_num(0.0));
        Assert.True(safe.Passed, safe.Message);
        var library = AttentionExercises.CheckPackedMaskedSoftmax((s, d) => Masks.MaskedSoftmax(s, PackedMask(d)));
        Assert.False(library.Passed);   // the library's masked softmax is switched off inside the check
        Assert.Contains("Masks.MaskedSoftmax is switched off", library.Message);
    }

    [Fact]
    public void SinusoidalCheckAcceptsArbitraryPositionsAndNamesTheCaseOfAWrongOne()
    {
        static Tensor Encode(Tensor positions, long dim)
        {
            var p = positions.data<double>().ToArray();
            var result = zeros(p.Length, dim, dtype: ScalarType.Float64);
            for (var r = 0; r < p.Length; r++)
                for (long i = 0; 2 * i < dim; i++)
                {
                    var angle = p[r] / Math.Pow(10000, 2.0 * i / dim);
                    result[r, 2 * i] = Math.Sin(angle);
                    if (2 * i + 1 < dim) result[r, 2 * i + 1] = Math.Cos(angle);
                }
            return result;
        }
        var result = AttentionExercises.CheckSinusoidalEncoding(Encode);
        Assert.True(result.Passed, result.Message);

        // At integer positions the check agrees with the library's table.
        var positions = arange(10, dtype: ScalarType.Float64);
        Assert.True(Encode(positions, 8).allclose(SinusoidalPositionalEncoding.Table(10, 8).to_type(ScalarType.Float64), rtol: 0, atol: 1e-6));

        // Looking a table of positions 0..63 up at the rounded positions is right in case 1 only.
        var tableLookup = AttentionExercises.CheckSinusoidalEncoding((p, d) =>
            Encode(arange(64, dtype: ScalarType.Float64), d).index_select(0, p.abs().round().to_type(ScalarType.Int64)));
        Assert.False(tableLookup.Passed);
        Assert.Contains("case 2", tableLookup.Message);
        Assert.Contains("positions [-3, -0.5, 0, 2.25, 7]", tableLookup.Message);

        var singlePrecision = AttentionExercises.CheckSinusoidalEncoding((p, d) => Encode(p, d).to_type(ScalarType.Float32));
        Assert.False(singlePrecision.Passed);
        Assert.Contains("Float64", singlePrecision.Message);

        var swapped = AttentionExercises.CheckSinusoidalEncoding((p, d) => Encode(p, d).flip(1));
        Assert.False(swapped.Passed);
        Assert.Contains("largest difference", swapped.Message);

        var transposed = AttentionExercises.CheckSinusoidalEncoding((p, d) => Encode(p, d).t());
        Assert.False(transposed.Passed);
        Assert.Contains("expected shape", transposed.Message);
    }
}

using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Attention;

/// <summary>
/// Library checks for the attention notebooks' exercises: the student's function runs against the library's on random
/// cases (fixed seeds), and the first mismatch is reported with its case, shapes and values.
/// <code>
/// var result = AttentionExercises.CheckScaledDotProductAttention(MyAttention);
/// Metrics.Report("exercise_passed", result.Passed ? 1 : 0);
/// result
/// </code>
/// </summary>
public static class AttentionExercises
{
    /// <summary>
    /// <c>softmax(QKᵀ/√d_k + mask) V</c> for queries [..., Tq, d], keys [..., Tk, d], values [..., Tk, dv] and an optional
    /// Bool mask (true = may attend; null = none) broadcastable to [..., Tq, Tk]. Cases: 3-D and 4-D (heads) inputs,
    /// no mask, causal, padding, both. (No case masks a whole row.)
    /// </summary>
    public static ExerciseResult CheckScaledDotProductAttention(Func<Tensor, Tensor, Tensor, Tensor?, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var generator = new Random(8);
        var cases = new List<Tensor[]>();
        manual_seed(8);
        foreach (var (shapeQ, tk) in new (long[] Q, long Tk)[] { (new long[] { 2, 4, 8 }, 6), (new long[] { 2, 3, 5, 4 }, 5), (new long[] { 1, 6, 16 }, 6), (new long[] { 3, 2, 4, 8 }, 4) })
        {
            var batchShape = shapeQ[..^2];
            long tq = shapeQ[^2], d = shapeQ[^1];
            var q = randn(shapeQ);
            var k = randn(batchShape.Append(tk).Append(d).ToArray());
            var v = randn(batchShape.Append(tk).Append(3L).ToArray());
            cases.Add(new[] { q, k, v });                                                      // no mask
            cases.Add(new[] { q, k, v, Masks.Causal(tq, tk) });                                // causal [Tq, Tk]
            var lengths = Enumerable.Range(0, (int)shapeQ[0]).Select(_ => (long)generator.Next(1, (int)tk + 1)).ToArray();
            var padding = Masks.Padding(lengths, tk);                                          // [B, 1, Tk]
            if (shapeQ.Length == 4)
            {
                padding = padding.unsqueeze(1);                                                // [B, 1, 1, Tk]
            }
            cases.Add(new[] { q, k, v, padding });
        }
        return Exercise.CheckTensors("scaled dot-product attention",
            x => student(x[0], x[1], x[2], x.Length > 3 ? x[3] : null),
            x => DotProductAttention.Attend(x[0], x[1], x[2], x.Length > 3 ? x[3] : null).Context,
            cases);
    }

    /// <summary>A causal mask [Tq, Tk] (Bool, true = may attend): query i sees keys j ≤ i.</summary>
    public static ExerciseResult CheckCausalMask(Func<long, long, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var sizes = new (long Tq, long Tk)[] { (1, 1), (4, 4), (3, 5), (6, 2), (8, 8) };
        return Exercise.CheckTensors("causal mask",
            x => AsNumbers(student(x[0].item<long>(), x[1].item<long>()), "your mask"),
            x => AsNumbers(Masks.Causal(x[0].item<long>(), x[1].item<long>()), "the reference"),
            sizes.Select(s => new[] { tensor(s.Tq), tensor(s.Tk) }), atol: 0, rtol: 0);
    }

    /// <summary>
    /// Masked softmax over the last dimension: masked positions get exactly 0, and a row whose keys are all masked gets
    /// all zeros (not NaN). Scores [..., Tq, Tk], mask Bool broadcastable to them.
    /// </summary>
    public static ExerciseResult CheckMaskedSoftmax(Func<Tensor, Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        manual_seed(9);
        var cases = new List<Tensor[]>
        {
            new[] { randn(2, 4, 4), Masks.Causal(4, 4) },
            new[] { randn(3, 2, 5) * 10, Masks.Padding(new long[] { 5, 2, 1 }, 5) },
            new[] { randn(3, 4, 4), Masks.Combine(Masks.Padding(new long[] { 4, 0, 2 }, 4), Masks.Causal(4, 4))! }, // fully masked rows
        };
        return Exercise.CheckTensors("masked softmax", x => student(x[0], x[1]), x => Masks.MaskedSoftmax(x[0], x[1]), cases);
    }

    /// <summary>The sinusoidal positional-encoding table [length, dim]: p[t, 2i] = sin(t/10000^{2i/d}), p[t, 2i+1] = cos(…).</summary>
    public static ExerciseResult CheckSinusoidalEncoding(Func<long, long, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var sizes = new (long Length, long Dim)[] { (1, 2), (10, 4), (50, 16), (7, 6) };
        return Exercise.CheckTensors("sinusoidal positional encoding",
            x => student(x[0].item<long>(), x[1].item<long>()).to_type(ScalarType.Float32),
            x => SinusoidalPositionalEncoding.Table(x[0].item<long>(), x[1].item<long>()),
            sizes.Select(s => new[] { tensor(s.Length), tensor(s.Dim) }), atol: 1e-4, rtol: 1e-4);
    }

    private static Tensor AsNumbers(Tensor mask, string who) => mask.dtype == ScalarType.Bool
        ? mask.to_type(ScalarType.Float32)
        : throw new ArgumentException($"{who} has dtype {mask.dtype}; a mask is Bool (true = may attend).");
}

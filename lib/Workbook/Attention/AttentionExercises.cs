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
    /// Scaled dot-product attention with its mask given as an input form no single call takes (Notes §6.7.2.4 for the
    /// causal mask): student(queries [B, (H,) Tq, d], keys [B, (H,) Tk, d], values [B, (H,) Tk, dv], keyLengths, causal)
    /// → (context [B, (H,) Tq, dv], weights [B, (H,) Tq, Tk]). <c>keyLengths</c> [B] (null = every key is real) says that
    /// key j of example b is real when j &lt; keyLengths[b]; <c>causal</c> lets query i see only keys j ≤ i. The weights
    /// are <c>softmax(QKᵀ/√d)</c> over the visible keys (exactly 0 on the others), and a query with no visible key
    /// (keyLengths[b] = 0) gets weights 0 and context 0, never NaN. Cases: 3-D and 4-D (heads) inputs, no mask, padding,
    /// causal, both, and examples of length 0. The weights are checked first, then the context; a failure names the
    /// case's keyLengths and causal flag.
    /// </summary>
    public static ExerciseResult CheckScaledDotProductAttention(Func<Tensor, Tensor, Tensor, long[]?, bool, (Tensor Context, Tensor Weights)> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        manual_seed(8);
        var cases = new List<(Tensor[] Qkv, long[]? Lengths, bool Causal)>();
        void Add(long[] shapeQ, long tk, long dv, long[]? lengths, bool causal, double queryScale = 1)
        {
            var batchShape = shapeQ[..^2];
            var d = shapeQ[^1];
            cases.Add((new[] { randn(shapeQ, dtype: float64) * queryScale, randn(batchShape.Append(tk).Append(d).ToArray(), dtype: float64),
                randn(batchShape.Append(tk).Append(dv).ToArray(), dtype: float64) }, lengths, causal));
        }
        Add(new long[] { 2, 4, 8 }, 6, 3, null, false);                 // no mask
        Add(new long[] { 2, 4, 8 }, 6, 3, new long[] { 6, 3 }, false);  // padding
        Add(new long[] { 2, 4, 8 }, 6, 3, null, true);                  // causal, Tq < Tk
        Add(new long[] { 2, 4, 8 }, 6, 3, new long[] { 0, 4 }, true);   // both; example 0 has no key
        Add(new long[] { 2, 3, 5, 4 }, 5, 2, null, false);              // 4-D (heads), no mask
        Add(new long[] { 2, 3, 5, 4 }, 5, 2, new long[] { 5, 2 }, false);
        Add(new long[] { 2, 3, 5, 4 }, 5, 2, null, true);
        Add(new long[] { 2, 3, 5, 4 }, 5, 2, new long[] { 2, 0 }, true);
        Add(new long[] { 1, 6, 16 }, 6, 4, new long[] { 6 }, true);
        Add(new long[] { 3, 2, 4, 8 }, 4, 3, new long[] { 1, 4, 0 }, false);
        Add(new long[] { 3, 6, 8 }, 3, 3, new long[] { 3, 1, 2 }, true); // Tq > Tk
        Add(new long[] { 2, 4, 8 }, 6, 3, new long[] { 6, 2 }, true, queryScale: 1000); // scores in the thousands: e^s overflows float32 and float64
        var inputs = cases.Select(c => c.Qkv).ToList();

        (Tensor Context, Tensor Weights) Reference(int index, Tensor[] x)
        {
            var (_, lengths, causal) = cases[index];
            Tensor? keep = null;
            if (lengths is not null)
            {
                keep = Masks.Padding(lengths, x[1].shape[^2]);                           // [B, 1, Tk]
                if (x[0].dim() == 4)
                {
                    keep = keep.unsqueeze(1);                                            // [B, 1, 1, Tk]
                }
            }
            var result = DotProductAttention.Attend(x[0], x[1], x[2], keep, causal);
            return (result.Context, result.Weights);
        }
        ExerciseResult Check(string part, Func<(Tensor Context, Tensor Weights), Tensor> pick)
        {
            var current = -1; // CheckTensors runs the reference of a case, then the student's function, case after case
            var result = Exercise.CheckTensors($"scaled dot-product attention ({part})",
                x => pick(Exercise.WithoutLibrary("DotProductAttention.Attend, DotProductAttention.Context, AttentionPooling.Attend, Masks.MaskedSoftmax",
                    () => student(x[0], x[1], x[2], cases[current].Lengths?.ToArray(), cases[current].Causal))),
                x => pick(Reference(++current, x)),
                inputs);
            if (result.Passed || !result.Attempted)
            {
                return result with { Exercise = "scaled dot-product attention" };
            }
            var (_, lengths, causal) = cases[result.CasesChecked - 1];
            var empty = lengths?.Select((l, b) => (l, b)).Where(p => p.l == 0).Select(p => p.b).ToList() ?? new List<int>();
            var note = empty.Count == 0 ? ""
                : $"; example{(empty.Count > 1 ? "s" : "")} {string.Join(", ", empty)} {(empty.Count > 1 ? "have" : "has")} no key, so {(empty.Count > 1 ? "their" : "its")} weights and context must be 0 (not NaN)";
            return new ExerciseResult("scaled dot-product attention", false, result.CasesChecked,
                $"the {part}: {result.Message}; that case has keyLengths {(lengths is null ? "null (every key real)" : "[" + string.Join(", ", lengths) + "]")}, causal: {(causal ? "true" : "false")}{note}");
        }
        var weights = Check("weights", r => r.Weights);
        return weights.Passed ? Check("context", r => r.Context) : weights;
    }

    /// <summary>
    /// The causal mask of a packed batch (Notes §6.7.2.4, the decoder's causal mask): several sequences share one row of
    /// T positions, <c>documents[b, t]</c> names the sequence position t belongs to (any id ≥ 0) and −1 marks padding.
    /// student(documents [B, T] long) → keep [B, T, T] Bool, true where query i may see key j: j ≤ i, both in the same
    /// sequence, neither padding. <see cref="Masks.Causal"/> gives only the triangle (the same for every row of the
    /// batch) and is allowed; the sequence boundaries and the padding are the exercise. Cases: one sequence (the plain
    /// triangle), several, every position its own sequence, padding at the end and in the middle, T = 1. A failure names
    /// the case's documents.
    /// </summary>
    public static ExerciseResult CheckPackedCausalMask(Func<Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var cases = PackedCases();
        var result = Exercise.CheckTensors("packed causal mask",
            x => AsNumbers(student(x[0]), "your mask"),
            x => AsNumbers(PackedMask(x[0]), "the reference"),
            cases.Select(d => new[] { d }), atol: 0, rtol: 0);
        return WithDocuments(result, cases);
    }

    /// <summary>
    /// The attention weights of a packed batch: student(scores [B, T, T], documents [B, T] as in
    /// <see cref="CheckPackedCausalMask"/>) → weights [B, T, T], the softmax of each query's scores over the keys it may
    /// see, exactly 0 elsewhere; a padding query sees no key, and its row must be all zeros, not NaN.
    /// <see cref="Masks.MaskedSoftmax"/> (and the attention calls that use it) are switched off while the student's function
    /// runs: the fully masked row is the student's to handle. The scores are float64; one case has scores in the thousands
    /// (e^s overflows). A failure names the case's documents.
    /// </summary>
    public static ExerciseResult CheckPackedMaskedSoftmax(Func<Tensor, Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var cases = PackedCases();
        using var generator = new Generator(9);
        var inputs = cases.Select((d, i) => new[] { randn(new[] { d.shape[0], d.shape[1], d.shape[1] }, dtype: float64, generator: generator) * (i == 2 ? 1000 : 1), d }).ToList();
        var result = Exercise.CheckTensors("packed masked softmax",
            x => Exercise.WithoutLibrary("Masks.MaskedSoftmax, DotProductAttention.Attend, DotProductAttention.Context, AttentionPooling.Attend", () => student(x[0], x[1])),
            x => Masks.MaskedSoftmax(x[0], PackedMask(x[1])), inputs);
        return WithDocuments(result, cases);
    }

    private static Tensor PackedMask(Tensor documents)
    {
        var same = documents.unsqueeze(2).eq(documents.unsqueeze(1));                 // [B, T, T]: query i, key j in one sequence
        var real = documents.ge(0).unsqueeze(1);                                      // [B, 1, T]: key j is not padding
        var t = documents.shape[1];
        return same.logical_and(real).logical_and(Masks.Causal(t, t).unsqueeze(0));   // [B, T, T]
    }

    private static List<Tensor> PackedCases() => new()
    {
        tensor(new long[,] { { 0, 0, 0, 0 } }),                                       // one sequence: the triangle
        tensor(new long[,] { { 0, 0, 1, 1, 1, 2 }, { 7, 7, 7, 7, 3, 3 } }),          // several; ids need not be 0, 1, 2
        tensor(new long[,] { { 0, 0, 1, -1, -1 }, { 4, -1, 4, 5, 5 }, { -1, -1, -1, -1, -1 } }), // padding at the end, in the middle, a whole row
        tensor(new long[,] { { 0, 1, 2 } }),                                          // every position its own sequence
        tensor(new long[,] { { 3 }, { -1 } }),                                        // T = 1
    };

    private static ExerciseResult WithDocuments(ExerciseResult result, List<Tensor> cases) =>
        result.Passed || !result.Attempted || result.CasesChecked < 1 || result.CasesChecked > cases.Count
            ? result
            : result with { Message = $"{result.Message}; that case has documents {Rows(cases[result.CasesChecked - 1])} (−1 = padding)" };

    private static string Rows(Tensor documents) =>
        "[" + string.Join(", ", Enumerable.Range(0, (int)documents.shape[0]).Select(b => "[" + string.Join(", ", documents[b].data<long>().ToArray()) + "]")) + "]";

    /// <summary>
    /// The sinusoidal encoding of arbitrary positions (Notes §6.7.2.1; Notes B, "Positional Encoding"): student(positions
    /// [n] float64, dim) → [n, dim] with p[r, 2i] = sin(positions[r]·ω_i), p[r, 2i+1] = cos(positions[r]·ω_i),
    /// ω_i = 10000^{-2i/dim}; an odd dim ends with a sine column. The positions may be negative or fractional, so
    /// <see cref="SinusoidalPositionalEncoding.Table"/> (positions 0 … length-1 only) cannot answer it by indexing. Cases:
    /// integer positions (where it must agree with the table), negative and fractional offsets, large positions, odd
    /// dims, dim 1. Compared in float64 to 1e-9; a failure names the case's positions and dim.
    /// </summary>
    public static ExerciseResult CheckSinusoidalEncoding(Func<Tensor, long, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var cases = new (double[] Positions, long Dim)[]
        {
            (Enumerable.Range(0, 10).Select(t => (double)t).ToArray(), 4),
            (new[] { -3.0, -0.5, 0.0, 2.25, 7.0 }, 6),
            (Enumerable.Range(0, 40).Select(t => -15.0 + 0.75 * t).ToArray(), 16),
            (new[] { 1000.5, -1000.0, 3.0 }, 7),
            (new[] { -2.0, 0.1 }, 1),
            (new[] { 12.0, 11.0, -4.5, 0.0 }, 9),
        };
        ScalarType? returned = null;
        var result = Exercise.CheckTensors("sinusoidal positional encoding",
            x =>
            {
                var encoding = student(x[0], x[1].item<long>());
                returned = encoding?.dtype;
                return encoding!;   // null is reported by CheckTensors
            },
            x => SinusoidalAt(x[0], x[1].item<long>()),
            cases.Select(c => new[] { tensor(c.Positions, dtype: ScalarType.Float64), tensor(c.Dim) }), atol: 1e-9, rtol: 0);
        if (result.Passed || !result.Attempted)
        {
            return result;
        }
        var (positions, dim) = cases[result.CasesChecked - 1];
        var shown = string.Join(", ", positions.Take(12).Select(p => p.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)));
        return result with
        {
            Message = $"{result.Message}; that case is positions [{shown}{(positions.Length > 12 ? ", ..." : "")}] (row r of your result is positions[r]), dim {dim}" +
                (returned is { } type && type != ScalarType.Float64 ? $"; your result has dtype {type}: compute in Float64 (1e-9 is finer than float32 resolves)" : ""),
        };
    }

    /// <summary>
    /// Why the sinusoidal encoding lets attention read relative offsets (Vaswani et al. 2017, §3.5; not written out in the
    /// notes): for an even <c>dim</c> and an offset k there is one matrix M [dim, dim] with p(t + k) = p(t) M for every
    /// position t (p(t) a row of the encoding). student(dim, offset) → M, derived from the angle-addition formulas; the
    /// check compares with the closed form in float64 (2×2 blocks on the diagonal, one per frequency) to 1e-12 and, as a
    /// second line, applies M to the encodings of 50 positions. Cases: offsets 1, −3, 0.5, 0 and 1000; dims 2 to 16. A
    /// failure names dim, offset and, for a wrong entry, its row and column's frequency index.
    /// </summary>
    public static ExerciseResult CheckSinusoidalShift(Func<long, double, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var cases = new (long Dim, double Offset)[] { (2, 1), (4, 1), (8, -3), (6, 0.5), (4, 0), (16, 1000) };
        var result = Exercise.CheckTensors("the offset matrix of the sinusoidal encoding",
            x => student(x[0].item<long>(), x[1].item<double>()),
            x => ShiftMatrix(x[0].item<long>(), x[1].item<double>()),
            cases.Select(c => new[] { tensor(c.Dim), tensor(c.Offset, dtype: ScalarType.Float64) }), atol: 1e-12, rtol: 0);
        if (!result.Passed)
        {
            if (!result.Attempted || result.CasesChecked < 1 || result.CasesChecked > cases.Length)
            {
                return result;
            }
            var (dim, offset) = cases[result.CasesChecked - 1];
            var cell = System.Text.RegularExpressions.Regex.Match(result.Message, @"at \[(\d+), (\d+)\]");
            var where = cell.Success
                ? $"; entry [{cell.Groups[1].Value}, {cell.Groups[2].Value}] is in the block of frequencies ω_{long.Parse(cell.Groups[1].Value) / 2} (row) and ω_{long.Parse(cell.Groups[2].Value) / 2} (column); rows 2i, 2i+1 hold sin and cos of t·ω_i"
                : "";
            return result with { Message = $"{result.Message}; that case is dim {dim}, offset {offset.ToString(System.Globalization.CultureInfo.InvariantCulture)}{where}" };
        }
        // the property itself: M moves every position's encoding by the offset
        foreach (var (dim, offset) in cases)
        {
            var positions = arange(-20.0, 30.0, 1.0, dtype: ScalarType.Float64) * 1.37;
            var moved = SinusoidalAt(positions, dim).matmul(student(dim, offset).to_type(ScalarType.Float64));
            var gap = (moved - SinusoidalAt(positions + offset, dim)).abs().max().item<double>();
            if (gap > 1e-9)
            {
                return new ExerciseResult(result.Exercise, false, cases.Length, $"dim {dim}, offset {offset}: p(t) M differs from p(t + offset) by up to {gap:G3}");
            }
        }
        return result;
    }

    private static Tensor ShiftMatrix(long dim, double offset)
    {
        if (dim % 2 != 0)
        {
            throw new ArgumentException($"the offset matrix exists for an even dim only, got {dim}");
        }
        var m = zeros(dim, dim, dtype: ScalarType.Float64);
        for (long i = 0; i < dim / 2; i++)
        {
            var angle = offset * Math.Exp(2 * i * (-Math.Log(10000.0) / dim));
            var (s, c) = (Math.Sin(angle), Math.Cos(angle));
            m[2 * i, 2 * i] = c; m[2 * i, 2 * i + 1] = -s;          // sin(a + b) = sin a cos b + cos a sin b
            m[2 * i + 1, 2 * i] = s; m[2 * i + 1, 2 * i + 1] = c;  // cos(a + b) = cos a cos b − sin a sin b
        }
        return m;
    }

    /// <summary>The reference of <see cref="CheckSinusoidalEncoding"/>: the encodings of arbitrary positions [n] → [n, dim], float64.</summary>
    private static Tensor SinusoidalAt(Tensor positions, long dim)
    {
        var pairIndex = arange(0, dim, 2, dtype: ScalarType.Float64);                       // [ceil(d/2)] = 2i
        var frequencies = exp(pairIndex * (-Math.Log(10000.0) / dim));                      // ω_i
        var angles = positions.to_type(ScalarType.Float64).unsqueeze(1) * frequencies.unsqueeze(0); // [n, ceil(d/2)]
        var result = zeros(positions.shape[0], dim, dtype: ScalarType.Float64);
        result.index_put_(angles.sin(), TensorIndex.Colon, TensorIndex.Slice(0, null, 2));
        result.index_put_(angles.cos().narrow(1, 0, dim / 2), TensorIndex.Colon, TensorIndex.Slice(1, null, 2));
        return result;
    }

    private static Tensor AsNumbers(Tensor mask, string who) => mask.dtype == ScalarType.Bool
        ? mask.to_type(ScalarType.Float32)
        : throw new ArgumentException($"{who} has dtype {mask.dtype}; a mask is Bool (true = may attend).");
}

using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>Library checks for notebook 04b's exercises.</summary>
public static class VisionExercises
{
    /// <summary>The boxes the IoU check runs on: overlapping, nested, disjoint, touching, identical, empty and non-integer pairs.</summary>
    public static IReadOnlyList<(Box A, Box B)> IouCases { get; } = new[]
    {
        (new Box(0, 0, 2, 2), new Box(1, 1, 3, 3)),          // 1 / 7
        (new Box(0, 0, 4, 4), new Box(1, 1, 3, 3)),          // nested: 4 / 16
        (new Box(0, 0, 1, 1), new Box(2, 2, 3, 3)),          // disjoint: 0
        (new Box(0, 0, 2, 2), new Box(2, 0, 4, 2)),          // touching edges: 0
        (new Box(1, 2, 5, 7), new Box(1, 2, 5, 7)),          // identical: 1
        (new Box(0, 0, 4, 2), new Box(2, 1, 6, 5)),          // 2 / 22
        (new Box(3, 3, 3, 3), new Box(3, 3, 3, 3)),          // both empty: 0
        (new Box(0.5, 0.5, 2.5, 1.5), new Box(1, 0, 2, 3)),  // 1 / 4
        (new Box(0, 0, 10, 1), new Box(4, -5, 5, 5)),        // a cross: 1 / 19
        (new Box(2, 2, 6, 6), new Box(0, 0, 3, 3)),          // corner overlap: 1 / 24
    };

    /// <summary>
    /// IoU and generalised IoU (Notes §5.2.1.1; Rezatofighi et al. 2019): the student's function gets two boxes and
    /// returns (IoU, GIoU) with GIoU = IoU − (|C| − |A ∪ B|) / |C|, C the smallest box enclosing both (GIoU = IoU when
    /// |C| = 0). <see cref="Boxes.Iou"/> answers the first half, nothing in the library the second. Compared to 1e-9 on
    /// <see cref="IouCases"/>; a failure names the pair, which half is wrong, and both values.
    /// </summary>
    public static ExerciseResult CheckOverlap(Func<Box, Box, (double Iou, double Giou)> student) =>
        Exercise.CheckValues("IoU and GIoU", (Func<(Box, Box), (double Iou, double Giou)>)(c => student(c.Item1, c.Item2)),
            IouCases.Select(c => ((c.A, c.B), Overlap(c.A, c.B))),
            (expected, got) => Math.Abs(got.Iou - expected.Iou) <= 1e-9 && Math.Abs(got.Giou - expected.Giou) <= 1e-9);

    /// <summary>The student's (IoU, GIoU), to plug into <see cref="Boxes.NonMaxSuppression"/> (its IoU) and the GIoU comparison (the reference while it is the stub).</summary>
    public static Plugged<Func<Box, Box, (double Iou, double Giou)>> PlugOverlap(Func<Box, Box, (double Iou, double Giou)> student) =>
        Plug.Custom<Func<Box, Box, (double Iou, double Giou)>>("IoU and GIoU", p => (a, b) => p.Call(() => student(a, b), () => Overlap(a, b)));

    // The reference: IoU from the library, GIoU's penalty from the enclosing box.
    private static (double Iou, double Giou) Overlap(Box a, Box b)
    {
        var iou = Boxes.Iou(a, b);
        var enclosing = (Math.Max(a.X2, b.X2) - Math.Min(a.X1, b.X1)) * (Math.Max(a.Y2, b.Y2) - Math.Min(a.Y1, b.Y1));
        var union = a.Area + b.Area - Boxes.Intersection(a, b);
        return (iou, enclosing > 0 ? iou - (enclosing - union) / enclosing : iou);
    }

    /// <summary>
    /// The Gram matrix of Notes §5.5.1 over a weighted region (style measured inside a mask): the student's function gets
    /// activations [batch, C, H, W] and weights [batch, H, W] (≥ 0, not all zero in an image) and returns [batch, C, C]
    /// with G_km = Σ_p w_p f_k(p) f_m(p) / Σ_p w_p. <see cref="InputOptimisation.Gram"/> takes no weights: it is the
    /// case of equal weights (the first case, which it passes); the others use a box mask, a soft mask and
    /// weights that differ between the images of a batch. A failing case is named by its shapes and its weights.
    /// </summary>
    public static ExerciseResult CheckGram(Func<Tensor, Tensor, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var generator = new Generator(15);
        Tensor Activations(long b, long c, long h, long w) => rand(new[] { b, c, h, w }, generator: generator);
        var box = zeros(1, 7, 7);
        box[TensorIndex.Colon, TensorIndex.Slice(2, 5), TensorIndex.Slice(1, 4)] = 1;     // a 3×3 box of ones
        var cases = new List<(string What, Tensor[] Inputs)>
        {
            ("activations [2, 8, 5, 3], all weights 1 (the plain Gram matrix)", new[] { Activations(2, 8, 5, 3), ones(2, 5, 3) }),
            ("activations [1, 3, 7, 7], weights 1 on a 3×3 box and 0 elsewhere", new[] { Activations(1, 3, 7, 7), box }),
            ("activations [3, 16, 2, 2], soft weights in [0, 1) drawn uniformly", new[] { Activations(3, 16, 2, 2), rand(new long[] { 3, 2, 2 }, generator: generator) }),
            ("activations [2, 4, 4, 4], weights 2 everywhere in image 0 and 1 on the first row only in image 1",
                new[] { Activations(2, 4, 4, 4), cat(new[] { full(1, 4, 4, 2f), cat(new[] { ones(1, 1, 4), zeros(1, 3, 4) }, 1) }, 0) }),
        };
        Tensor Reference(Tensor[] t)
        {
            var f = t[0].flatten(2);                                                    // [batch, C, H·W]
            var w = t[1].flatten(1).unsqueeze(1);                                       // [batch, 1, H·W]
            return matmul(f * w, f.transpose(1, 2)) / w.sum(new long[] { 2 }, keepdim: true);   // [batch, C, C]
        }
        var check = Exercise.CheckTensors("weighted Gram matrix", t => student(t[0], t[1]), Reference, cases.Select(c => c.Inputs));
        return check.Passed || !check.Attempted || check.CasesChecked < 1 || check.CasesChecked > cases.Count
            ? check
            : check with { Message = $"{check.Message}; that case is {cases[check.CasesChecked - 1].What}" };
    }

    /// <summary>
    /// Where a transposed convolution writes (Notes §5.2.3.1), one level below its output side
    /// (<see cref="Upsampling.TransposedOutputSize"/> answers the side outright): the student's function gets (n, kernel,
    /// stride, padding, output_padding) of a 1-D transposed convolution and returns, for each input position i in 0..n−1,
    /// the output positions its kernel's taps land on inside the output, in increasing order. The expected lists come from
    /// the definition, <see cref="Scatter"/> (tap j of input i lands on o = stride·i + j − padding, kept when inside the
    /// output), never from a float32 kernel; a unit test holds that definition to torch's ConvTranspose1d in float64 on a
    /// batch of 16. The cases include padding that crops taps at both ends, output_padding, a 1-wide kernel with stride 3
    /// (gaps) and a kernel wider than the stride (overlaps).
    /// </summary>
    public static ExerciseResult CheckTransposedScatter(Func<int, int, int, int, int, int[][]> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var cases = new[] { (4, 2, 2, 0, 0), (4, 3, 2, 1, 0), (4, 3, 2, 1, 1), (4, 4, 2, 1, 0), (5, 3, 1, 1, 0),
                (3, 5, 3, 2, 2), (1, 3, 1, 0, 0), (4, 1, 3, 0, 1), (3, 4, 4, 0, 3), (3, 7, 2, 3, 1) }
            .Select(c => (Input: c, Expected: Scatter(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5)))
            .ToList();
        return Exercise.CheckValues("transposed convolution scatter",
            (Func<(int, int, int, int, int), int[][]>)(c => student(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5)), cases,
            (a, b) => a is not null && b is not null && a.Length == b.Length && a.Zip(b).All(pair => pair.First is not null && pair.Second is not null && pair.First.SequenceEqual(pair.Second)));
    }

    /// <summary>
    /// The reference for <see cref="CheckTransposedScatter"/>, from the definition: a 1-D transposed convolution's output
    /// has (n − 1)·stride − 2·padding + kernel + output_padding positions, and tap j of input i lands on
    /// o = stride·i + j − padding, kept when 0 ≤ o &lt; that length (padding crops both ends).
    /// </summary>
    public static int[][] Scatter(int n, int kernel, int stride, int padding, int outputPadding)
    {
        var length = Upsampling.TransposedOutputSize(n, kernel, stride, padding, outputPadding);
        return Enumerable.Range(0, n)
            .Select(i => Enumerable.Range(0, kernel).Select(j => stride * i + j - padding).Where(o => o >= 0 && o < length).ToArray())
            .ToArray();
    }
}

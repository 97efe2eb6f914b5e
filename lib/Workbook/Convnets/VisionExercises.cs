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
    /// IoU (Notes §5.2.1.1): the student's function gets two boxes and returns their intersection over union; the
    /// expected values are <see cref="Boxes.Iou"/>'s on <see cref="IouCases"/>, compared to 1e-9.
    /// </summary>
    public static ExerciseResult CheckIou(Func<Box, Box, double> student) =>
        Exercise.CheckValues("intersection over union", (Func<(Box, Box), double>)(c => student(c.Item1, c.Item2)),
            IouCases.Select(c => ((c.A, c.B), Boxes.Iou(c.A, c.B))), (got, expected) => Math.Abs(got - expected) <= 1e-9);

    /// <summary>The student's IoU, to plug into <see cref="Boxes.NonMaxSuppression"/> (the reference while it is the stub).</summary>
    public static Plugged<Func<Box, Box, double>> PlugIou(Func<Box, Box, double> student) =>
        Plug.Custom<Func<Box, Box, double>>("intersection over union", p => (a, b) => p.Call(() => student(a, b), () => Boxes.Iou(a, b)));

    /// <summary>
    /// The Gram matrix of Notes §5.5.1: the student's function gets activations [batch, C, H, W] and returns
    /// [batch, C, C] with G_km = mean over positions of f_k f_m; checked against <see cref="InputOptimisation.Gram"/> on
    /// random activations of several shapes.
    /// </summary>
    public static ExerciseResult CheckGram(Func<Tensor, Tensor> student)
    {
        var generator = new Generator(15);
        var inputs = new[] { (1L, 3L, 4L, 4L), (2L, 8L, 5L, 3L), (1L, 1L, 7L, 7L), (3L, 16L, 2L, 2L) }
            .Select(s => new[] { rand(new[] { s.Item1, s.Item2, s.Item3, s.Item4 }, generator: generator) }).ToList();
        return Exercise.CheckTensors("Gram matrix", t => student(t[0]), t => InputOptimisation.Gram(t[0]), inputs);
    }

    /// <summary>
    /// The output side of a transposed convolution (Notes §5.2.3.1): the student's function gets (n, kernel, stride,
    /// padding, output_padding) and returns the output side; the expected value is what TorchSharp's ConvTranspose2d
    /// produces on zeros.
    /// </summary>
    public static ExerciseResult CheckTransposedOutputSize(Func<int, int, int, int, int, long> student)
    {
        var cases = new List<((int N, int Kernel, int Stride, int Padding, int OutputPadding) Input, long Expected)>();
        foreach (var (n, k, s, p, op) in new[] { (8, 2, 2, 0, 0), (8, 3, 2, 1, 0), (8, 3, 2, 1, 1), (4, 4, 2, 1, 0), (5, 3, 1, 1, 0),
                     (7, 5, 3, 2, 2), (1, 3, 1, 0, 0), (6, 1, 3, 0, 1), (10, 4, 4, 0, 3), (3, 7, 2, 3, 1) })
        {
            using var _ = no_grad();
            using var layer = nn.ConvTranspose2d(1, 1, k, stride: s, padding: p, output_padding: op);
            using var output = layer.call(zeros(16, 1, n, n));                       // [16, 1, out, out]
            cases.Add(((n, k, s, p, op), output.shape[2]));
        }
        return Exercise.CheckValues("transposed convolution output size",
            (Func<(int, int, int, int, int), long>)(c => student(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5)), cases);
    }
}

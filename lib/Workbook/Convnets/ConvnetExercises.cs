using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>Library checks for notebook 04's exercises; expected answers come from the definitions, never from a float32 kernel.</summary>
public static class ConvnetExercises
{
    /// <summary>
    /// What each output of a convolution reads (Notes §5.1.2), one level below its output length
    /// (<see cref="ShapeArithmetic.OutputSize"/> answers the length outright): the student's function gets (n, kernel,
    /// stride, padding, dilation) of a 1-D convolution and returns, for each output position o, the input positions its
    /// window covers, in increasing order, leaving out those that fall in the padding. The expected lists come from the
    /// definition, <see cref="Windows"/> (output o reads input o·stride − padding + j·dilation for tap j), never from a
    /// float32 kernel; a unit test holds that definition to torch's Conv1d in float64. The cases are the ten of the
    /// output-size formula (AlexNet's first layer on 227 and 224 pixels among them, dilation 2 and 3).
    /// </summary>
    public static ExerciseResult CheckConvWindows(Func<int, int, int, int, int, int[][]> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var cases = new[] { (16, 3, 1, 1, 1), (16, 3, 1, 0, 1), (32, 5, 2, 2, 1), (227, 11, 4, 0, 1), (224, 11, 4, 0, 1),
                (13, 3, 2, 0, 1), (16, 3, 1, 2, 2), (20, 4, 3, 1, 1), (7, 7, 1, 3, 1), (10, 3, 1, 0, 3) }
            .Select(c => (Input: c, Expected: Windows(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5)))
            .ToList();
        return Exercise.CheckValues("convolution windows",
            (Func<(int, int, int, int, int), int[][]>)(c => student(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5)), cases,
            (a, b) => a is not null && b is not null && a.Length == b.Length && a.Zip(b).All(pair => pair.First is not null && pair.Second is not null && pair.First.SequenceEqual(pair.Second)));
    }

    /// <summary>
    /// The reference for <see cref="CheckConvWindows"/>, from the definition: output o of a 1-D convolution reads input
    /// positions o·stride − padding + j·dilation for j = 0..kernel−1, those inside 0..n−1 (the rest are padding).
    /// </summary>
    public static int[][] Windows(int n, int kernel, int stride, int padding, int dilation)
    {
        var outputs = (int)ShapeArithmetic.OutputSize(n, kernel, stride, padding, dilation);
        return Enumerable.Range(0, outputs)
            .Select(o => Enumerable.Range(0, kernel).Select(j => o * stride - padding + j * dilation).Where(i => i >= 0 && i < n).ToArray())
            .ToArray();
    }

    /// <summary>
    /// The cost of a 2-D convolution on an n×n input: the student's function gets (input channels, output channels, kernel,
    /// bias?, n, stride, padding) and returns (parameters, multiply-adds), the multiply-adds being one per weight per output
    /// position (out² · C_out · C_in · k², the bias's additions not counted). The parameter count alone is one call
    /// (<see cref="ShapeArithmetic.CountParameters"/> on a built layer, allowed); the multiply-adds are not. The expected
    /// values are counted off the real torch.nn.Conv2d (its parameters) and the output-size formula (its positions, which a
    /// unit test holds to Conv2d's output shape); no kernel's numbers are read. The cases include AlexNet's first layer on
    /// 227 pixels, a 1×1 convolution and strides that drop the last pixels.
    /// </summary>
    public static ExerciseResult CheckConvCost(Func<int, int, int, bool, int, int, int, (long Parameters, long MultiplyAdds)> student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var cases = new List<((int In, int Out, int Kernel, bool Bias, int N, int Stride, int Padding) Input, (long Parameters, long MultiplyAdds) Expected)>();
        foreach (var (cin, cout, k, bias, n, stride, padding) in new[]
                 {
                     (1, 8, 3, true, 16, 1, 1), (3, 96, 11, true, 227, 4, 0), (64, 64, 3, false, 28, 1, 1), (256, 1024, 1, false, 14, 1, 0),
                     (8, 16, 5, true, 32, 2, 2), (16, 32, 3, true, 15, 2, 0),
                 })
        {
            using var conv = nn.Conv2d(cin, cout, k, stride: stride, padding: padding, bias: bias);
            var side = ShapeArithmetic.OutputSize(n, k, stride, padding);
            var weightPerOutputChannel = conv.weight!.numel() / cout;                  // C_in · k²
            cases.Add(((cin, cout, k, bias, n, stride, padding), (ShapeArithmetic.CountParameters(conv), side * side * cout * weightPerOutputChannel)));
        }
        return Exercise.CheckValues("convolution cost",
            (Func<(int, int, int, bool, int, int, int), (long, long)>)(c => student(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6, c.Item7)), cases);
    }
}

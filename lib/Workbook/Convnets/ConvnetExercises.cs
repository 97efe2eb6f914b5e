using TorchSharp;
using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>Library checks for notebook 04's exercises; the references are TorchSharp's own layers, run on zeros.</summary>
public static class ConvnetExercises
{
    /// <summary>
    /// The output length of a convolution (Notes §5.1.2): the student's function gets (n, kernel, stride, padding, dilation)
    /// and returns the number of output positions; the expected value is what torch.nn.Conv1d produces.
    /// </summary>
    public static ExerciseResult CheckOutputSize(Func<int, int, int, int, int, long> student)
    {
        var cases = new List<((int N, int Kernel, int Stride, int Padding, int Dilation) Input, long Expected)>();
        foreach (var (n, k, s, p, d) in new[] { (16, 3, 1, 1, 1), (16, 3, 1, 0, 1), (32, 5, 2, 2, 1), (227, 11, 4, 0, 1), (224, 11, 4, 0, 1),
                     (13, 3, 2, 0, 1), (16, 3, 1, 2, 2), (20, 4, 3, 1, 1), (7, 7, 1, 3, 1), (10, 3, 1, 0, 3) })
        {
            using var _ = no_grad();
            using var conv = nn.Conv1d(1, 1, k, s, p, d);
            using var output = conv.call(zeros(16, 1, n));                            // [16, 1, out] (a batch of 16: libtorch skips its NNPACK probe and its warning)
            cases.Add(((n, k, s, p, d), output.shape[2]));
        }
        return Exercise.CheckValues("convolution output size", (Func<(int, int, int, int, int), long>)(c => student(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5)), cases);
    }

    /// <summary>
    /// The parameter count of a 2-D convolution: the student's function gets (input channels, output channels, kernel,
    /// bias?) and returns the count; the expected value is the number of elements in torch.nn.Conv2d's parameters.
    /// </summary>
    public static ExerciseResult CheckConvParameters(Func<int, int, int, bool, long> student)
    {
        var cases = new List<((int In, int Out, int Kernel, bool Bias) Input, long Expected)>();
        foreach (var (cin, cout, k, bias) in new[] { (1, 8, 3, true), (3, 96, 11, true), (64, 64, 3, false), (256, 1024, 1, false), (8, 16, 5, true) })
        {
            using var conv = nn.Conv2d(cin, cout, k, bias: bias);
            cases.Add(((cin, cout, k, bias), ShapeArithmetic.CountParameters(conv)));
        }
        return Exercise.CheckValues("convolution parameters", (Func<(int, int, int, bool), long>)(c => student(c.Item1, c.Item2, c.Item3, c.Item4)), cases);
    }
}

using System.Diagnostics;
using static TorchSharp.torch;

namespace Workbook.Tensors;

/// <summary>One convolution case of <see cref="ConvolutionSelfTest"/>: float32 against float64 on the same inputs.</summary>
/// <param name="Name">The operation and its shape, e.g. "conv2d stride 1, batch 8, 3→4 channels, 12×12".</param>
/// <param name="Output">The output's worst error relative to the float64 output's largest magnitude.</param>
/// <param name="InputGradient">The same for the gradient with respect to the input.</param>
/// <param name="WeightGradient">The same for the gradient with respect to the weights.</param>
public sealed record ConvolutionCase(string Name, double Output, double InputGradient, double WeightGradient)
{
    /// <summary>The largest of the three errors.</summary>
    public double Worst => Math.Max(Output, Math.Max(InputGradient, WeightGradient));

    /// <summary>Which of the three is wrong, e.g. "input gradient off by 0.21".</summary>
    public string Describe(double tolerance)
    {
        var wrong = new List<string>();
        if (!(Output <= tolerance)) wrong.Add($"output off by {Output:G2}");
        if (!(InputGradient <= tolerance)) wrong.Add($"input gradient off by {InputGradient:G2}");
        if (!(WeightGradient <= tolerance)) wrong.Add($"weight gradient off by {WeightGradient:G2}");
        return $"{Name}: {(wrong.Count == 0 ? "right" : string.Join(", ", wrong))}";
    }
}

/// <summary>What <see cref="ConvolutionSelfTest.Run"/> found.</summary>
/// <param name="Cases">Every case of every repeat (a case appears once per repeat).</param>
/// <param name="Tolerance">The largest relative error counted as right (float32 rounding is about 1e-7 here).</param>
/// <param name="Milliseconds">Wall time of the whole check.</param>
public sealed record ConvolutionReport(IReadOnlyList<ConvolutionCase> Cases, double Tolerance, double Milliseconds)
{
    /// <summary>The cases with an error above <see cref="Tolerance"/> (NaN counts as wrong).</summary>
    public IReadOnlyList<ConvolutionCase> Wrong => Cases.Where(c => !(c.Worst <= Tolerance)).ToList();

    /// <summary>True when every case agrees with float64.</summary>
    public bool Passed => Wrong.Count == 0;

    /// <summary>The worst relative error over all cases (NaN if any case gave NaN).</summary>
    public double WorstError => Cases.Any(c => double.IsNaN(c.Worst)) ? double.NaN : Cases.Max(c => c.Worst);

    /// <summary>One line: "right" or which operations are wrong.</summary>
    public override string ToString() => Passed
        ? $"float32 convolutions agree with float64 ({Cases.Count} checks, worst relative error {WorstError:G2}, {Milliseconds:F0} ms)"
        : $"float32 convolutions are WRONG on this CPU ({CpuKernels.CpuName}): " +
          string.Join("; ", Wrong.GroupBy(c => c.Name).Select(g => g.MaxBy(c => double.IsNaN(c.Worst) ? double.MaxValue : c.Worst)!.Describe(Tolerance)));
}

/// <summary>
/// A quick check that single-precision convolutions are right on this CPU: the convolution shapes the workbook uses
/// (conv1d, conv2d and their transposes; stride 1 and 2; padding; batch 1 and more than 1; forward, input gradient and
/// weight gradient) computed in float32 and in float64 on the same inputs, repeated so that a fault that shows only in
/// some calls is caught. libtorch's float64 path does not go through oneDNN's float32 kernels, so it is the reference.
/// The inputs are a fixed formula, so the check draws nothing from any random generator.
/// </summary>
public static class ConvolutionSelfTest
{
    /// <summary>Relative error above which a case counts as wrong (float32 gives about 1e-7 on these sizes).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Runs every case <paramref name="repeats"/> times and reports what it found.</summary>
    public static ConvolutionReport Run(int repeats = 2)
    {
        var clock = Stopwatch.StartNew();
        var cases = new List<ConvolutionCase>();
        using var _ = no_grad();
        for (var r = 0; r < repeats; r++)
        {
            // Batch 1 and larger batches; the faults seen so far (AMD EPYC with AVX-512, libtorch 2.10) hit batches > 1.
            foreach (var batch in new[] { 1, 8, 16 })
            {
                cases.Add(Compare($"conv1d stride 1 padding 1, batch {batch}, 3→4 channels, length 20",
                    new long[] { batch, 3, 20 }, new long[] { 4, 3, 3 },
                    (x, w) => nn.functional.conv1d(x, w, stride: 1, padding: 1)));
                cases.Add(Compare($"conv1d stride 2, batch {batch}, 3→4 channels, length 21",
                    new long[] { batch, 3, 21 }, new long[] { 4, 3, 3 },
                    (x, w) => nn.functional.conv1d(x, w, stride: 2)));
                cases.Add(Compare($"conv2d stride 1 padding 1, batch {batch}, 3→4 channels, 12×12",
                    new long[] { batch, 3, 12, 12 }, new long[] { 4, 3, 3, 3 },
                    (x, w) => nn.functional.conv2d(x, w, strides: new long[] { 1, 1 }, padding: new long[] { 1, 1 })));
                cases.Add(Compare($"conv2d stride 2 padding 1, batch {batch}, 3→8 channels, 12×12",
                    new long[] { batch, 3, 12, 12 }, new long[] { 8, 3, 3, 3 },
                    (x, w) => nn.functional.conv2d(x, w, strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 })));
                cases.Add(Compare($"conv_transpose1d stride 1 padding 1, batch {batch}, 1→1 channel, length 5",
                    new long[] { batch, 1, 5 }, new long[] { 1, 1, 3 },
                    (x, w) => nn.functional.conv_transpose1d(x, w, stride: 1, padding: 1)));
                cases.Add(Compare($"conv_transpose1d stride 2 padding 1 output_padding 1, batch {batch}, 2→3 channels, length 6",
                    new long[] { batch, 2, 6 }, new long[] { 2, 3, 3 },
                    (x, w) => nn.functional.conv_transpose1d(x, w, stride: 2, padding: 1, output_padding: 1)));
                cases.Add(Compare($"conv_transpose2d stride 1 padding 1, batch {batch}, 2→3 channels, 6×6",
                    new long[] { batch, 2, 6, 6 }, new long[] { 2, 3, 3, 3 },
                    (x, w) => nn.functional.conv_transpose2d(x, w, strides: new long[] { 1, 1 }, padding: new long[] { 1, 1 })));
                cases.Add(Compare($"conv_transpose2d stride 2 padding 1 output_padding 1, batch {batch}, 4→2 channels, 6×6",
                    new long[] { batch, 4, 6, 6 }, new long[] { 4, 2, 3, 3 },
                    (x, w) => nn.functional.conv_transpose2d(x, w, strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 }, output_padding: new long[] { 1, 1 })));
            }
        }
        return new ConvolutionReport(cases, Tolerance, clock.Elapsed.TotalMilliseconds);
    }

    // The gradients are those of sum(output · pattern), so every output position carries a different weight.
    /// <summary>
    /// One case: <paramref name="op"/> (input <c>x</c>, weights <c>w</c>) on fixed inputs of the given shapes, in float64
    /// and in float32, forward and both gradients. Public so that a test can hand it a deliberately wrong operation.
    /// </summary>
    public static ConvolutionCase Compare(string name, long[] inputShape, long[] weightShape, Func<Tensor, Tensor, Tensor> op)
    {
        using var scope = NewDisposeScope();
        var (out64, dx64, dw64) = Evaluate(inputShape, weightShape, op, ScalarType.Float64);
        var (out32, dx32, dw32) = Evaluate(inputShape, weightShape, op, ScalarType.Float32);
        return new ConvolutionCase(name, RelativeError(out32, out64), RelativeError(dx32, dx64), RelativeError(dw32, dw64));
    }

    private static (Tensor Output, Tensor InputGradient, Tensor WeightGradient) Evaluate(
        long[] inputShape, long[] weightShape, Func<Tensor, Tensor, Tensor> op, ScalarType type)
    {
        using var grad = enable_grad();
        var x = Pattern(inputShape, 0.37, 0.1).to_type(type).requires_grad_();       // [batch, in, ...]
        var w = Pattern(weightShape, 0.91, 0.4).to_type(type).requires_grad_();      // [out, in, k...] or [in, out, k...]
        var y = op(x, w);                                                              // [batch, out, ...]
        var upstream = Pattern(y.shape, 0.53, 0.7).to_type(type);                     // dL/dy, a fixed pattern
        (y * upstream).sum().backward();
        return (y.detach(), x.grad!.detach(), w.grad!.detach());
    }

    // sin(a·i + b) over the flat index i, in float64: deterministic, of order 1, no zeros in a row.
    private static Tensor Pattern(long[] shape, double a, double b)
    {
        var n = shape.Aggregate(1L, (p, s) => p * s);
        return sin(arange(n, dtype: ScalarType.Float64) * a + b).reshape(shape);
    }

    private static double RelativeError(Tensor actual, Tensor expected)
    {
        var scale = expected.abs().max().item<double>();
        var error = (actual.to_type(ScalarType.Float64) - expected).abs().max().item<double>();
        return error / Math.Max(scale, 1e-30);
    }
}

using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Tests.Core;

/// <summary>
/// The convolution route and its self-test (<see cref="CpuKernels"/>, <see cref="ConvolutionSelfTest"/>), and matrix
/// products that do not depend on where their operands sit.
/// </summary>
public sealed class CpuKernelsTests
{
    /// <summary>
    /// The same comparison <c>Notebook.Start</c> makes, in this test process (where the module initializer applied the
    /// route): CI fails here on a machine where the route stops making float32 convolutions right.
    /// </summary>
    [Fact]
    public void Float32ConvolutionsAgreeWithFloat64OnThisCpu()
    {
        Assert.Equal(CpuKernels.Route, CpuKernels.Prepare());
        var report = ConvolutionSelfTest.Run();
        Assert.True(report.Passed, $"{report}\nroute {CpuKernels.Route}, CPU {CpuKernels.CpuName}");
        Assert.Equal(2 * 3 * 8, report.Cases.Count);                     // 2 repeats × batches 1, 8, 16 × 8 operations
        Assert.All(report.Cases, c => Assert.True(c.Worst < 1e-5, c.Describe(1e-5)));
    }

    [Fact]
    public void TheDefaultRouteLeavesOneDnnOutOfConvolutions()
    {
        if (Environment.GetEnvironmentVariable(CpuKernels.Variable) is null)
        {
            Assert.Equal(ConvolutionRoute.WithoutOneDnn, CpuKernels.Route);
        }
        var first = CpuKernels.Check();
        Assert.Same(first, CpuKernels.Check());                            // once per process
        Assert.True(first.Passed, first.ToString());
    }

    /// <summary>
    /// A float32 matrix product (Intel MKL inside libtorch) does not depend on where its operands sit in memory (shifted
    /// 1-15 elements from the allocation's alignment), with one and two threads: seeded metrics are compared bit for bit
    /// between the engine and the real kernel, whose allocations differ. (MKL's reproducibility mode, mkl_cbwr_set, would
    /// guarantee it but changes every product's rounding; on AMD CPUs it accepts only its AUTO and COMPATIBLE branches.)
    /// </summary>
    [Fact]
    public void MatrixProductsAreReproducibleWhereverTheOperandsSit()
    {
        var threads = get_num_threads();
        try
        {
            foreach (var t in new[] { 1, 2 })
            {
                set_num_threads(t);
                foreach (var (m, k, n) in new[] { (7, 33, 5), (64, 64, 64), (33, 257, 65), (512, 64, 64) })
                {
                    using var scope = NewDisposeScope();
                    var generator = new Generator(42);
                    var a = randn(new long[] { m, k }, generator: generator);                   // [m, k]
                    var b = randn(new long[] { k, n }, generator: generator);                   // [k, n]
                    var aligned = a.matmul(b);                                                  // [m, n]
                    for (var offset = 1; offset < 16; offset += 3)
                    {
                        var a2 = zeros(m * k + offset).narrow(0, offset, m * k).view(m, k).copy_(a);
                        var b2 = zeros(k * n + offset).narrow(0, offset, k * n).view(k, n).copy_(b);
                        var difference = (a2.matmul(b2) - aligned).abs().max().item<float>();
                        Assert.True(difference == 0, $"[{m}x{k}]·[{k}x{n}] with operands {offset} elements off alignment, {t} threads: differs by {difference}");
                    }
                }
            }
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    /// <summary>The self-test catches the faults seen on the faulty CPU: taps shifted by one, only in float32, only for batches above one.</summary>
    [Fact]
    public void TheSelfTestNamesAWrongOperationAndWhatIsWrong()
    {
        var shifted = ConvolutionSelfTest.Compare("conv_transpose1d stride 1 padding 1, batch 16", new long[] { 16, 1, 5 }, new long[] { 1, 1, 3 },
            (x, w) =>
            {
                var y = nn.functional.conv_transpose1d(x, w, stride: 1, padding: 1);                  // [16, 1, 5]
                return x.dtype == ScalarType.Float32 && x.shape[0] > 1 ? y.roll(1, 2) : y;           // the fault: taps shifted by one
            });
        Assert.True(shifted.Output > 0.1, shifted.Describe(ConvolutionSelfTest.Tolerance));
        Assert.StartsWith("conv_transpose1d stride 1 padding 1, batch 16: output off by", shifted.Describe(ConvolutionSelfTest.Tolerance));

        var report = new ConvolutionReport(new[] { shifted, shifted with { Name = "conv2d", Output = 1e-7, InputGradient = 1e-7, WeightGradient = 1e-7 } },
            ConvolutionSelfTest.Tolerance, 1);
        Assert.False(report.Passed);
        Assert.Contains("WRONG on this CPU", report.ToString());
        Assert.Contains("conv_transpose1d stride 1 padding 1, batch 16", report.ToString());
        Assert.DoesNotContain("conv2d", report.ToString());

        var nan = shifted with { InputGradient = double.NaN };
        Assert.Contains("input gradient off by NaN", nan.Describe(ConvolutionSelfTest.Tolerance));
        Assert.False(new ConvolutionReport(new[] { nan }, ConvolutionSelfTest.Tolerance, 1).Passed);
    }

    [Fact]
    public void AnUnknownRouteIsRefusedWithTheChoices()
    {
        var before = Environment.GetEnvironmentVariable(CpuKernels.Variable);
        try
        {
            Environment.SetEnvironmentVariable(CpuKernels.Variable, "fast");
            var error = Assert.Throws<ArgumentException>(() => CpuKernels.Route);
            Assert.Contains("WORKBOOK_CONVOLUTIONS=fast", error.Message);
            Assert.Contains("without-onednn", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CpuKernels.Variable, before);
        }
    }
}

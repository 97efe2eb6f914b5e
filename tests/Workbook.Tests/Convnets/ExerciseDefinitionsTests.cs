using TorchSharp;
using Workbook.Convnets;
using static TorchSharp.torch;

namespace Workbook.Tests.Convnets;

/// <summary>
/// The definitions the convolution exercises of 04 and 04c take their expected answers from
/// (<see cref="ConvnetExercises.Windows"/>, <see cref="VisionExercises.Scatter"/>, the output-size formula), held to torch
/// in float64: no check reads its answer off a float32 kernel.
/// </summary>
public sealed class ExerciseDefinitionsTests
{
    /// <summary>The windows the 04 exercise expects are what torch's Conv1d reads, in float64 on a batch of 16 one-hot rows.</summary>
    [Theory]
    [InlineData(16, 3, 1, 1, 1)]
    [InlineData(227, 11, 4, 0, 1)]
    [InlineData(16, 3, 1, 2, 2)]
    [InlineData(20, 4, 3, 1, 1)]
    [InlineData(10, 3, 1, 0, 3)]
    public void ConvolutionWindowsDefinitionMatchesConv1dInFloat64(int n, int k, int s, int p, int d)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var taps = ones(1, 1, k, dtype: ScalarType.Float64);
        var read = nn.functional.conv1d(eye(n, dtype: ScalarType.Float64).unsqueeze(1), taps, stride: s, padding: p, dilation: d).squeeze(1); // [n, out]
        var expected = ConvnetExercises.Windows(n, k, s, p, d);
        Assert.Equal(read.shape[1], expected.Length);
        for (var o = 0; o < expected.Length; o++)
        {
            var fromTorch = Enumerable.Range(0, n).Where(i => read[i, o].item<double>() != 0).ToArray();
            Assert.Equal(fromTorch, expected[o]);
        }
    }

    /// <summary>The scatter the 04c exercise expects is where torch's ConvTranspose1d writes, in float64 on a batch of 16.</summary>
    [Theory]
    [InlineData(4, 2, 2, 0, 0)]
    [InlineData(4, 3, 2, 1, 1)]
    [InlineData(5, 3, 1, 1, 0)]
    [InlineData(3, 5, 3, 2, 2)]
    [InlineData(4, 1, 3, 0, 1)]
    [InlineData(3, 7, 2, 3, 1)]
    public void TransposedScatterDefinitionMatchesConvTranspose1dInFloat64(int n, int k, int s, int p, int op)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var expected = VisionExercises.Scatter(n, k, s, p, op);
        var taps = ones(1, 1, k, dtype: ScalarType.Float64);
        for (var i = 0; i < n; i++)
        {
            var input = zeros(16, 1, n, dtype: ScalarType.Float64);                                   // [16, 1, n], one-hot at i in every row
            input[TensorIndex.Colon, 0, i] = 1;
            var output = nn.functional.conv_transpose1d(input, taps, stride: s, padding: p, output_padding: op);  // [16, 1, out]
            for (var row = 0; row < 16; row += 15)
            {
                var landed = Enumerable.Range(0, (int)output.shape[2]).Where(o => output[row, 0, o].item<double>() != 0).ToArray();
                Assert.Equal(expected[i], landed);
            }
        }
    }

    [Theory]
    [InlineData(3, 96, 11, 227, 4, 0)]
    [InlineData(16, 32, 3, 15, 2, 0)]
    [InlineData(8, 16, 5, 32, 2, 2)]
    public void ConvolutionCostUsesConv2dsOutputSide(int cin, int cout, int k, int n, int stride, int padding)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = nn.functional.conv2d(zeros(1, cin, n, n, dtype: ScalarType.Float64), zeros(cout, cin, k, k, dtype: ScalarType.Float64),
            strides: new long[] { stride, stride }, padding: new long[] { padding, padding });
        Assert.Equal(output.shape[2], ShapeArithmetic.OutputSize(n, k, stride, padding));
        Assert.Equal(output.shape[3], ShapeArithmetic.OutputSize(n, k, stride, padding));
    }
}

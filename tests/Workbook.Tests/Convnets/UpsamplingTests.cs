using TorchSharp;
using Workbook.Convnets;
using static TorchSharp.torch;

namespace Workbook.Tests.Convnets;

/// <summary>
/// The transposed convolution and max un-pooling written out agree with TorchSharp's conv_transpose2d, ConvTranspose2d
/// and MaxUnpool2d. The comparisons with conv_transpose2d run in float64, the reference (float32 convolutions are
/// checked against it by <see cref="Workbook.Tensors.ConvolutionSelfTest"/>).
/// </summary>
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class UpsamplingTests
{
    [Fact]
    public void TransposedOutputSizeMatchesConvTranspose2d()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var checkedCount = 0;
        foreach (var n in new[] { 3, 5, 8 }) foreach (var k in new[] { 1, 2, 3, 5 }) foreach (var s in new[] { 1, 2, 3 })
        foreach (var p in new[] { 0, 1, 2 }) foreach (var op in new[] { 0, 1, 2 }) foreach (var d in new[] { 1, 2 })
        {
            if (op >= Math.Max(s, d)) continue;
            var predicted = Upsampling.TransposedOutputSize(n, k, s, p, op, d);
            if (predicted < 1) continue;
            using var layer = nn.ConvTranspose2d(1, 1, k, stride: s, padding: p, output_padding: op, dilation: d);
            var output = layer.call(zeros(16, 1, n, n));
            Assert.Equal(predicted, output.shape[2]);
            Assert.Equal(predicted, output.shape[3]);
            checkedCount++;
        }
        Assert.True(checkedCount > 300, $"only {checkedCount} configurations");
    }

    [Fact]
    public void TransposedSizeUndoesTheConvolutionsSizeWithOutputPadding()
    {
        Assert.Equal(8, ShapeArithmetic.OutputSize(16, 3, 2, 1));
        Assert.Equal(8, ShapeArithmetic.OutputSize(15, 3, 2, 1));
        Assert.Equal(15, Upsampling.TransposedOutputSize(8, 3, 2, 1));
        Assert.Equal(16, Upsampling.TransposedOutputSize(8, 3, 2, 1, outputPadding: 1));
        Assert.Throws<ArgumentException>(() => Upsampling.TransposedOutputSize(8, 3, 2, 1, outputPadding: 2));
    }

    [Fact]
    public void TheTransposedScatterExerciseAcceptsTheDefinitionAndNamesAForgottenCrop()
    {
        // Input i's tap u lands on s·i + u − p; the ones outside [0, n_out) are cropped.
        static int[][] Scatter(int n, int k, int s, int p, int op, bool crop)
        {
            var size = Upsampling.TransposedOutputSize(n, k, s, p, op);
            return Enumerable.Range(0, n)
                .Select(i => Enumerable.Range(0, k).Select(u => s * i + u - p).Where(o => !crop || (o >= 0 && o < size)).ToArray())
                .ToArray();
        }
        var right = VisionExercises.CheckTransposedScatter((n, k, s, p, op) => Scatter(n, k, s, p, op, crop: true));
        Assert.True(right.Passed, right.Message);

        // Without the crop, padding leaves negative positions: case 2 (padding 1) is the first to fail, and the message shows the lists.
        var uncropped = VisionExercises.CheckTransposedScatter((n, k, s, p, op) => Scatter(n, k, s, p, op, crop: false));
        Assert.False(uncropped.Passed);
        Assert.Contains("case 2", uncropped.Message);
        Assert.Contains("-1", uncropped.Message);
        Assert.DoesNotContain("System.Int32", uncropped.Message);

        // Placing taps at i + u·s (stride and kernel swapped): wrong already at case 1.
        var swapped = VisionExercises.CheckTransposedScatter((n, k, s, p, op) =>
            Enumerable.Range(0, n).Select(i => Enumerable.Range(0, k).Select(u => i + u * s - p).Where(o => o >= 0 && o < Upsampling.TransposedOutputSize(n, k, s, p, op)).ToArray()).ToArray());
        Assert.False(swapped.Passed);
        Assert.Contains("case 1", swapped.Message);
    }

    [Theory]
    [InlineData(1, 3, 3, 2, 1)]
    [InlineData(16, 3, 3, 2, 1)]
    [InlineData(16, 1, 3, 2, 0)]
    [InlineData(32, 16, 2, 2, 0)]
    [InlineData(4, 2, 4, 3, 1)]
    [InlineData(2, 5, 5, 1, 2)]
    public void TheScatterEqualsConvTranspose2dInDoublePrecision(int batch, int inChannels, int kernel, int stride, int padding)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(41);
        var x = randn(new long[] { batch, inChannels, 5, 4 }, ScalarType.Float64, generator: generator);   // non-square on purpose
        var w = randn(new long[] { inChannels, 3, kernel, kernel }, ScalarType.Float64, generator: generator);
        var b = randn(new long[] { 3 }, ScalarType.Float64, generator: generator);
        var ours = Upsampling.TransposedConvolution(x, w, b, stride, padding);
        var theirs = nn.functional.conv_transpose2d(x, w, b, new long[] { stride, stride }, new long[] { padding, padding });
        Assert.Equal(theirs.shape, ours.shape);
        Assert.True((ours - theirs).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void TheTransposedConvolutionIsTheAdjointOfTheConvolution()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(43);
        var w = randn(new long[] { 3, 4, 3, 3 }, ScalarType.Float64, generator: generator);  // conv2d: [out 3, in 4]; transposed: [in 3, out 4]
        var x = randn(new long[] { 2, 4, 9, 9 }, ScalarType.Float64, generator: generator);
        var y = randn(new long[] { 2, 3, 5, 5 }, ScalarType.Float64, generator: generator);
        var lhs = (nn.functional.conv2d(x, w, null, new long[] { 2, 2 }, new long[] { 1, 1 }) * y).sum().item<double>();
        var rhs = (x * Upsampling.TransposedConvolution(y, w, null, 2, 1)).sum().item<double>();
        Assert.Equal(lhs, rhs, 9);
    }

    [Fact]
    public void OverlapsAreSummedNotAveraged()
    {
        using var scope = NewDisposeScope();
        var counts = Upsampling.OverlapCounts(4, 3, 2);                             // [9, 9]
        var row = counts[0].data<float>().ToArray();
        Assert.Equal(new float[] { 1, 1, 2, 1, 2, 1, 2, 1, 1 }, row);
        Assert.Equal(4, counts.max().item<float>());
        Assert.Equal(16 * 9, counts.sum().item<float>());                            // every input pixel paints the whole kernel
    }

    [Fact]
    public void MaxUnpoolEqualsMaxUnpool2dAndPutsTheMaximaBack()
    {
        using var scope = NewDisposeScope();
        manual_seed(44);
        var x = randn(16, 3, 8, 6);
        var (pooled, indices) = nn.functional.max_pool2d_with_indices(x, new long[] { 2, 2 }, new long[] { 2, 2 });
        var ours = Upsampling.MaxUnpool(pooled, indices, 8, 6);
        var theirs = nn.MaxUnpool2d(2, 2).call(pooled, indices, null);
        Assert.Equal(0, (ours - theirs).abs().max().item<float>());
        Assert.Equal(0.25, ours.ne(0).to_type(ScalarType.Float64).mean().item<double>(), 12);
        Assert.Equal(0, (ours - x * ours.ne(0)).abs().max().item<float>());
    }
}

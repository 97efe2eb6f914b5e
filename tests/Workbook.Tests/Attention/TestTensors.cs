using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Tests.Attention;

/// <summary>Small helpers: reading tensors as arrays and comparing them.</summary>
internal static class TestTensors
{
    public static double[] Values(Tensor t) => t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    public static double At(Tensor t, params long[] index)
    {
        using var element = t[index.Select(i => TensorIndex.Single(i)).ToArray()];
        return element.to_type(ScalarType.Float64).item<double>();
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var diff = (a.detach().to_type(ScalarType.Float64) - b.detach().to_type(ScalarType.Float64)).abs().max();
        return diff.item<double>();
    }

    public static void Close(Tensor expected, Tensor actual, double tolerance)
    {
        var diff = MaxAbsDiff(expected, actual);
        Assert.True(diff <= tolerance, $"max |difference| = {diff:G4} > {tolerance:G4} (shape [{string.Join(", ", expected.shape)}])");
    }

    public static Tensor Random64(params long[] shape) => randn(shape, dtype: ScalarType.Float64);
}

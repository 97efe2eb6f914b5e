using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Tests.DeepNets;

internal static class DeepNetsTestHelpers
{
    /// <summary>Asserts two tensors have the same shape and agree within <paramref name="tolerance"/> (absolute, float64).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what, double tolerance = 1e-10)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        var difference = (expected.to_type(ScalarType.Float64) - actual.to_type(ScalarType.Float64)).abs().max().ToDouble();
        Assert.True(difference <= tolerance, $"{what}: largest difference {difference:G3} > {tolerance:G3}");
    }
}

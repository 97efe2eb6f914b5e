using Workbook.Attention;
using Xunit;

namespace Workbook.Tests.Attention;

public sealed class AttentionCostTests
{
    [Fact]
    public void The_curve_keeps_the_lengths_in_order_and_reads_the_weights_size_exactly()
    {
        var points = AttentionCost.MeasureCurve(new long[] { 16, 32, 48 }, batch: 2, heads: 3, headDim: 4, rounds: 2);

        Assert.Equal(new long[] { 16, 32, 48 }, points.Select(p => p.Length));
        Assert.Equal(new long[] { 4L * 2 * 3 * 16 * 16, 4L * 2 * 3 * 32 * 32, 4L * 2 * 3 * 48 * 48 }, points.Select(p => p.WeightBytes));
        Assert.All(points, p => Assert.True(p.CpuMilliseconds > 0 && p.WallMilliseconds > 0, $"n = {p.Length}: {p}"));
    }

    [Fact]
    public void The_fitted_exponent_is_the_power_of_an_exact_power_law()
    {
        var x = new double[] { 2, 4, 8, 16 };
        Assert.Equal(2.0, AttentionCost.FitExponent(x, x.Select(v => 3 * v * v).ToArray()), 12);
        Assert.Equal(1.0, AttentionCost.FitExponent(x, x.Select(v => 0.5 * v).ToArray()), 12);
    }

    [Fact]
    public void Bad_requests_are_named()
    {
        Assert.Contains("at least one length", Assert.Throws<ArgumentException>(() => AttentionCost.MeasureCurve(Array.Empty<long>())).Message);
        Assert.Contains("at least two", Assert.Throws<ArgumentException>(() => AttentionCost.FitExponent(new double[] { 1 }, new double[] { 1 })).Message);
    }
}

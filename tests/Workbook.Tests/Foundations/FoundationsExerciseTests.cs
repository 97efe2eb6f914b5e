using TorchSharp;
using Workbook.Foundations;
using static TorchSharp.torch;

namespace Workbook.Tests.Foundations;

// Depends on torch's thread count or global generator, which parallel test classes share: runs alone.
[Collection(Workbook.Tests.Foundation.GlobalStateCollection.Name)]
public sealed class FoundationsExerciseTests
{
    [Fact]
    public void BiasVarianceCheckPassesTheReferenceAndCatchesTheUnbiasedVariance()
    {
        var reference = FoundationsExercises.CheckBiasVariance((p, f) =>
        {
            var parts = BiasVariance.Decompose(p, f);
            return (parts.BiasSquared, parts.Variance);
        });
        Assert.True(reference.Passed, reference.Message);

        // Dividing by T − 1 instead of T: then bias² + variance no longer equals the mean squared error exactly.
        var wrong = FoundationsExercises.CheckBiasVariance((p, f) =>
        {
            var mean = p.mean(new long[] { 0 });
            return ((mean - f).pow(2).mean().item<double>(), p.var(0).mean().item<double>());
        });
        Assert.False(wrong.Passed);
        Assert.Contains("[1]", wrong.Message);   // position 1 is the variance
    }

    [Fact]
    public void RidgeCheckPassesTheNormalEquationsAndCatchesAForgottenPenalty()
    {
        Tensor Normal(Tensor design, Tensor y, double lambda) =>
            linalg.solve(design.t().matmul(design) + lambda * eye(design.shape[1], dtype: float64), design.t().matmul(y));
        var right = FoundationsExercises.CheckRidge(Normal);
        Assert.True(right.Passed, right.Message);

        var wrong = FoundationsExercises.CheckRidge((design, y, _) => Normal(design, y, 0));
        Assert.False(wrong.Passed);
        Assert.Contains("case 2", wrong.Message);   // case 1 has λ = 0, so the first miss is case 2
    }
}

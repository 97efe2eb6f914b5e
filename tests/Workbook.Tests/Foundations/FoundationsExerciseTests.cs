using TorchSharp;
using Workbook.Foundations;
using static TorchSharp.torch;

namespace Workbook.Tests.Foundations;

// Depends on torch's thread count or global generator, which parallel test classes share: runs alone.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class FoundationsExerciseTests
{
    [Fact]
    public void BiasVarianceCheckPassesTheReferenceAndCatchesTheUnbiasedVariance()
    {
        var reference = FoundationsExercises.CheckBiasVariance((p, f) =>
        {
            var mean = p.mean(new long[] { 0 });                       // f̄ over the T predictors
            return ((mean - f).pow(2).mean().item<double>(), (p - mean).pow(2).mean().item<double>());
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
    public void RidgeCheckPassesTheNormalEquationsAndCatchesAForgottenOrUniformPenalty()
    {
        Tensor Normal(Tensor design, Tensor y, Tensor penalties) =>
            linalg.solve(design.t().matmul(design) + diag(penalties), design.t().matmul(y));
        var right = FoundationsExercises.CheckRidge(Normal);
        Assert.True(right.Passed, right.Message);

        var forgotten = FoundationsExercises.CheckRidge((design, y, penalties) => Normal(design, y, zeros_like(penalties)));
        Assert.False(forgotten.Passed);
        Assert.Contains("case 2", forgotten.Message);   // case 1 has every λ_j = 0, so the first miss is case 2

        // The library's one-λ ridge with the largest λ_j on every coefficient: it penalises the constant, which case 2 leaves free.
        var uniform = FoundationsExercises.CheckRidge((design, y, penalties) => RidgeRegression.Solve(design, y, penalties.max().item<double>()));
        Assert.False(uniform.Passed);
        Assert.Contains("case 2", uniform.Message);
    }
}

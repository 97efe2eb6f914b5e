using TorchSharp;
using Workbook.Optimization;
using static TorchSharp.torch;

namespace Workbook.Tests.Optimization;

// torch.optim's steps once failed with "Unknown scalar type" while other test classes ran in parallel
// (a fresh-clone run, 2026-12-01); they run with the other process-wide-state tests, one at a time.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class OptimizationExerciseTests
{
    [Fact]
    public void TheLibrarysAdamRulePassesTheCheck()
    {
        var result = OptimizationExercises.CheckAdamUpdate(Reference);
        Assert.True(result.Passed, result.Message);
        Assert.Equal(4, result.CasesChecked);
    }

    // Notes §3.3.4, Algorithm 6, written out here (the library's AdamScratch.Rule is internal).
    private static AdamStep Reference(Tensor theta, Tensor g, Tensor m, Tensor v, int k, AdamConfig c)
    {
        var m1 = c.Beta1 * m + (1 - c.Beta1) * g;
        var v1 = c.Beta2 * v + (1 - c.Beta2) * g * g;
        var mHat = m1 / (1 - Math.Pow(c.Beta1, k));
        var vHat = v1 / (1 - Math.Pow(c.Beta2, k));
        return new AdamStep(theta - c.LearningRate * mHat / (vHat.sqrt() + c.Epsilon), m1, v1);
    }

    [Fact]
    public void AnAdamWithoutBiasCorrectionFailsAtTheFirstStep()
    {
        var result = OptimizationExercises.CheckAdamUpdate((theta, g, m, v, k, c) =>
        {
            var m1 = c.Beta1 * m + (1 - c.Beta1) * g;
            var v1 = c.Beta2 * v + (1 - c.Beta2) * g * g;
            return new AdamStep(theta - c.LearningRate * m1 / (v1.sqrt() + c.Epsilon), m1, v1);
        });
        Assert.False(result.Passed);
        Assert.Contains("after step 1 of 100", result.Message);
        Assert.Contains("case 1", result.Message);
    }

    [Fact]
    public void AnUnattemptedExerciseSaysSo()
    {
        var result = OptimizationExercises.CheckAdamUpdate((_, _, _, _, _, _) => throw new NotImplementedException("write the Adam update"));
        Assert.False(result.Passed);
        Assert.StartsWith("not attempted", result.Message);
    }
}

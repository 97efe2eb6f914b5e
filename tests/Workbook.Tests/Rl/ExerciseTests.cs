using TorchSharp;
using Workbook.Rl;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

public sealed class ExerciseTests
{
    [Fact]
    public void RewardToGoCheckPassesACorrectAnswerAndFailsAForwardSum()
    {
        Assert.True(RlExercises.CheckRewardToGo((r, g) => Returns.RewardToGo(r, g)).Passed);
        var wrong = RlExercises.CheckRewardToGo((r, g) => r.Select((_, t) => r.Take(t + 1).Sum()).ToArray());
        Assert.False(wrong.Passed);
        Assert.Contains("case", wrong.Message);
    }

    [Fact]
    public void GaeCheckPassesACorrectAnswerAndFailsTdOnly()
    {
        Assert.True(RlExercises.CheckGae(Returns.Gae).Passed);
        Assert.False(RlExercises.CheckGae((r, v, b, g, l) => Returns.Gae(r, v, b, g, 0)).Passed);
    }

    [Fact]
    public void EffectiveSampleSizeAndConjugateGradientChecks()
    {
        Assert.True(RlExercises.CheckEffectiveSampleSize(w => w.Sum() * w.Sum() / (w.Length * w.Sum(x => x * x))).Passed);
        Assert.False(RlExercises.CheckEffectiveSampleSize(w => 1.0 / w.Length).Passed);
        Assert.True(RlExercises.CheckConjugateGradient((a, b, n) => Workbook.Rl.Algorithms.Trpo.ConjugateGradient(a, b, n)).Passed);
        Assert.False(RlExercises.CheckConjugateGradient((a, b, n) => b.clone()).Passed);
    }

    [Fact]
    public void PpoClipCheckPassesTheMinimumAndFailsTheUnclippedSurrogate()
    {
        Assert.True(RlExercises.CheckPpoClipObjective((r, a, e) => minimum(r * a, r.clamp(1 - e, 1 + e) * a)).Passed);
        var unclipped = RlExercises.CheckPpoClipObjective((r, a, e) => r * a);
        Assert.False(unclipped.Passed);
        Assert.Contains("case 1", unclipped.Message);
    }
}

using Workbook.Rl;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;
using Workbook.Tests.Core;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

[Collection(GlobalStateCollection.Name)]   // seeds torch's global generator
public sealed class GradientStatisticsTests
{
    [Fact]
    public void MeanVarianceAndRelativeErrorMatchAHandComputation()
    {
        // rows (1, 0), (3, 0): mean (2, 0), Var = 2 in the first coordinate, 0 in the second
        var rows = new[] { new[] { 1.0, 0.0 }, new[] { 3.0, 0.0 } };
        Assert.Equal(new[] { 2.0, 0.0 }, GradientStatistics.Mean(rows));
        Assert.Equal(2.0, GradientStatistics.TotalVariance(rows), 12);
        Assert.Equal(Math.Sqrt(2.0 / 2) / 2, GradientStatistics.RelativeStandardError(rows), 12);
    }

    [Fact]
    public void ThePairedGapIsSmallForEqualMeansAndLargeForDifferentOnes()
    {
        var random = new Random(5);
        double Noise() => random.NextDouble() - 0.5;
        var shared = Enumerable.Range(0, 400).Select(_ => new[] { Noise() * 10, Noise() * 10, Noise() * 10 }).ToArray();
        var sameMean = shared.Select(r => r.Select(v => v + 0.1 * Noise()).ToArray()).ToArray();
        var shifted = shared.Select(r => r.Select(v => v + 0.1 * Noise() + 0.05).ToArray()).ToArray();

        Assert.InRange(GradientStatistics.GapInStandardErrors(shared, sameMean), 0, 3);
        // a shift of 0.05 against paired noise of sd 0.029 over 400 batches: about 34 standard errors
        Assert.True(GradientStatistics.GapInStandardErrors(shared, shifted) > 20);
    }

    [Fact]
    public void BadInputIsNamed()
    {
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => GradientStatistics.TotalVariance(new[] { new[] { 1.0 } })).Message);
        Assert.Contains("paired", Assert.Throws<ArgumentException>(() =>
            GradientStatistics.GapInStandardErrors(new[] { new[] { 1.0 }, new[] { 2.0 } }, new[] { new[] { 1.0 } })).Message);
    }

    [Fact]
    public void EstimatesFromOneBatchShareItsEpisodes()
    {
        manual_seed(0);
        var environment = VectorEnvironments.CartPole(4, seed: 0);
        var policy = Policies.For(environment, null, 0.0);
        var weightings = new[] { (ReinforceEstimator.Vanilla, 1.0), (ReinforceEstimator.Vanilla, 1.0), (ReinforceEstimator.RewardToGo, 1.0) };

        manual_seed(7);                                                             // actions are sampled from torch's generator
        var estimates = Reinforce.GradientEstimates(environment, policy, null, weightings, seed: 3);

        Assert.Equal(3, estimates.Length);
        Assert.Equal(policy.parameters().Sum(p => p.numel()), estimates[0].Length);
        Assert.Equal(estimates[0], estimates[1]);                                   // same batch, same weighting
        Assert.NotEqual(estimates[0], estimates[2]);                                // reward-to-go credits fewer rewards
        manual_seed(7);
        Assert.Equal(estimates[2], Reinforce.GradientEstimates(environment, policy, null, new[] { weightings[2] }, seed: 3)[0]);
    }
}

using Workbook.Rl;

namespace Workbook.Tests.Rl;

public sealed class ReturnsTests
{
    [Fact]
    public void RewardToGoMatchesAHandComputation()
    {
        // γ = 0.5: Q̂_2 = 3, Q̂_1 = 2 + 0.5·3 = 3.5, Q̂_0 = 1 + 0.5·2 + 0.25·3 = 2.75
        Assert.Equal(new[] { 2.75, 3.5, 3.0 }, Returns.RewardToGo(new[] { 1.0, 2.0, 3.0 }, 0.5));
        Assert.Equal(new[] { 6.0, 5.0, 3.0 }, Returns.RewardToGo(new[] { 1.0, 2.0, 3.0 }));
        Assert.Equal(2.75, Returns.Total(new[] { 1.0, 2.0, 3.0 }, 0.5), 12);
    }

    [Fact]
    public void GaeMatchesAHandComputation()
    {
        // δ_1 = 0 + 0.9·0.4 − 0.2 = 0.16;  δ_0 = 1 + 0.9·0.2 − 0.5 = 0.68;  Â_0 = 0.68 + 0.9·0.8·0.16 = 0.7952
        var advantages = Returns.Gae(new[] { 1.0, 0.0 }, new[] { 0.5, 0.2 }, bootstrapValue: 0.4, gamma: 0.9, lambda: 0.8);
        Assert.Equal(0.7952, advantages[0], 12);
        Assert.Equal(0.16, advantages[1], 12);
    }

    [Fact]
    public void GaeWithLambdaOneEqualsMonteCarloAdvantages()
    {
        var random = new Random(3);
        var rewards = Enumerable.Range(0, 30).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var values = Enumerable.Range(0, 30).Select(_ => random.NextDouble() * 5).ToArray();
        var gae = Returns.Gae(rewards, values, bootstrapValue: 0, gamma: 0.97, lambda: 1.0);
        var monteCarlo = Returns.MonteCarloAdvantages(rewards, values, 0.97);
        for (var t = 0; t < 30; t++)
        {
            Assert.Equal(monteCarlo[t], gae[t], 10);
        }
        // and λ = 0 is the one-step TD error
        var td = Returns.Gae(rewards, values, bootstrapValue: 0, gamma: 0.97, lambda: 0.0);
        Assert.Equal(rewards[5] + 0.97 * values[6] - values[5], td[5], 12);
    }

    [Fact]
    public void VectorisedGaeStopsAtEpisodeBoundariesAndMatchesPerEpisodeGae()
    {
        // Two environments, 5 steps; environment 0's episode ends after step 2.
        const int steps = 5, envs = 2;
        var random = new Random(4);
        var rewards = Enumerable.Range(0, steps * envs).Select(_ => (float)random.NextDouble()).ToArray();
        var values = Enumerable.Range(0, steps * envs).Select(_ => (float)random.NextDouble()).ToArray();
        var dones = new bool[steps * envs];
        dones[2 * envs + 0] = true;
        var last = new[] { 0.3f, 0.7f };
        var (advantages, targets) = Returns.Gae(rewards, values, dones, last, steps, envs, 0.99, 0.95);

        double[] Column(float[] x, int env, int from, int to) => Enumerable.Range(from, to - from).Select(t => (double)x[t * envs + env]).ToArray();
        var firstEpisode = Returns.Gae(Column(rewards, 0, 0, 3), Column(values, 0, 0, 3), 0.0, 0.99, 0.95);
        var secondEpisode = Returns.Gae(Column(rewards, 0, 3, 5), Column(values, 0, 3, 5), 0.3, 0.99, 0.95);
        var otherEnv = Returns.Gae(Column(rewards, 1, 0, 5), Column(values, 1, 0, 5), 0.7, 0.99, 0.95);
        var expected0 = firstEpisode.Concat(secondEpisode).ToArray();
        for (var t = 0; t < steps; t++)
        {
            Assert.Equal(expected0[t], advantages[t * envs], 5);
            Assert.Equal(otherEnv[t], advantages[t * envs + 1], 5);
            Assert.Equal(advantages[t * envs] + values[t * envs], targets[t * envs], 5);
        }
    }

    [Fact]
    public void GaeRejectsMismatchedLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => Returns.Gae(new[] { 1.0, 2.0 }, new[] { 1.0 }, 0, 0.9, 0.9));
        Assert.Contains("rewards has 2 entries but values has 1", error.Message);
    }

    [Fact]
    public void RunningMeanStdMatchesTheBatchStatistics()
    {
        var random = new Random(5);
        var data = Enumerable.Range(0, 300).Select(_ => (float)(random.NextDouble() * 4 + 1)).ToArray();   // 100 rows of 3
        var stats = new RunningMeanStd(3);
        stats.Update(data[..90], 30);
        stats.Update(data[90..], 70);
        for (var j = 0; j < 3; j++)
        {
            var column = Enumerable.Range(0, 100).Select(r => (double)data[r * 3 + j]).ToArray();
            var mean = column.Average();
            var variance = column.Sum(v => (v - mean) * (v - mean)) / column.Length;
            Assert.Equal(mean, stats.Mean[j], 3);
            Assert.Equal(variance, stats.Variance[j], 3);
        }
        var normalized = stats.Normalize(data);
        Assert.InRange(normalized.Where((_, k) => k % 3 == 0).Average(), -0.01, 0.01);
    }

    [Fact]
    public void NormalizedAdvantagesHaveZeroMeanAndUnitSpread()
    {
        var x = Returns.Normalize(new[] { 1.0, 2.0, 3.0, 10.0 });
        Assert.Equal(0.0, x.Average(), 10);
        Assert.Equal(1.0, Math.Sqrt(x.Sum(v => v * v) / x.Length), 6);
    }
}

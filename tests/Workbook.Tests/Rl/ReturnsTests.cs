using Workbook.Rl;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

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
    public void ARolloutsBuiltInGaeStopsAtEpisodeEndsAndMatchesPerEpisodeGae()
    {
        // 4 CartPole copies, 64 steps with an untrained policy: episodes end inside the rollout.
        manual_seed(4);
        var environment = VectorEnvironments.CartPole(4, seed: 4);
        var networks = ActorCritic.Mlp(environment);
        using var rollout = new RolloutCollector(environment, seed: 4).Collect(networks.Policy, networks.Value, steps: 64, gamma: 0.99);
        rollout.ComputeAdvantages(0.99, 0.95);
        var advantages = rollout.Advantages!.data<float>().ToArray();
        var targets = rollout.ValueTargets!.data<float>().ToArray();
        var (steps, envs) = (rollout.Steps, rollout.Environments);
        Assert.Contains(true, rollout.Dones);

        for (var i = 0; i < envs; i++)
        {
            var start = 0;
            for (var t = 0; t < steps; t++)
            {
                var k = t * envs + i;
                if (!rollout.Dones[k] && t < steps - 1)
                {
                    continue;
                }
                var rows = Enumerable.Range(start, t - start + 1).Select(s => s * envs + i).ToArray();
                var episode = Returns.Gae(rows.Select(r => (double)rollout.RewardsArray[r]).ToArray(), rows.Select(r => (double)rollout.ValuesArray[r]).ToArray(),
                    rollout.Dones[k] ? 0.0 : rollout.LastValues[i], 0.99, 0.95);
                for (var j = 0; j < rows.Length; j++)
                {
                    Assert.Equal(episode[j], advantages[rows[j]], 1e-4 * (1 + Math.Abs(episode[j])));
                    Assert.Equal(advantages[rows[j]] + rollout.ValuesArray[rows[j]], targets[rows[j]], 1e-4 * (1 + Math.Abs(targets[rows[j]])));
                }
                start = t + 1;
            }
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

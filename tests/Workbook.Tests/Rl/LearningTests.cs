using TorchSharp;
using Workbook.Rl;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;

namespace Workbook.Tests.Rl;

/// <summary>Agents really learn. Tiny networks are fastest on one libtorch thread.</summary>
// torch.set_num_threads is process-wide and libtorch rejects changing it while other tests run parallel work.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class LearningTests
{
    public LearningTests() => torch.set_num_threads(1);

    /// <summary>
    /// PPO-clip with the default config (60,000 environment steps, fewer than the RL Zoo's 100,000) solves
    /// CartPole-v1: the final policy, acting greedily (argmax), averages at least 475 over 100 episodes.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void PpoClipSolvesCartPoleWithinSixtyThousandSteps(int seed)
    {
        var config = new PpoConfig(Seed: seed);
        var result = Ppo.Train(VectorEnvironments.CartPole(config.Environments, seed), config);
        Assert.True(result.EnvironmentSteps <= 60_000);
        var returns = Evaluation.EpisodeReturns(n => VectorEnvironments.CartPole(n, seed: 50_000 + seed), result.Policy, episodes: 100, greedy: true);
        Assert.True(returns.Average() >= 475, $"seed {seed}: mean greedy return {returns.Average():F1} over 100 episodes");
        var history = result.History;
        Assert.All(RlLogs.StandardColumns, name => Assert.Contains(name, history.Columns.Select(c => c.Name)));
        Assert.Equal(result.Log.Count, history.Rows.Count);
        Assert.All(result.Log.Column("clip_fraction"), f => Assert.InRange(f, 0, 1));
    }

    [Fact]
    public void ReinforceWithBaselineClearlyImproves()
    {
        var config = new ReinforceConfig(Iterations: 40, Seed: 1);
        var result = Reinforce.Train(VectorEnvironments.CartPole(config.Episodes, 1), config);
        var returns = result.Log.Column("episode_return");
        var first = returns.Take(5).Average();
        var last = returns.TakeLast(5).Average();
        Assert.True(last > 3 * first && last > 100, $"mean return of the first 5 batches {first:F1}, of the last 5 {last:F1}");
    }

    [Fact]
    public void PpoAdaptiveKlAdjustsBetaAndImproves()
    {
        var config = new PpoConfig(Objective: PpoObjective.AdaptiveKl, TotalSteps: 25_000, Seed: 0);
        var result = Ppo.Train(VectorEnvironments.CartPole(config.Environments, 0), config);
        var betas = result.Log.Column("kl_beta");
        Assert.True(betas.Distinct().Count() > 2, "β should be adapted");
        var (_, smoothed) = result.Log.SmoothedReturns(10);
        Assert.True(smoothed.Last() > 3 * smoothed.First(), $"return {smoothed.First():F1} -> {smoothed.Last():F1}");
    }

    [Fact]
    public void GaussianPpoImprovesOnPendulum()
    {
        var config = PendulumConfig;
        var environment = VectorEnvironments.Pendulum(config.Environments, 0);
        var untrained = Policies.For(environment);
        var before = Evaluation.EpisodeReturns(n => VectorEnvironments.Pendulum(n, 70_000), untrained, episodes: 20).Average();
        var result = Ppo.Train(environment, config);
        var after = Evaluation.EpisodeReturns(n => VectorEnvironments.Pendulum(n, 70_000), result.Policy, episodes: 20).Average();
        Assert.True(after > before + 300, $"mean greedy return before {before:F0}, after {after:F0}");
    }

    internal static PpoConfig PendulumConfig => new(TotalSteps: 50_000, Environments: 8, StepsPerRollout: 128, Epochs: 10, MinibatchSize: 256,
        Gamma: 0.9, Lambda: 0.95, LearningRate: 1e-3, RewardScale: 0.1, Seed: 0);
}

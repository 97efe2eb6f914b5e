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
    public void TheTeachingGaeIsItsRecursionWrittenOutAndTheRolloutGaeWithoutEndsPerColumn()
    {
        var random = new Random(11);
        var rewards = Enumerable.Range(0, 25).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var values = Enumerable.Range(0, 25).Select(_ => random.NextDouble() * 5).ToArray();
        var teaching = Returns.Gae(rewards, values, bootstrapValue: 1.7, gamma: 0.97, lambda: 0.9);
        Assert.Equal(GaeReference.Segment(rewards, values, 1.7, 0.97, 0.9), teaching);   // bit for bit

        // the [T, N] GAE of a rollout without episode ends, N = 1 and N = 3: each column is the teaching form on that column
        foreach (var environments in new[] { 1, 3 })
        {
            using var buffer = RandomRollout(steps: 25, environments, seed: 12, terminateProbability: 0, truncateProbability: 0);
            buffer.ComputeAdvantages(0.97, 0.9);
            var (r, v, advantages) = (Matrix(buffer.Rewards), Matrix(buffer.Values), Matrix(buffer.Advantages!));
            var lastValues = buffer.LastValues.to_type(ScalarType.Float64).data<double>().ToArray();
            for (var i = 0; i < environments; i++)
            {
                var column = Returns.Gae(Enumerable.Range(0, 25).Select(t => r[t, i]).ToArray(), Enumerable.Range(0, 25).Select(t => v[t, i]).ToArray(),
                    lastValues[i], 0.97, 0.9);
                Assert.Equal(column.Select(a => (float)a), Enumerable.Range(0, 25).Select(t => (float)advantages[t, i]));   // float64 maths, stored as float32
            }
        }
    }

    [Fact]
    public void TheRolloutGaeEqualsAPerEpisodeFloat64ReferenceOnRandomRollouts()
    {
        // 40 steps of 6 environments with random rewards, terminations and truncations inside the rollout.
        using var buffer = RandomRollout(steps: 40, environments: 6, seed: 7, terminateProbability: 0.08, truncateProbability: 0.04);
        var (rewards, values, dones) = (Matrix(buffer.Rewards), Matrix(buffer.Values), buffer.Dones.to_type(ScalarType.Float64));
        var lastValues = buffer.LastValues.to_type(ScalarType.Float64).data<double>().ToArray();
        var ends = Matrix(dones);
        Assert.True(Enumerable.Range(0, 6).All(i => Enumerable.Range(0, 39).Any(t => ends[t, i] == 1)), "every environment has an episode end inside the rollout");

        buffer.ComputeAdvantages(0.99, 0.95);
        var advantages = Matrix(buffer.Advantages!);
        var targets = Matrix(buffer.ValueTargets!);
        Assert.Equal(new long[] { 40, 6 }, buffer.Advantages!.shape);
        for (var i = 0; i < 6; i++)
        {
            var start = 0;
            for (var t = 0; t < 40; t++)
            {
                if (ends[t, i] == 0 && t < 39)
                {
                    continue;
                }
                // the episode piece start..t: bootstrap 0 after an end, V(s_T) at the rollout's cut
                var piece = Enumerable.Range(start, t - start + 1).ToArray();
                var reference = GaeReference.Segment(piece.Select(s => rewards[s, i]).ToArray(), piece.Select(s => values[s, i]).ToArray(),
                    ends[t, i] == 1 ? 0.0 : lastValues[i], 0.99, 0.95);
                for (var j = 0; j < piece.Length; j++)
                {
                    Assert.Equal((float)reference[j], (float)advantages[piece[j], i]);                       // float64 maths, stored as float32
                    Assert.Equal((float)(reference[j] + values[piece[j], i]), (float)targets[piece[j], i]);
                }
                start = t + 1;
            }
        }

        // the student seam: a per-environment estimator gets each environment's column and fills the same places
        var perEnvironment = new double[40, 6];
        var calls = 0;
        buffer.ComputeAdvantages(0.99, 0.95, (r, v, d, last, g, l) =>
        {
            var column = GaeReference.PerEpisode(GaeReference.Segment)(r, v, d, last, g, l);
            var i = calls++;
            Assert.Equal(lastValues[i], last);
            Assert.Equal(Enumerable.Range(0, 40).Select(t => rewards[t, i]), r);
            Assert.Equal(Enumerable.Range(0, 40).Select(t => ends[t, i] == 1), d);
            return column;
        });
        Assert.Equal(6, calls);
        Assert.Equal(advantages.Cast<double>(), Matrix(buffer.Advantages!).Cast<double>());
        Assert.Equal(targets.Cast<double>(), Matrix(buffer.ValueTargets!).Cast<double>());
    }

    private static double[,] Matrix(Tensor x)
    {
        var (rows, columns) = ((int)x.shape[0], (int)x.shape[1]);
        var flat = x.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var matrix = new double[rows, columns];
        for (var t = 0; t < rows; t++)
        {
            for (var i = 0; i < columns; i++)
            {
                matrix[t, i] = flat[t * columns + i];
            }
        }
        return matrix;
    }

    /// <summary>A rollout of an untrained actor-critic in <see cref="RandomRewards"/>.</summary>
    private static RolloutBuffer RandomRollout(int steps, int environments, int seed, double terminateProbability, double truncateProbability)
    {
        manual_seed(seed);
        var environment = new RandomRewards(environments, seed, terminateProbability, truncateProbability);
        var networks = ActorCritic.Mlp(environment);
        return new RolloutCollector(environment, seed).Collect(networks.Policy, networks.Value, steps, gamma: 0.99);
    }

    /// <summary>N copies of a 3-number random walk with random rewards in [−1, 1] that terminate or truncate at random.</summary>
    private sealed class RandomRewards(int count, int seed, double terminateProbability, double truncateProbability) : IVectorEnvironment
    {
        private Random random = new(seed);

        public int Count => count;
        public BoxSpace ObservationSpace { get; } = new(new[] { -10.0, -10, -10 }, new[] { 10.0, 10, 10 });
        public Space ActionSpace { get; } = new DiscreteSpace(2);
        public string Name => "RandomRewards";

        public float[] Reset(int seed)
        {
            random = new Random(seed);
            return Observations();
        }

        public VectorStep Step(Tensor actions)
        {
            var step = new VectorStep(count, 3);
            Observations().CopyTo(step.Observations, 0);
            for (var i = 0; i < count; i++)
            {
                step.Rewards[i] = (float)(random.NextDouble() * 2 - 1);
                var u = random.NextDouble();
                step.Terminated[i] = u < terminateProbability;
                step.Truncated[i] = !step.Terminated[i] && u < terminateProbability + truncateProbability;
                if (step.Terminated[i] || step.Truncated[i])
                {
                    step.FinalObservations[i] = Observations()[..3];
                    step.CompletedEpisodes.Add(new EpisodeSummary(i, 0, 1));
                }
            }
            return step;
        }

        private float[] Observations() => Enumerable.Range(0, count * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
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
